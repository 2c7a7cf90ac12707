// libFuzzer target over the HTTP/1.x parser, stitcher, row builder and the data_stream/
// conn_tracker underneath them.
//
// Input: see trace_input.hpp; the seed corpus is test/actors/protocols/http/fixtures.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/http/parse.hpp"
#include "actors/protocols/http/protocol.hpp"
#include "actors/protocols/http/row.hpp"
#include "schemas/http_events.hpp"
#include "test/fuzz/trace_input.hpp"

namespace {

using namespace wisp::protocols;

void parse_all(message_type type, std::string_view buf, bool eos) {
  http::response_hint hints[] = {{false, eos}, {true, eos}};
  for (const auto& hint : hints) {
    wisp::fuzz::walk_frames(
        buf,
        [&](std::string_view v) {
          http::message m;
          parse_result r = http::parse_message(type, v, hint, {}, m);
          if (m.body.size() > http::default_body_limit_bytes || m.body.size() > m.body_size) __builtin_trap();
          return r;
        },
        [&](std::string_view v) { return http::find_frame_boundary(type, v, 1); });
  }
  (void)http::classify(buf);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto entries = wisp::fuzz::parse_sides(data, size, [](message_type type, std::string_view side) {
    parse_all(type, side, type == message_type::response);
  });

  wisp::fuzz::drive_into_rows<http::tracker, wisp::schemas::http_events>(
      entries, size, http::protocol::options{},
      [](auto& batch, const conn_meta& m, const http::record& r) { http::append_row(batch, m, r); });
  return 0;
}
