#pragma once
// Big-endian (network order) integers read from protocol bytes: the one reader every parser
// shares. Each protocol builds its own notations on top (CQL's [string] and [bytes], Kafka's
// varints and compact types, pgsql's C strings) in its own folder. Header-only, no state
// beyond the cursor.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wisp::protocols {

/// The n-byte (1..8) unsigned big-endian integer at b[at]. Unchecked: the caller has made sure
/// that at + n <= b.size() (framing code that has already checked a header's length).
constexpr std::uint64_t load_be(std::string_view b, std::size_t at, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}
constexpr std::uint16_t load_be16(std::string_view b, std::size_t at = 0) {
  return static_cast<std::uint16_t>(load_be(b, at, 2));
}
constexpr std::uint32_t load_be32(std::string_view b, std::size_t at = 0) {
  return static_cast<std::uint32_t>(load_be(b, at, 4));
}

/// A bounds-checked cursor over bytes. A read that runs past the end fails the reader for good:
/// it returns zero (or an empty view), does not move, and every later read fails too, so a
/// decoder may read a whole structure and check failed() once at the end.
class be_reader {
 public:
  explicit be_reader(std::string_view bytes) : bytes_(bytes) {}

  /// The next n bytes; empty (and failed) if fewer are left.
  std::string_view take(std::size_t n) {
    if (failed_ || n > remaining()) {
      failed_ = true;
      return {};
    }
    std::string_view v = bytes_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  /// n-byte (1..8) unsigned big-endian integer.
  std::uint64_t uint(std::size_t n) {
    std::string_view b = take(n);
    return b.size() == n ? load_be(b, 0, n) : 0;
  }
  /// n-byte (1..8) two's complement big-endian integer, sign-extended.
  std::int64_t sint(std::size_t n) {
    std::uint64_t v = uint(n);
    if (n >= 8) return static_cast<std::int64_t>(v);
    std::uint64_t sign = std::uint64_t{1} << (8 * n - 1);
    return static_cast<std::int64_t>(v ^ sign) - static_cast<std::int64_t>(sign);
  }
  std::uint8_t u8() { return static_cast<std::uint8_t>(uint(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(uint(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(uint(4)); }
  std::int16_t i16() { return static_cast<std::int16_t>(sint(2)); }
  std::int32_t i32() { return static_cast<std::int32_t>(sint(4)); }
  std::int64_t i64() { return sint(8); }

  /// Marks the bytes as not what the decoder expected.
  void fail() { failed_ = true; }
  [[nodiscard]] bool failed() const { return failed_; }
  [[nodiscard]] bool ok() const { return !failed_; }
  /// Bytes not read yet (a failed read does not consume).
  [[nodiscard]] std::size_t remaining() const { return bytes_.size() - pos_; }
  [[nodiscard]] std::size_t position() const { return pos_; }
  /// The bytes not read yet, without consuming them.
  [[nodiscard]] std::string_view rest() const { return bytes_.substr(pos_); }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace wisp::protocols
