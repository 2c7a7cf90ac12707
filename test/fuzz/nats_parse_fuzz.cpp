// libFuzzer target over the NATS parser, stitcher, row builder and the data_stream/conn_tracker
// underneath them.
//
// Input: see trace_input.hpp; the seed corpus is test/actors/protocols/nats/fixtures.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/nats/parse.hpp"
#include "actors/protocols/nats/protocol.hpp"
#include "actors/protocols/nats/row.hpp"
#include "schemas/nats_events.hpp"
#include "test/fuzz/trace_input.hpp"

namespace {

using namespace wisp::protocols;

constexpr std::size_t small_payload_bytes = 16;
constexpr std::size_t small_message_limit = 512;  // so that oversize frames show up in small inputs

void parse_all(message_type type, std::string_view buf, const nats::parse_options& opts) {
  wisp::fuzz::walk_frames(
      buf,
      [&](std::string_view v) {
        nats::message m;
        parse_result r = nats::parse_message(type, v, opts, m);
        if (r.state == parse_state::success) {
          // A frame is its control line and at most max_message_bytes of payload.
          if (r.consumed > nats::max_control_line_bytes + opts.max_message_bytes + 2) __builtin_trap();
          // The body holds the fields of the control line and at most two cut texts (headers,
          // payload), each byte escaped to at most 6 ("\u00XX"): bounded by the limit, not by
          // the payload's size.
          std::size_t line = v.find('\n') + 1;
          std::size_t cut = opts.max_payload_bytes + truncated_suffix.size();
          if (m.body.size() > 6 * (line + 2 * cut) + 64) __builtin_trap();
        }
        // An oversize frame goes on to the boundary search, as an invalid one does.
        if (r.state == parse_state::oversize && r.consumed <= opts.max_message_bytes) __builtin_trap();
        return r;
      },
      [&](std::string_view v) { return nats::find_frame_boundary(type, v, 1); });
  (void)nats::classify(buf);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nats::parse_options small;
  small.max_payload_bytes = small_payload_bytes;
  small.max_message_bytes = small_message_limit;
  auto entries = wisp::fuzz::parse_sides(data, size, [&](message_type type, std::string_view side) {
    for (const nats::parse_options& opts : {nats::parse_options{}, small}) parse_all(type, side, opts);
  });
  wisp::fuzz::drive_into_rows<nats::tracker, wisp::schemas::nats_events>(
      entries, size, size % 3 ? nats::parse_options{} : small,
      [](auto& batch, const conn_meta& m, const nats::record& r) { nats::append_row(batch, m, r); });
  return 0;
}
