#include "actors/protocols/pgsql/protocol.hpp"

#include <algorithm>

namespace wisp::protocols::pgsql {

parse_result protocol::parse(message_type type, std::string_view buf,
                             const parse_context<message>& ctx, const parse_options& opts,
                             message& out) {
  response_hint hint;
  if (type == message_type::response) {
    // The stitcher pops an encryption request together with its answer, so one is due when
    // the queued requests hold more of them than the queued responses hold answers.
    auto asked = std::count_if(ctx.requests.begin(), ctx.requests.end(), [](const message& m) {
      return m.kind == message_kind::ssl_request || m.kind == message_kind::gssenc_request;
    });
    auto answered = std::count_if(ctx.responses.begin(), ctx.responses.end(), [](const message& m) {
      return m.kind == message_kind::encryption_reply;
    });
    hint.encryption_reply_due = asked > answered;
  }
  return parse_message(type, buf, hint, opts, out);
}

}  // namespace wisp::protocols::pgsql
