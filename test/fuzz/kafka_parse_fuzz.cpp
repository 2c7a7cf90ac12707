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
  std::string_view in{reinterpret_cast<const char*>(data), size};
  std::vector<wisp::fuzz::entry> entries = wisp::fuzz::entries_of(in);
  auto [client, server] = wisp::fuzz::sides(entries);
  kafka::parse_options small;
  small.max_message_bytes = small_message_limit;
  small.max_payload_bytes = small_payload_bytes;
  for (const kafka::parse_options& opts : {kafka::parse_options{}, small}) {
    parse_all(message_type::request, client, opts);
    parse_all(message_type::response, server, opts);
  }

  conn_meta meta;
  meta.role = size % 2 ? wisp::schemas::trace_role::unknown : wisp::schemas::trace_role::server;
  kafka::tracker t{{}, meta, trace_both_sides, wisp::fuzz::small_bounds(), size % 3 ? kafka::parse_options{} : small};
  std::vector<kafka::record> records;
  wisp::fuzz::drive(t, wisp::fuzz::chunks_of(entries), records);

  auto rel = wisp::schemas::to_relation(wisp::schemas::kafka_events);
  auto batch = wisp::schemas::make_empty_batch(rel);
  for (const kafka::record& r : records) kafka::append_row(batch, t.meta(), r);
  if (!wisp::schemas::matches(batch, rel)) __builtin_trap();
  return 0;
}
