#include "actors/protocols/cql/segment.hpp"

#include <lz4.h>

#include <algorithm>
#include <array>
#include <string>

#include "actors/protocols/common/be_reader.hpp"
#include "actors/protocols/cql/parse.hpp"

namespace wisp::protocols::cql {
namespace {

constexpr std::uint32_t crc24_init = 0x875060;
constexpr std::uint32_t crc24_poly = 0x1974f0b;
constexpr std::uint32_t crc32_poly_reflected = 0xedb88320;
constexpr std::string_view crc32_seed = "\xfa\x2d\x55\xca";
constexpr std::uint8_t v5 = 5;
constexpr std::size_t length_bits = 17;
constexpr std::uint64_t length_mask = (std::uint64_t{1} << length_bits) - 1;

constexpr std::array<std::uint32_t, 256> crc32_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ crc32_poly_reflected : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<std::uint32_t, 256> crc32_lut = crc32_table();

// IEEE CRC-32 continued from a previous result (zlib's crc32(crc, ...) convention).
std::uint32_t crc32_update(std::uint32_t crc, std::string_view b) {
  crc = ~crc;
  for (char ch : b) crc = crc32_lut[(crc ^ static_cast<unsigned char>(ch)) & 0xff] ^ (crc >> 8);
  return ~crc;
}

std::uint64_t load_le(std::string_view b, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = n; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(b[i]);
  return v;
}

bool payload_crc_ok(std::string_view segment, const segment_header& h) {
  std::string_view payload = segment.substr(h.header_bytes, h.payload_bytes);
  auto stored = static_cast<std::uint32_t>(load_le(segment.substr(h.header_bytes + h.payload_bytes), segment_trailer_bytes));
  return segment_crc32(payload) == stored;
}

// The segment's payload as frames: the bytes on the wire, or their LZ4 decompression into
// `scratch` (at most max_segment_payload bytes, as the header's 17 bits bound it). False when LZ4
// rejects the bytes or they do not decompress to exactly the size the header states.
bool frames_payload(std::string_view segment, const segment_header& h, std::string& scratch,
                    std::string_view& out) {
  std::string_view raw = segment.substr(h.header_bytes, h.payload_bytes);
  if (h.uncompressed_bytes == 0) {
    out = raw;
    return true;
  }
  scratch.resize(h.uncompressed_bytes);
  const int n = LZ4_decompress_safe(raw.data(), scratch.data(), static_cast<int>(raw.size()),
                                    static_cast<int>(scratch.size()));
  if (n < 0 || static_cast<std::size_t>(n) != h.uncompressed_bytes) return false;
  out = scratch;
  return true;
}

// Whether the frame header at the start of a segment payload is one of `type`'s side, in v5.
bool v5_header(message_type type, std::string_view payload) {
  return plausible_header(type, payload) && (static_cast<std::uint8_t>(payload[0]) & ~response_bit) == v5;
}

// Frames in a self-contained segment are already buffered whole (at most 128 KiB): they are kept
// even above max_frame_bytes, so nothing in a segment is dropped uncounted.
parse_options in_segment(const parse_options& options) {
  parse_options o = options;
  o.max_frame_bytes = std::max(o.max_frame_bytes, max_segment_payload);
  return o;
}

parse_result parse_self_contained(message_type type, std::string_view segment, const segment_header& h,
                                  const parse_options& options, std::vector<message>& out) {
  std::string scratch;
  std::string_view payload;
  if (!frames_payload(segment, h, scratch, payload)) return {parse_state::invalid, 0};
  const parse_options o = in_segment(options);
  const std::size_t before = out.size();
  while (!payload.empty()) {
    message m;
    parse_result r = v5_header(type, payload) ? parse_message(type, payload, o, m) : parse_result{};
    if (r.state != parse_state::success) {  // a frame cut by the segment's end, or not a frame
      out.resize(before);
      return {parse_state::invalid, 0};
    }
    m.wire_size = r.consumed;
    out.push_back(std::move(m));
    payload.remove_prefix(r.consumed);
  }
  if (out.size() == before) return {parse_state::ignored, h.wire_bytes()};
  out[before].wire_size += h.header_bytes + segment_trailer_bytes;
  return {parse_state::success, h.wire_bytes()};
}

// A frame spread over consecutive segments that are not self-contained, starting at buf.
parse_result parse_spread(message_type type, std::string_view buf, std::size_t frame_bytes,
                          const parse_options& options, std::vector<message>& out) {
  std::string frame;
  std::size_t at = 0;
  while (frame.size() < frame_bytes) {
    std::string_view rest = buf.substr(at);
    segment_header s;
    switch (read_segment_header(rest, s)) {
      case header_read::partial: return {parse_state::needs_more_data, 0};
      case header_read::no: return {parse_state::invalid, 0};
      case header_read::ok: break;
    }
    if (s.self_contained) return {parse_state::invalid, 0};
    if (rest.size() < s.wire_bytes()) return {parse_state::needs_more_data, 0};
    std::string scratch;
    std::string_view piece;
    if (!payload_crc_ok(rest, s) || !frames_payload(rest, s, scratch, piece)) return {parse_state::invalid, 0};
    frame.append(piece);
    at += s.wire_bytes();
  }
  message m;
  if (frame.size() != frame_bytes || parse_message(type, frame, options, m).state != parse_state::success)
    return {parse_state::invalid, 0};
  m.wire_size = at;
  out.push_back(std::move(m));
  return {parse_state::success, at};
}

}  // namespace

std::uint32_t segment_crc24(std::string_view header) {
  std::uint32_t crc = crc24_init;
  for (char ch : header) {
    crc ^= std::uint32_t{static_cast<unsigned char>(ch)} << 16;
    for (int k = 0; k < 8; ++k) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= crc24_poly;
    }
  }
  return crc & 0xffffff;
}

std::uint32_t segment_crc32(std::string_view payload) {
  return crc32_update(crc32_update(0, crc32_seed), payload);
}

header_read read_segment_header(std::string_view buf, segment_header& out) {
  constexpr std::size_t crc_bytes = 3;
  // Uncompressed: 3 header bytes, bits 18-23 zero.
  if (buf.size() < segment_header_bytes) return header_read::partial;
  std::uint64_t h = load_le(buf, 3);
  if ((h >> (length_bits + 1)) == 0 && segment_crc24(buf.substr(0, 3)) == load_le(buf.substr(3), crc_bytes)) {
    out = {segment_header_bytes, h & length_mask, 0, false, ((h >> length_bits) & 1) != 0};
    return header_read::ok;
  }
  // Compressed: 5 header bytes, bits 35-39 zero.
  if (buf.size() < compressed_segment_header_bytes) return header_read::partial;
  h = load_le(buf, 5);
  if ((h >> (2 * length_bits + 1)) == 0 && segment_crc24(buf.substr(0, 5)) == load_le(buf.substr(5), crc_bytes)) {
    out = {compressed_segment_header_bytes, h & length_mask, (h >> length_bits) & length_mask, true,
           ((h >> (2 * length_bits)) & 1) != 0};
    return header_read::ok;
  }
  return header_read::no;
}

parse_result parse_segment(message_type type, std::string_view buf, const parse_options& options,
                           std::vector<message>& out) {
  segment_header h;
  switch (read_segment_header(buf, h)) {
    case header_read::partial: return {parse_state::needs_more_data, 0};
    case header_read::no: return {parse_state::invalid, 0};
    case header_read::ok: break;
  }
  if (h.self_contained) {
    if (buf.size() < h.wire_bytes()) return {parse_state::needs_more_data, 0};
    if (!payload_crc_ok(buf, h)) return {parse_state::invalid, 0};
    return parse_self_contained(type, buf, h, options, out);
  }
  // Not self-contained: the first segment of a large frame (full, so it holds the frame's
  // header), or a later piece of one. A compressed one is read whole, to decompress it.
  std::string scratch;
  std::string_view payload = buf.substr(h.header_bytes, h.payload_bytes);
  if (h.compressed) {
    if (buf.size() < h.wire_bytes()) return {parse_state::needs_more_data, 0};
    if (!payload_crc_ok(buf, h) || !frames_payload(buf, h, scratch, payload)) return {parse_state::invalid, 0};
  }
  const std::size_t piece_bytes = h.uncompressed_bytes != 0 ? h.uncompressed_bytes : h.payload_bytes;
  if (piece_bytes >= header_bytes && payload.size() < header_bytes) return {parse_state::needs_more_data, 0};
  const std::size_t frame_bytes = payload.size() >= header_bytes ? header_bytes + load_be32(payload, 5) : 0;
  if (!v5_header(type, payload) || frame_bytes <= piece_bytes) {
    return {parse_state::oversize, h.wire_bytes()};  // a piece of a frame whose start was not seen
  }
  if (frame_bytes - header_bytes > options.max_frame_bytes) return {parse_state::oversize, h.wire_bytes()};
  return parse_spread(type, buf, frame_bytes, options, out);
}

bool plausible_segment(message_type type, std::string_view buf) {
  segment_header h;
  if (read_segment_header(buf, h) != header_read::ok) return false;
  std::string_view payload = buf.substr(h.header_bytes, h.payload_bytes);
  if (h.uncompressed_bytes != 0 || payload.size() < header_bytes) return true;
  return v5_header(type, payload) || !h.self_contained;
}

std::optional<message_type> classify_segment(std::string_view buf) {
  segment_header h;
  if (read_segment_header(buf, h) != header_read::ok || h.uncompressed_bytes != 0) return std::nullopt;
  std::string_view payload = buf.substr(h.header_bytes, h.payload_bytes);
  for (message_type t : {message_type::request, message_type::response})
    if (v5_header(t, payload)) return t;
  return std::nullopt;
}

}  // namespace wisp::protocols::cql
