// libFuzzer target over the mysql parser, payload decoders, stitcher, row builder and the
// data_stream/conn_tracker underneath them.
//
// Input: see trace_input.hpp; the seed corpus is test/actors/protocols/mysql/fixtures.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/mysql/parse.hpp"
#include "actors/protocols/mysql/payload.hpp"
#include "actors/protocols/mysql/protocol.hpp"
#include "actors/protocols/mysql/row.hpp"
#include "schemas/mysql_events.hpp"
#include "test/fuzz/trace_input.hpp"

namespace {

using namespace wisp::protocols;

constexpr std::size_t small_packet_limit = 512;  // so that oversize frames show up in small inputs

void parse_all(message_type type, std::string_view buf) {
  mysql::parse_options opts;
  opts.max_packet_bytes = small_packet_limit;
  wisp::fuzz::walk_frames(
      buf,
      [&](std::string_view v) {
        mysql::packet p;
        parse_result r = mysql::parse_packet(type, v, opts, p);
        if (r.state == parse_state::success) {
          if (p.payload.size() > small_packet_limit || r.consumed < p.payload.size() + mysql::header_bytes) __builtin_trap();
        }
        // An oversize frame goes on to the boundary search, as an invalid one does.
        if (r.state == parse_state::oversize && r.consumed <= small_packet_limit) __builtin_trap();
        return r;
      },
      [&](std::string_view v) { return mysql::find_frame_boundary(type, v, 1, small_packet_limit); });
  (void)mysql::classify(buf);
}

// The payload decoders on raw bytes: they must fail cleanly, never read past the end.
void decode_all(std::string_view bytes) {
  mysql::packet p;
  p.payload = std::string{bytes};
  (void)mysql::status_flags(p);
  (void)mysql::error_message(p);
  (void)mysql::column_count(p);
  (void)mysql::decode_prepare_ok(p);
  (void)mysql::greeting_capabilities(p);
  (void)mysql::login_capabilities(p);
  std::string_view in = bytes;
  (void)mysql::read_lenenc(in);
  std::uint16_t n = bytes.size() > 1 ? static_cast<std::uint8_t>(bytes[0]) % 12 : 0;
  std::vector<std::uint16_t> types;
  (void)mysql::render_execute(bytes, "? ? ? ?", n, types);
  if (types.size() > n) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto entries = wisp::fuzz::parse_sides(data, size, [](message_type type, std::string_view side) { parse_all(type, side); });
  decode_all({reinterpret_cast<const char*>(data), size});

  mysql::parse_options popts;
  popts.max_packet_bytes = size % 3 ? mysql::default_max_packet_bytes : small_packet_limit;
  wisp::fuzz::drive_into_rows<mysql::tracker, wisp::schemas::mysql_events>(
      entries, size, popts,
      [](auto& batch, const conn_meta& m, const mysql::record& r) { mysql::append_row(batch, m, r); });
  return 0;
}
