#pragma once
// HTTP/1.x as a conn_tracker protocol (see actors/protocols/common/protocol.hpp). The parser
// actor uses `conn_tracker<http::protocol>` (alias http::tracker) and turns each http::record
// into a row with http::append_row.

#include <cstddef>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include "actors/protocols/common/conn_tracker.hpp"
#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/http/message.hpp"
#include "actors/protocols/http/parse.hpp"
#include "actors/protocols/http/stitch.hpp"

namespace wisp::protocols::http {

struct protocol {
  using frame = message;
  using record = http::record;
  using options = parse_options;

  /// Responses learn from the unanswered request they will pair with whether it was a HEAD.
  static parse_result parse(message_type type, std::string_view buf,
                            const parse_context<message>& ctx, const parse_options& opts,
                            message& out);
  static std::size_t find_frame_boundary(message_type type, std::string_view buf,
                                         std::size_t start) {
    return http::find_frame_boundary(type, buf, start);
  }
  static std::optional<message_type> classify(std::string_view buf) { return http::classify(buf); }
  static void stitch(std::deque<message>& requests, std::deque<message>& responses,
                     bool end_of_stream, stitch_counters& counters, std::vector<record>& out) {
    http::stitch(requests, responses, end_of_stream, counters, out);
  }
};

static_assert(wisp::protocols::protocol<protocol>);

using tracker = conn_tracker<protocol>;

}  // namespace wisp::protocols::http
