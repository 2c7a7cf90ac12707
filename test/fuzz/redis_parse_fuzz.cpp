// libFuzzer target over the Redis parser, stitcher, row builder and the data_stream/
// conn_tracker underneath them.
//
// Input: see trace_input.hpp; the seed corpus is test/actors/protocols/redis/fixtures.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/redis/parse.hpp"
#include "actors/protocols/redis/protocol.hpp"
#include "actors/protocols/redis/row.hpp"
#include "schemas/redis_events.hpp"
#include "test/fuzz/trace_input.hpp"

namespace {

using namespace wisp::protocols;

constexpr std::size_t small_payload_bytes = 16;

void parse_all(message_type type, std::string_view buf, const redis::parse_options& opts) {
  wisp::fuzz::walk_frames(
      buf,
      [&](std::string_view v) {
        redis::message m;
        parse_result r = redis::parse_message(type, v, opts, m);
        if (m.payload.size() > opts.max_payload_bytes + truncated_suffix.size()) __builtin_trap();
        return r;
      },
      [&](std::string_view v) { return redis::find_frame_boundary(type, v, 1); });
  (void)redis::classify(buf);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  redis::parse_options small;
  small.max_payload_bytes = small_payload_bytes;
  auto entries = wisp::fuzz::parse_sides(data, size, [&](message_type type, std::string_view side) {
    for (const redis::parse_options& opts : {redis::parse_options{}, small}) parse_all(type, side, opts);
  });

  wisp::fuzz::drive_into_rows<redis::tracker, wisp::schemas::redis_events>(
      entries, size, redis::parse_options{},
      [](auto& batch, const conn_meta& m, const redis::record& r) { redis::append_row(batch, m, r); });
  return 0;
}
