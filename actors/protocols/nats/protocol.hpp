#pragma once
// NATS as a conn_tracker protocol (see actors/protocols/common/protocol.hpp). The parser actor
// uses `conn_tracker<nats::protocol>` (alias nats::tracker) and turns each nats::record into a
// nats_events.beta row with nats::append_row.

#include <cstddef>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include "actors/protocols/common/conn_tracker.hpp"
#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/nats/message.hpp"
#include "actors/protocols/nats/parse.hpp"
#include "actors/protocols/nats/stitch.hpp"

namespace wisp::protocols::nats {

struct protocol {
  using frame = message;
  using record = nats::record;
  using options = parse_options;
  using state = session;

  /// A NATS message is self-delimiting: the parser needs nothing from the other direction.
  static parse_result parse(message_type type, std::string_view buf, const parse_context<message>& /*ctx*/,
                            const parse_options& opts, message& out) {
    return parse_message(type, buf, opts, out);
  }
  static std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start) {
    return nats::find_frame_boundary(type, buf, start);
  }
  static std::optional<message_type> classify(std::string_view buf) { return nats::classify(buf); }
  static void stitch(std::deque<message>& requests, std::deque<message>& responses, bool end_of_stream,
                     session& state, stitch_counters& counters, std::vector<record>& out) {
    nats::stitch(requests, responses, end_of_stream, state, counters, out);
  }
};

static_assert(wisp::protocols::protocol<protocol>);

using tracker = conn_tracker<protocol>;

}  // namespace wisp::protocols::nats
