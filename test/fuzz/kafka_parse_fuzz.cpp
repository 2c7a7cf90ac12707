// libFuzzer target over the Kafka parser, body decoders, stitcher, row builder and the
// data_stream/conn_tracker underneath them.
//
// Input: see trace_input.hpp; the seed corpus is test/actors/protocols/kafka/fixtures.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/kafka/decode.hpp"
#include "actors/protocols/kafka/parse.hpp"
#include "actors/protocols/kafka/protocol.hpp"
#include "actors/protocols/kafka/row.hpp"
#include "schemas/kafka_events.hpp"
#include "test/fuzz/trace_input.hpp"

namespace {

using namespace wisp::protocols;

constexpr std::size_t small_message_limit = 512;  // so that oversize frames show up in small inputs
constexpr std::size_t small_payload_bytes = 16;

void parse_all(message_type type, std::string_view buf, const kafka::parse_options& opts) {
  wisp::fuzz::walk_frames(
      buf,
      [&](std::string_view v) {
        kafka::message m;
        parse_result r = kafka::parse_message(type, v, opts, m);
        if (r.state == parse_state::success) {
          if (r.consumed > opts.max_message_bytes + 4 || r.consumed > v.size()) __builtin_trap();
          if (type == message_type::response) {
            if (m.body.size() > opts.max_payload_bytes) __builtin_trap();
            // Decode the payload as every API's response at a few versions: output stops near the
            // limit (past it by at most one value: a string of the payload, escaped).
            for (std::int16_t key : {0, 1, 2, 3, 8, 9, 10, 11, 12, 14, 18})
              for (std::int16_t version : {0, 1, 3, 4, 7, 9, 12, 13}) {
                std::string json = kafka::decode_body(type, key, version, m.body, m.body_cut, 256);
                if (json.size() > 256 + 6 * m.body.size() + 64) __builtin_trap();
              }
          } else if (m.body.size() > kafka::max_json_bytes + 6 * r.consumed + 64) {
            __builtin_trap();
          }
        }
        if (r.state == parse_state::oversize && r.consumed <= opts.max_message_bytes) __builtin_trap();
        return r;
      },
      [&](std::string_view v) { return kafka::find_frame_boundary(type, v, 1); });
  (void)kafka::classify(buf);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kafka::parse_options small;
  small.max_message_bytes = small_message_limit;
  small.max_payload_bytes = small_payload_bytes;
  auto entries = wisp::fuzz::parse_sides(data, size, [&](message_type type, std::string_view side) {
    for (const kafka::parse_options& opts : {kafka::parse_options{}, small}) parse_all(type, side, opts);
  });
  wisp::fuzz::drive_into_rows<kafka::tracker, wisp::schemas::kafka_events>(
      entries, size, size % 3 ? kafka::parse_options{} : small,
      [](auto& batch, const conn_meta& m, const kafka::record& r) { kafka::append_row(batch, m, r); });
  return 0;
}
