#pragma once
// A DNS message as parsed from the wire (RFC 1035 §4.1): the header, the questions and the
// answer section's records, with names already decompressed. Plain value; bounded by the parser
// (at most max_section_records entries per section, names at most max_name_bytes).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/common/protocol.hpp"

namespace wisp::protocols::dns {

/// Resource record types named in the JSON columns; any other type is shown as "TYPE<n>"
/// (RFC 3597's notation).
enum class rr_type : std::uint16_t {
  a = 1,
  ns = 2,
  cname = 5,
  soa = 6,
  ptr = 12,
  mx = 15,
  txt = 16,
  aaaa = 28,
  srv = 33,
  opt = 41,
  svcb = 64,
  https = 65,
  any = 255,
};

/// "A", "AAAA", "CNAME", ..., or "TYPE<n>".
std::string type_name(std::uint16_t type);

/// The fixed 12-byte header. flags holds QR, opcode, AA, TC, RD, RA, Z, AD, CD and rcode as
/// sent; the accessors below pick them out.
struct header {
  std::uint16_t txid = 0;
  std::uint16_t flags = 0;
  std::uint16_t num_queries = 0;
  std::uint16_t num_answers = 0;
  std::uint16_t num_auth = 0;
  std::uint16_t num_addl = 0;

  bool qr() const { return (flags >> 15) & 1; }
  unsigned opcode() const { return (flags >> 11) & 0xf; }
  bool aa() const { return (flags >> 10) & 1; }
  bool tc() const { return (flags >> 9) & 1; }
  bool rd() const { return (flags >> 8) & 1; }
  bool ra() const { return (flags >> 7) & 1; }
  bool z() const { return (flags >> 6) & 1; }
  bool ad() const { return (flags >> 5) & 1; }
  bool cd() const { return (flags >> 4) & 1; }
  unsigned rcode() const { return flags & 0xf; }
};

struct question {
  std::string name;  // labels joined by '.', no trailing dot; "" for the root
  std::uint16_t type = 0;
};

/// One record of the answer section. addr is set for A and AAAA (text form), cname for CNAME;
/// other types keep only their name and type.
struct answer {
  std::string name;
  std::uint16_t type = 0;
  std::string addr;
  std::string cname;
};

struct message {
  header hdr;
  std::vector<question> queries;
  std::vector<answer> answers;
  bool tcp = false;  // framed with TCP's 2-byte length prefix
  // Set by the tracker.
  std::int64_t timestamp_ns = 0;
  std::size_t wire_size = 0;
};

}  // namespace wisp::protocols::dns
