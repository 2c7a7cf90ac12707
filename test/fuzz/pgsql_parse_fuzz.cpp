// libFuzzer target over the pgsql parser, payload decoders, stitcher, row builder and the
// data_stream/conn_tracker underneath them.
//
// Input: see trace_input.hpp; the seed corpus is test/actors/protocols/pgsql/fixtures.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/pgsql/parse.hpp"
#include "actors/protocols/pgsql/payload.hpp"
#include "actors/protocols/pgsql/protocol.hpp"
#include "actors/protocols/pgsql/row.hpp"
#include "schemas/pgsql_events.hpp"
#include "test/fuzz/trace_input.hpp"

namespace {

using namespace wisp::protocols;

constexpr std::size_t small_message_limit = 512;  // so that oversize frames show up in small inputs

void parse_all(message_type type, std::string_view buf) {
  pgsql::parse_options opts;
  opts.max_message_bytes = small_message_limit;
  for (bool reply_due : {false, true}) {
    wisp::fuzz::walk_frames(
        buf,
        [&](std::string_view v) {
          pgsql::message m;
          parse_result r = pgsql::parse_message(type, v, {reply_due}, opts, m);
          if (r.state == parse_state::success) {
            // Startup-family messages have PostgreSQL's own bound instead.
            std::size_t limit = m.kind == pgsql::message_kind::regular ? small_message_limit : pgsql::max_startup_bytes;
            if (r.consumed > limit) __builtin_trap();
            // A DataRow's text may outgrow its wire bytes ("[NULL]" for 4 bytes), not its limit.
            if (m.payload.size() >= r.consumed && m.payload.size() > opts.max_row_text_bytes) __builtin_trap();
          }
          // An oversize frame goes on to the boundary search, as an invalid one does.
          if (r.state == parse_state::oversize && r.consumed <= small_message_limit) __builtin_trap();
          return r;
        },
        [&](std::string_view v) { return pgsql::find_frame_boundary(type, v, 1, small_message_limit); });
  }
  (void)pgsql::classify(buf);
}

// The payload decoders on raw bytes: they must fail cleanly, never read past the end.
void decode_all(std::string_view bytes) {
  (void)pgsql::render_data_row(bytes, pgsql::default_max_row_text_bytes);
  (void)pgsql::render_error(bytes);
  if (auto f = pgsql::decode_row_description(bytes)) (void)pgsql::render_row_description(*f);
  if (auto b = pgsql::decode_bind(bytes)) (void)pgsql::render_bind(*b);
  (void)pgsql::decode_parse(bytes);
  if (auto t = pgsql::decode_target(bytes)) (void)pgsql::render_describe(*t);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto entries = wisp::fuzz::parse_sides(data, size, [](message_type type, std::string_view side) { parse_all(type, side); });
  decode_all({reinterpret_cast<const char*>(data), size});

  pgsql::parse_options popts;
  popts.max_message_bytes = size % 3 ? pgsql::default_max_message_bytes : small_message_limit;
  wisp::fuzz::drive_into_rows<pgsql::tracker, wisp::schemas::pgsql_events>(
      entries, size, popts,
      [](auto& batch, const conn_meta& m, const pgsql::record& r) { pgsql::append_row(batch, m, r); });
  return 0;
}
