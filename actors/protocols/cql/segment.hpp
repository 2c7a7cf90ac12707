#pragma once
// CQL protocol v5 segment framing (Cassandra 4.0+, native_protocol_v5.spec §2): once v5 is
// negotiated (after STARTUP/READY, or after AUTHENTICATE ... AUTH_SUCCESS) each side wraps its
// frames in segments. Unlike the frames inside them, the segment fields are little-endian:
//
//   uncompressed: 3-byte header (bits 0-16 payload length, bit 17 self-contained, bits 18-23
//                 zero), 3-byte CRC24 of those 3 bytes, the payload, 4-byte CRC32 of the payload
//   compressed:   5-byte header (bits 0-16 compressed length, bits 17-33 uncompressed length,
//                 0 meaning the payload was stored uncompressed; bit 34 self-contained; bits
//                 35-39 zero), 3-byte CRC24 of those 5 bytes, the payload, 4-byte CRC32
//
// A payload holds at most 128 KiB - 1 bytes. A self-contained segment holds one or more whole
// frames; a frame too large for one segment is split over consecutive segments that are not
// self-contained and hold nothing else.
//
// The parser recognises segments by their header CRC24 (a plain v3/v4 header passes it by
// chance once in 2^24), so it needs no per-connection state to know whether v5 framing began.
// LZ4-compressed payloads (the compression v5 defines for segments) are decompressed, bounded by
// the header's 17-bit uncompressed length; bytes LZ4 rejects, or that decompress to another size,
// make the segment invalid (a parse error). A segment that carries no frame is skipped as
// parse_state::ignored, which tracker_stats::frames_ignored counts.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/cql/message.hpp"

namespace wisp::protocols::cql {

struct parse_options;

inline constexpr std::size_t max_segment_payload = (std::size_t{1} << 17) - 1;
inline constexpr std::size_t segment_header_bytes = 6;             // uncompressed, with CRC24
inline constexpr std::size_t compressed_segment_header_bytes = 8;  // with CRC24
inline constexpr std::size_t segment_trailer_bytes = 4;            // CRC32 of the payload

/// CRC24 of the first n header bytes (n = 3 or 5), as the spec computes it (initial 0x875060,
/// polynomial 0x1974F0B, the header's bytes in wire order).
[[nodiscard]] std::uint32_t segment_crc24(std::string_view header);
/// CRC32 of a payload: the IEEE CRC-32 continued over the payload after the 4 bytes
/// fa 2d 55 ca, as the spec seeds it.
[[nodiscard]] std::uint32_t segment_crc32(std::string_view payload);

struct segment_header {
  std::size_t header_bytes = 0;         // 6 or 8
  std::size_t payload_bytes = 0;        // on the wire
  std::size_t uncompressed_bytes = 0;   // compressed segments: 0 if stored uncompressed
  bool compressed = false;
  bool self_contained = false;
  [[nodiscard]] std::size_t wire_bytes() const { return header_bytes + payload_bytes + segment_trailer_bytes; }
};

enum class header_read : std::uint8_t { ok, partial, no };

/// Reads a segment header at the start of buf: ok if its CRC24 and zero padding check out
/// (uncompressed tried first), partial if buf is too short to tell, no otherwise.
[[nodiscard]] header_read read_segment_header(std::string_view buf, segment_header& out);

/// Parses the segment (or, for a large frame, the run of segments) at the start of buf into
/// the frames it carries (decompressed first when compressed), appended to out with their
/// wire_size (the segment's framing counted with its first frame; they sum to the bytes
/// consumed). success; ignored for a segment with no frame; oversize (consumed = that segment) for each segment of a
/// frame above max_frame_bytes and for a continuation segment whose frame start was not seen;
/// needs_more_data until every segment needed is whole; invalid for a bad CRC32, a payload LZ4
/// rejects, frames that do not fill the payload exactly, or anything not a segment.
[[nodiscard]] parse_result parse_segment(message_type type, std::string_view buf, const parse_options& options,
                                         std::vector<message>& out);

/// Whether buf starts with a segment header that `type`'s side may have sent: a valid header
/// whose payload, if it starts a frame (and that frame's header is in buf), starts with a v5
/// header of that side. A continuation's payload says nothing of its side: it passes.
[[nodiscard]] bool plausible_segment(message_type type, std::string_view buf);

/// The side whose v5 frame header starts the payload of the segment at the start of buf.
[[nodiscard]] std::optional<message_type> classify_segment(std::string_view buf);

}  // namespace wisp::protocols::cql
