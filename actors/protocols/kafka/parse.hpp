#pragma once
// Kafka framing: bytes -> kafka::message frames. Pure functions, no state between calls.
//
// Every message is a 4-byte big-endian size followed by that many bytes. A request starts with
// its header: api_key (int16), api_version (int16), correlation_id (int32), then (header v1 and
// v2) client_id as an int16-length nullable string, then (header v2, flexible versions) tagged
// fields. A response starts with correlation_id (int32), then (header v1, flexible versions
// except ApiVersions) tagged fields; which header a response has depends on its request, so the
// response payload is kept raw and decoded when stitched.
//
// A request must have a known API key range, a plausible version and a client_id that fits;
// a message larger than max_message_bytes is reported as oversize with its full size so the
// tracker skips it without buffering it (a 2 GiB size never allocates). Sizes with the top bit
// set are invalid.

#include <cstddef>
#include <optional>
#include <string_view>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/kafka/message.hpp"

namespace wisp::protocols::kafka {

/// Larger messages are skipped as oversize (they could never be buffered whole: the stream
/// keeps 1 MiB between rounds).
inline constexpr std::size_t default_max_message_bytes = std::size_t{1} << 20;
/// Pixie's cut of req_body and resp (facts §4.7).
inline constexpr std::size_t max_json_bytes = 65536;

struct parse_options {
  std::size_t max_message_bytes = default_max_message_bytes;
  /// Response payload bytes kept for decoding at stitch time.
  std::size_t max_payload_bytes = default_max_message_bytes;
};

[[nodiscard]] parse_result parse_message(message_type type, std::string_view buf, const parse_options& options,
                                         message& out);

/// Offset >= start where a plausible message of that side starts (a request header that checks
/// out; for responses, a sane size and a non-negative correlation id); no_frame_boundary if none.
[[nodiscard]] std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start);

/// request if the buffer starts with a plausible request header whose client_id is non-empty
/// printable text; otherwise undecided (a response's header is too short to tell).
[[nodiscard]] std::optional<message_type> classify(std::string_view buf);

}  // namespace wisp::protocols::kafka
