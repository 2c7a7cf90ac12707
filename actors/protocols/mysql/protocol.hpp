#pragma once
// MySQL (client/server protocol) as a conn_tracker protocol (see
// actors/protocols/common/protocol.hpp). The parser actor uses `conn_tracker<mysql::protocol>`
// (alias mysql::tracker) and turns each mysql::record into a row with mysql::append_row. The
// tracker keeps one mysql::session per connection for the stitcher (prepared statements).

#include <cstddef>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include "actors/protocols/common/conn_tracker.hpp"
#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/mysql/message.hpp"
#include "actors/protocols/mysql/parse.hpp"
#include "actors/protocols/mysql/stitch.hpp"

namespace wisp::protocols::mysql {

struct protocol {
  using frame = packet;
  using record = mysql::record;
  using options = parse_options;
  using state = session;

  static parse_result parse(message_type type, std::string_view buf, const parse_context<packet>&,
                            const parse_options& opts, packet& out) {
    return parse_packet(type, buf, opts, out);
  }
  static std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start) {
    return mysql::find_frame_boundary(type, buf, start);
  }
  static std::optional<message_type> classify(std::string_view buf) { return mysql::classify(buf); }
  static void stitch(std::deque<packet>& requests, std::deque<packet>& responses, bool end_of_stream,
                     session& state, stitch_counters& counters, std::vector<record>& out) {
    mysql::stitch(requests, responses, end_of_stream, state, counters, out);
  }
};

static_assert(wisp::protocols::protocol<protocol>);

using tracker = conn_tracker<protocol>;

}  // namespace wisp::protocols::mysql
