// libFuzzer target over the DNS parser, stitcher, row builder and the data_stream/conn_tracker
// underneath them.
//
// Input: see trace_input.hpp; the seed corpus is test/actors/protocols/dns/fixtures.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/dns/parse.hpp"
#include "actors/protocols/dns/protocol.hpp"
#include "actors/protocols/dns/row.hpp"
#include "schemas/dns_events.hpp"
#include "test/fuzz/trace_input.hpp"

namespace {

using namespace wisp::protocols;

// A parsed frame within the parser's bounds.
void check(const dns::message& m) {
  if (m.queries.size() > dns::max_section_records || m.answers.size() > dns::max_section_records) __builtin_trap();
  for (const dns::question& q : m.queries)
    if (q.name.size() > dns::max_name_bytes) __builtin_trap();
  for (const dns::answer& a : m.answers)
    if (a.name.size() > dns::max_name_bytes || a.cname.size() > dns::max_name_bytes) __builtin_trap();
}

void parse_all(message_type type, std::string_view buf) {
  wisp::fuzz::walk_frames(
      buf,
      [&](std::string_view v) {
        dns::message m;
        parse_result r = dns::parse_message(type, v, m);
        if (r.state == parse_state::success) {
          check(m);
          if (r.consumed > (m.tcp ? dns::tcp_length_bytes : 0) + dns::max_message_bytes) __builtin_trap();
          // Self-delimiting: the message alone parses the same, whatever followed it.
          dns::message alone;
          parse_result again = dns::parse_message(type, v.substr(0, r.consumed), alone);
          if (again.state != parse_state::success || again.consumed != r.consumed || alone.tcp != m.tcp ||
              alone.answers.size() != m.answers.size())
            __builtin_trap();
        }
        return r;
      },
      [&](std::string_view v) { return dns::find_frame_boundary(type, v, 1); });
  (void)dns::classify(buf);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto entries = wisp::fuzz::parse_sides(data, size, [](message_type type, std::string_view side) { parse_all(type, side); });
  wisp::fuzz::drive_into_rows<dns::tracker, wisp::schemas::dns_events>(
      entries, size, dns::parse_options{}, [](auto& batch, const conn_meta& m, const dns::record& r) {
        check(r.req);
        check(r.resp);
        if (r.req.hdr.txid != r.resp.hdr.txid) __builtin_trap();
        dns::append_row(batch, m, r);
      });
  return 0;
}
