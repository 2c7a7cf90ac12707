#pragma once
// PostgreSQL (frontend/backend protocol v3) as a conn_tracker protocol (see
// actors/protocols/common/protocol.hpp). The parser actor uses `conn_tracker<pgsql::protocol>`
// (alias pgsql::tracker) and turns each pgsql::record into a row with pgsql::append_row. The
// tracker keeps one pgsql::session per connection for the stitcher (prepared statements).

#include <cstddef>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include "actors/protocols/common/conn_tracker.hpp"
#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/pgsql/message.hpp"
#include "actors/protocols/pgsql/parse.hpp"
#include "actors/protocols/pgsql/stitch.hpp"

namespace wisp::protocols::pgsql {

struct protocol {
  using frame = message;
  using record = pgsql::record;
  using options = parse_options;
  using state = session;

  /// Responses learn from the queued requests whether an SSLRequest/GSSENCRequest awaits its
  /// one-byte answer.
  static parse_result parse(message_type type, std::string_view buf,
                            const parse_context<message>& ctx, const parse_options& opts,
                            message& out);
  static std::size_t find_frame_boundary(message_type type, std::string_view buf,
                                         std::size_t start) {
    return pgsql::find_frame_boundary(type, buf, start);
  }
  static std::optional<message_type> classify(std::string_view buf) { return pgsql::classify(buf); }
  static void stitch(std::deque<message>& requests, std::deque<message>& responses,
                     bool end_of_stream, session& state, stitch_counters& counters,
                     std::vector<record>& out) {
    pgsql::stitch(requests, responses, end_of_stream, state, counters, out);
  }
};

static_assert(wisp::protocols::protocol<protocol>);

using tracker = conn_tracker<protocol>;

}  // namespace wisp::protocols::pgsql
