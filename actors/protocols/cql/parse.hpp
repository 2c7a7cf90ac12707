#pragma once
// CQL native protocol framing (v3, v4, and v5 before its segment framing starts): bytes ->
// cql::message frames. Pure functions, no state between calls.
//
// A frame is a 9-byte header: version (3..5, bit 0x80 set on responses), flags (compression,
// tracing, custom payload, warning, beta), a signed 16-bit stream id, the opcode and a 32-bit
// big-endian body length; then the body. The body is decoded and rendered while parsing
// (body.hpp), so a frame holds only the bounded text, never the raw body. A body longer than
// max_frame_bytes is reported as oversize with its full size (the tracker skips it without
// buffering); a length above Cassandra's own hard limit (256 MiB) or with the sign bit set is not
// a CQL header at all and is invalid, so a lying length never allocates nor blinds the stream.
//
// Protocol v5 wraps frames in CRC-checked segments once STARTUP/READY (or AUTH_SUCCESS) are
// exchanged (segment.hpp). parse() takes either: a segment, recognised by its header CRC24, or a
// plain frame, so one parser follows a connection across the switch without per-connection
// state.

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/cql/message.hpp"

namespace wisp::protocols::cql {

/// Bodies above this are skipped as oversize. Cassandra's native_transport_max_frame_size
/// defaults to 16 MiB; bodies this large are bulk data the row would cut to 512 bytes anyway.
inline constexpr std::size_t default_max_frame_bytes = std::size_t{1} << 20;
/// Cassandra refuses frames above 256 MiB whatever its configuration: a larger length is not CQL.
inline constexpr std::size_t hard_max_frame_bytes = std::size_t{256} << 20;

struct parse_options {
  std::size_t max_frame_bytes = default_max_frame_bytes;
  /// Rendered bodies are cut here (with truncated_suffix); the row cuts them again to 512.
  std::size_t max_body_text_bytes = default_max_string_bytes;
};

/// One plain frame (v3, v4, or v5 before its segments) at the start of buf.
[[nodiscard]] parse_result parse_message(message_type type, std::string_view buf,
                                         const parse_options& options, message& out);

/// What the tracker calls: the v5 segment (parse_segment) or plain frame (parse_message) at the
/// start of buf; the frames are appended to out with their wire_size. A plain frame whose first
/// bytes happen to pass a segment header's CRC24 is still parsed as one.
[[nodiscard]] parse_result parse(message_type type, std::string_view buf, const parse_options& options,
                                 std::vector<message>& out);

/// Whether the 9 bytes at the start of `buf` are a plausible header sent by `type`'s side
/// (version, direction bit, flags, opcode of that side, length within the hard limit).
[[nodiscard]] bool plausible_header(message_type type, std::string_view buf);

/// Offset >= start of the next plausible header or segment (plausible_segment) of the given
/// side; no_frame_boundary if none.
[[nodiscard]] std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start);

/// Which side sent the first frame of the buffer: the direction bit of a plausible header, or
/// of the v5 header starting a segment's payload.
[[nodiscard]] std::optional<message_type> classify(std::string_view buf);

}  // namespace wisp::protocols::cql
