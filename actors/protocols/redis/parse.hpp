#pragma once
// Redis framing: bytes -> redis::message frames. Pure functions, no state between calls: a
// caller hands in the bytes not yet consumed and gets either one frame and the number of bytes
// it used, or a parse_state saying why not.
//
// Requests are RESP arrays of bulk strings, or inline commands (a text line of words, which
// Redis accepts from telnet-like clients). Responses are any RESP2 or RESP3 value: simple
// string, error, integer, bulk string, array, null, boolean, double, big number, blob error,
// verbatim string, map, set, push; attributes are parsed and dropped with the value they
// annotate. Lengths and counts are checked against Redis' own limits and never allocate what
// they claim: a value is rendered into at most max_payload_bytes (the rest is counted), so a
// frame costs memory proportional to that limit, not to its wire size.

#include <cstddef>
#include <optional>
#include <string_view>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/redis/message.hpp"

namespace wisp::protocols::redis {

/// Pixie's default limit for string columns (facts §4.7): req_args and resp longer than this
/// are cut and end in truncated_suffix.
inline constexpr std::size_t default_max_payload_bytes = 1024;
/// Aggregates nested deeper than this are invalid (Redis itself never nests replies this deep).
inline constexpr std::size_t default_max_depth = 64;
/// At most this many request words are kept for formatting (the rest only counted): more would
/// not show in a max_payload_bytes column anyway.
inline constexpr std::size_t default_max_words = 4096;
/// Redis' proto-max-bulk-len default: longer bulk strings are not Redis.
inline constexpr std::size_t max_bulk_bytes = std::size_t{512} << 20;
/// Redis' inline request limit (PROTO_INLINE_MAX_SIZE), also applied to simple-string lines.
inline constexpr std::size_t max_line_bytes = std::size_t{64} << 10;

struct parse_options {
  std::size_t max_payload_bytes = default_max_payload_bytes;
  std::size_t max_depth = default_max_depth;
  std::size_t max_words = default_max_words;
};

[[nodiscard]] parse_result parse_request(std::string_view buf, const parse_options& options,
                                         message& out);
[[nodiscard]] parse_result parse_response(std::string_view buf, const parse_options& options,
                                          message& out);
[[nodiscard]] parse_result parse_message(message_type type, std::string_view buf,
                                         const parse_options& options, message& out);

/// Offset >= start of the next line start (or offset 0) where a frame may begin: for requests a
/// RESP array header ('*' and a digit), for responses any RESP type byte; no_frame_boundary if
/// none.
[[nodiscard]] std::size_t find_frame_boundary(message_type type, std::string_view buf,
                                              std::size_t start);

/// Which kind of message the buffer carries first (for role inference), if that is clear: a
/// RESP type byte that only servers send means a response, a complete request naming a known
/// command means a request. Arrays that name no command (replies) and bulk strings (which may
/// be the middle of a request) are undecided.
[[nodiscard]] std::optional<message_type> classify(std::string_view buf);

}  // namespace wisp::protocols::redis
