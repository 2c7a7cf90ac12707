#pragma once
// HTTP/1.x framing: bytes -> http::message frames. Pure functions, no state between calls: a
// caller hands in the bytes not yet consumed and gets either one frame and the number of bytes it
// used, or a parse_state saying why not.
//
// Bodies are framed by Transfer-Encoding: chunked (decoded; extensions and trailers skipped),
// else Content-Length, else (responses only) the end of the stream. Responses to HEAD, 1xx, 204
// and 304 have no body, which is why parse_response takes a response_hint about its request.
// Only the first body_limit_bytes of a body are kept; body_size is always the full size.

#include <cstddef>
#include <optional>
#include <string_view>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/http/message.hpp"

namespace wisp::protocols::http {

inline constexpr std::size_t default_body_limit_bytes = 1024;  // Pixie's http_body_limit_bytes
inline constexpr std::size_t default_max_headers = 50;
/// Request/status line plus headers longer than this without their blank line are invalid, so
/// that garbage without line breaks is not buffered forever.
inline constexpr std::size_t default_max_header_section_bytes = std::size_t{64} << 10;

struct parse_options {
  std::size_t body_limit_bytes = default_body_limit_bytes;
  std::size_t max_headers = default_max_headers;
  std::size_t max_header_section_bytes = default_max_header_section_bytes;
};

/// What a response parser must know about the request it answers and the stream it is on.
struct response_hint {
  bool request_was_head = false;  // a HEAD response has headers only
  bool end_of_stream = false;     // a body delimited by close is complete
};

[[nodiscard]] parse_result parse_request(std::string_view buf, const parse_options& options,
                                         message& out);
[[nodiscard]] parse_result parse_response(std::string_view buf, const response_hint& hint,
                                          const parse_options& options, message& out);
[[nodiscard]] parse_result parse_message(message_type type, std::string_view buf,
                                         const response_hint& hint, const parse_options& options,
                                         message& out);

/// Offset >= start of the next line start (or offset 0) where a request line ("GET ", "POST ",
/// ...) or a status line ("HTTP/1.") begins, or where the buffer ends with a prefix of one;
/// no_frame_boundary if none.
[[nodiscard]] std::size_t find_frame_boundary(message_type type, std::string_view buf,
                                              std::size_t start);

/// Which kind of message the buffer carries first (for role inference), if any.
[[nodiscard]] std::optional<message_type> classify(std::string_view buf);

}  // namespace wisp::protocols::http
