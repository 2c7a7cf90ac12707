#include "actors/protocols/dns/message.hpp"

namespace wisp::protocols::dns {

std::string type_name(std::uint16_t type) {
  switch (static_cast<rr_type>(type)) {
    case rr_type::a: return "A";
    case rr_type::ns: return "NS";
    case rr_type::cname: return "CNAME";
    case rr_type::soa: return "SOA";
    case rr_type::ptr: return "PTR";
    case rr_type::mx: return "MX";
    case rr_type::txt: return "TXT";
    case rr_type::aaaa: return "AAAA";
    case rr_type::srv: return "SRV";
    case rr_type::opt: return "OPT";
    case rr_type::svcb: return "SVCB";
    case rr_type::https: return "HTTPS";
    case rr_type::any: return "ANY";
  }
  return "TYPE" + std::to_string(type);
}

}  // namespace wisp::protocols::dns
