#pragma once
// Kafka as a conn_tracker protocol (see actors/protocols/common/protocol.hpp). The parser actor
// uses `conn_tracker<kafka::protocol>` (alias kafka::tracker) and turns each kafka::record into a
// kafka_events.beta row with kafka::append_row.

#include <cstddef>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include "actors/protocols/common/conn_tracker.hpp"
#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/kafka/message.hpp"
#include "actors/protocols/kafka/parse.hpp"
#include "actors/protocols/kafka/stitch.hpp"

namespace wisp::protocols::kafka {

struct protocol {
  using frame = message;
  using record = kafka::record;
  using options = parse_options;

  /// Messages are size-delimited: the parser needs nothing from the other direction (responses
  /// are decoded by stitch, which has the request).
  static parse_result parse(message_type type, std::string_view buf, const parse_context<message>& /*ctx*/,
                            const parse_options& opts, message& out) {
    return parse_message(type, buf, opts, out);
  }
  static std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start) {
    return kafka::find_frame_boundary(type, buf, start);
  }
  static std::optional<message_type> classify(std::string_view buf) { return kafka::classify(buf); }
  static void stitch(std::deque<message>& requests, std::deque<message>& responses, bool end_of_stream,
                     stitch_counters& counters, std::vector<record>& out) {
    kafka::stitch(requests, responses, end_of_stream, counters, out);
  }
};

static_assert(wisp::protocols::protocol<protocol>);

using tracker = conn_tracker<protocol>;

}  // namespace wisp::protocols::kafka
