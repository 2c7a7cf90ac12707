#pragma once
// Builds Kafka wire bytes for the tests, written independently of the parser: big-endian
// integers, classic and compact strings, framing with the request header v1/v2.

#include <cstdint>
#include <string>
#include <string_view>

#include "test/actors/protocols/int_wire.hpp"

namespace wisp::protocols::kafka::wire {

using protocols::test::be;
inline std::string i8(std::int64_t v) { return be(static_cast<std::uint64_t>(v), 1); }
inline std::string i16(std::int64_t v) { return be(static_cast<std::uint64_t>(v), 2); }
inline std::string i32(std::int64_t v) { return be(static_cast<std::uint64_t>(v), 4); }
inline std::string i64(std::int64_t v) { return be(static_cast<std::uint64_t>(v), 8); }
inline std::string uvarint(std::uint64_t v) {
  std::string out;
  for (; v >= 0x80; v >>= 7) out += static_cast<char>((v & 0x7f) | 0x80);
  return out + static_cast<char>(v);
}
inline std::string str(std::string_view s) { return i16(static_cast<std::int64_t>(s.size())) + std::string(s); }
inline std::string cstr(std::string_view s) { return uvarint(s.size() + 1) + std::string(s); }
inline const std::string no_tags = std::string(1, '\0');

/// A whole request: size, api_key, api_version, correlation_id, client_id, then (flexible)
/// empty header tagged fields, then body.
inline std::string request(int key, int version, std::int32_t corr, std::string_view client, bool flexible,
                           const std::string& body) {
  std::string m = i16(key) + i16(version) + i32(corr) + str(client) + (flexible ? no_tags : "") + body;
  return i32(static_cast<std::int64_t>(m.size())) + m;
}

/// A whole response: size, correlation_id, then payload (which holds the header's tagged fields
/// for a flexible response).
inline std::string response(std::int32_t corr, const std::string& payload) {
  return i32(static_cast<std::int64_t>(payload.size() + 4)) + i32(corr) + payload;
}

}  // namespace wisp::protocols::kafka::wire
