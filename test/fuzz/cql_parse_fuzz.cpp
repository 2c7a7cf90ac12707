// libFuzzer target over the CQL parser (framing, v5 segments and body rendering), stitcher, row builder and
// the data_stream/conn_tracker underneath them.
//
// Input: see trace_input.hpp; the seed corpus is test/actors/protocols/cql/fixtures.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/cql/parse.hpp"
#include "actors/protocols/cql/protocol.hpp"
#include "actors/protocols/cql/row.hpp"
#include "actors/protocols/cql/segment.hpp"
#include "schemas/cql_events.hpp"
#include "test/fuzz/trace_input.hpp"

namespace {

using namespace wisp::protocols;

constexpr std::size_t small_text_bytes = 16;
constexpr std::size_t small_frame_limit = 512;  // so that oversize frames show up in small inputs

void parse_all(message_type type, std::string_view buf, const cql::parse_options& opts) {
  wisp::fuzz::walk_frames(
      buf,
      [&](std::string_view v) {
        std::vector<cql::message> frames;
        parse_result r = cql::parse(type, v, opts, frames);
        if (r.state == parse_state::success) {
          if (frames.empty() || r.consumed < cql::header_bytes) __builtin_trap();
          std::size_t wire = 0;
          for (const cql::message& m : frames) {
            if (m.body.size() > opts.max_body_text_bytes + truncated_suffix.size()) __builtin_trap();
            wire += m.wire_size;
          }
          if (wire != r.consumed) __builtin_trap();
          // Whatever was accepted must start where the boundary search also accepts.
          if (!cql::plausible_header(type, v) && !cql::plausible_segment(type, v)) __builtin_trap();
          if (cql::classify(v) != type) __builtin_trap();
        } else if (!frames.empty()) {
          __builtin_trap();
        }
        cql::segment_header seg;
        bool plain = cql::read_segment_header(v, seg) == cql::header_read::no;
        if (r.state == parse_state::oversize && plain &&
            (r.consumed <= opts.max_frame_bytes || r.consumed > cql::header_bytes + cql::hard_max_frame_bytes))
          __builtin_trap();
        return r;
      },
      [&](std::string_view v) { return cql::find_frame_boundary(type, v, 1); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cql::parse_options small;
  small.max_body_text_bytes = small_text_bytes;
  small.max_frame_bytes = small_frame_limit;
  auto entries = wisp::fuzz::parse_sides(data, size, [&](message_type type, std::string_view side) {
    for (const cql::parse_options& opts : {cql::parse_options{}, small}) parse_all(type, side, opts);
  });
  wisp::fuzz::drive_into_rows<cql::tracker, wisp::schemas::cql_events>(
      entries, size, size % 3 ? cql::parse_options{} : small,
      [](auto& batch, const conn_meta& meta, const cql::record& r) { cql::append_row(batch, meta, r); });
  return 0;
}
