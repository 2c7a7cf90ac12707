#pragma once
// Builders of CQL wire bytes for the tests (spec notations: [short], [int], [string], ...).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/cql/segment.hpp"
#include "test/actors/protocols/int_wire.hpp"

namespace wisp::protocols::cql::wire {

using protocols::test::be;
inline std::string short_(std::uint16_t v) { return protocols::test::be16(v); }
inline std::string int_(std::int32_t v) { return protocols::test::be32(static_cast<std::uint32_t>(v)); }
inline std::string string(std::string_view s) { return short_(static_cast<std::uint16_t>(s.size())) + std::string{s}; }
inline std::string long_string(std::string_view s) { return int_(static_cast<std::int32_t>(s.size())) + std::string{s}; }
inline std::string bytes(std::string_view s) { return long_string(s); }
inline std::string string_list(const std::vector<std::string>& l) {
  std::string out = short_(static_cast<std::uint16_t>(l.size()));
  for (const auto& s : l) out += string(s);
  return out;
}

/// A frame: version 4 (0x84 for responses), the given flags, stream, opcode and body.
inline std::string frame(bool response, std::int16_t stream, std::uint8_t op, const std::string& body,
                         std::uint8_t flags = 0, std::uint8_t version = 4) {
  std::string out;
  out.push_back(static_cast<char>(version | (response ? 0x80 : 0)));
  out.push_back(static_cast<char>(flags));
  out += short_(static_cast<std::uint16_t>(stream));
  out.push_back(static_cast<char>(op));
  out += int_(static_cast<std::int32_t>(body.size()));
  return out + body;
}
inline std::string request(std::int16_t stream, std::uint8_t op, const std::string& body = {}) {
  return frame(false, stream, op, body);
}
inline std::string response(std::int16_t stream, std::uint8_t op, const std::string& body = {}) {
  return frame(true, stream, op, body);
}
/// A QUERY body: the text, consistency ONE, no flags.
inline std::string query(std::string_view q) { return long_string(q) + short_(1) + std::string(1, '\0'); }
inline std::string void_result() { return int_(1); }

/// A v5 frame (the same 9-byte header, version 5).
inline std::string frame_v5(bool response, std::int16_t stream, std::uint8_t op, const std::string& body = {}) {
  return frame(response, stream, op, body, 0, 5);
}

/// One uncompressed v5 segment around payload (little-endian header: 17-bit length, the
/// self-contained bit; CRC24 of the header, CRC32 of the payload). The CRCs are the parser's
/// own, pinned to the DataStax driver's values in parse_test.cpp.
inline std::string segment(std::string_view payload, bool self_contained = true) {
  std::string header = protocols::test::le(payload.size() | (self_contained ? std::uint64_t{1} << 17 : 0), 3);
  return header + protocols::test::le(segment_crc24(header), 3) + std::string{payload} +
         protocols::test::le(segment_crc32(payload), 4);
}

/// A frame as a v5 sender writes it: one self-contained segment if it fits, else pieces of at most
/// `piece` payload bytes in segments that are not self-contained.
inline std::string segments(std::string_view frame, std::size_t piece = max_segment_payload) {
  if (frame.size() <= piece) return segment(frame);
  std::string out;
  for (std::size_t at = 0; at < frame.size(); at += piece) out += segment(frame.substr(at, piece), false);
  return out;
}

}  // namespace wisp::protocols::cql::wire
