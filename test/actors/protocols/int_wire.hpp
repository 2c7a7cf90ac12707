#pragma once
// Integers written for the protocol tests' wire builders (<proto>/wire.hpp): big-endian (network
// order) and little-endian (MySQL, CQL v5 segment headers). Written independently of the parsers'
// reader (actors/protocols/common/be_reader.hpp), so a test does not check the reader against
// itself.

#include <cstddef>
#include <cstdint>
#include <string>

namespace wisp::protocols::test {

/// The low n bytes of v, most significant first.
inline std::string be(std::uint64_t v, std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = n; i-- > 0; v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}
inline std::string be16(std::uint16_t v) { return be(v, 2); }
inline std::string be32(std::uint32_t v) { return be(v, 4); }
inline std::string be64(std::uint64_t v) { return be(v, 8); }

/// The low n bytes of v, least significant first.
inline std::string le(std::uint64_t v, std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}

}  // namespace wisp::protocols::test
