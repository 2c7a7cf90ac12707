#pragma once
// CQL as a conn_tracker protocol (see actors/protocols/common/protocol.hpp). The parser actor
// uses `conn_tracker<cql::protocol>` (alias cql::tracker) and turns each cql::record into a
// cql_events row with cql::append_row.

#include <cstddef>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include "actors/protocols/common/conn_tracker.hpp"
#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/cql/message.hpp"
#include "actors/protocols/cql/parse.hpp"
#include "actors/protocols/cql/stitch.hpp"

namespace wisp::protocols::cql {

struct protocol {
  using frame = message;
  using record = cql::record;
  using options = parse_options;

  /// A CQL frame carries its length: the parser needs nothing from the other direction. One v5
  /// segment may carry several frames, hence the vector.
  static parse_result parse(message_type type, std::string_view buf, const parse_context<message>& /*ctx*/,
                            const parse_options& opts, std::vector<message>& out) {
    return cql::parse(type, buf, opts, out);
  }
  static std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start) {
    return cql::find_frame_boundary(type, buf, start);
  }
  static std::optional<message_type> classify(std::string_view buf) { return cql::classify(buf); }
  static void stitch(std::deque<message>& requests, std::deque<message>& responses, bool end_of_stream,
                     stitch_counters& counters, std::vector<record>& out) {
    cql::stitch(requests, responses, end_of_stream, counters, out);
  }
};

static_assert(wisp::protocols::protocol<protocol>);

using tracker = conn_tracker<protocol>;

}  // namespace wisp::protocols::cql
