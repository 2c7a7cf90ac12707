#include "actors/protocols/http/protocol.hpp"

#include <algorithm>

namespace wisp::protocols::http {

parse_result protocol::parse(message_type type, std::string_view buf,
                             const parse_context<message>& ctx, const parse_options& opts,
                             message& out) {
  response_hint hint;
  hint.end_of_stream = ctx.end_of_stream;
  if (type == message_type::response) {
    // Stitching is FIFO, so this response answers the request after those already answered by
    // the final responses queued before it.
    auto answered = static_cast<std::size_t>(std::count_if(
        ctx.responses.begin(), ctx.responses.end(), [](const message& m) { return !m.is_interim(); }));
    if (answered < ctx.requests.size()) {
      hint.request_was_head = ctx.requests[answered].method == "HEAD";
    }
  }
  return parse_message(type, buf, hint, opts, out);
}

}  // namespace wisp::protocols::http
