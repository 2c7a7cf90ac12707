#pragma once
// pgsql framing: bytes -> pgsql::message frames. Pure functions, no state between calls: a caller
// hands in the bytes not yet consumed and gets one frame and the bytes it used, or a parse_state
// saying why not.
//
// Lengths are bounded before anything is allocated: a length field above max_length_field (1 GiB,
// PostgreSQL's own limit) is invalid, and a message longer than max_message_bytes is reported as
// parse_state::oversize with its full wire size, so the tracker skips it (even the bytes still
// to come) without buffering it. DataRow values are rendered to text while parsing, cut at
// max_row_text_bytes; CopyData payloads are not kept.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/pgsql/message.hpp"

namespace wisp::protocols::pgsql {

inline constexpr std::size_t default_max_message_bytes = std::size_t{256} << 10;
inline constexpr std::size_t default_max_row_text_bytes = std::size_t{4} << 10;
/// PostgreSQL refuses longer messages (MaxAllocSize); a longer length field is not a message.
inline constexpr std::uint32_t max_length_field = 0x3fffffff;
/// PostgreSQL's MAX_STARTUP_PACKET_LENGTH.
inline constexpr std::uint32_t max_startup_bytes = 10000;
inline constexpr std::size_t header_bytes = 5;  // tag + length

struct parse_options {
  /// Messages longer than this (tag and length included) are skipped, not buffered.
  std::size_t max_message_bytes = default_max_message_bytes;
  /// A DataRow keeps at most this much of its values' text.
  std::size_t max_row_text_bytes = default_max_row_text_bytes;
};

/// What a response parser must know from the request side.
struct response_hint {
  /// An SSLRequest or GSSENCRequest is waiting for its one-byte answer.
  bool encryption_reply_due = false;
};

[[nodiscard]] parse_result parse_request(std::string_view buf, const parse_options& options,
                                         message& out);
[[nodiscard]] parse_result parse_response(std::string_view buf, const response_hint& hint,
                                          const parse_options& options, message& out);
[[nodiscard]] parse_result parse_message(message_type type, std::string_view buf,
                                         const response_hint& hint, const parse_options& options,
                                         message& out);

/// Offset >= start where a message of this direction plausibly begins: a known tag with a
/// length within bounds, followed (if the buffer holds it) by another such header; for requests
/// also an untagged startup-family message. A header cut by the end of the buffer counts.
/// no_frame_boundary if none.
[[nodiscard]] std::size_t find_frame_boundary(message_type type, std::string_view buf,
                                              std::size_t start,
                                              std::size_t max_message_bytes = default_max_message_bytes);

/// Which side the buffer's first decisive message comes from (for role inference): startup-family
/// messages and frontend-only tags (Q, P, B, p, F, f, X) mean request, backend-only tags (R, K,
/// Z, T, 1, 2, 3, ...) response. Messages whose tag both sides use are walked over.
[[nodiscard]] std::optional<message_type> classify(std::string_view buf);

}  // namespace wisp::protocols::pgsql
