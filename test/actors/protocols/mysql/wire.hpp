#pragma once
// Builders of mysql wire bytes for tests.

#include <cstdint>
#include <string>
#include <string_view>

#include "test/actors/protocols/int_wire.hpp"

namespace wisp::protocols::mysql::wire {

using protocols::test::le;

/// One packet: 3-byte length, sequence id, payload (which must be shorter than 0xffffff).
inline std::string pkt(std::uint8_t seq, std::string_view payload) {
  return le(payload.size(), 3) + static_cast<char>(seq) + std::string{payload};
}

/// A command packet (sequence 0).
inline std::string command(std::uint8_t c, std::string_view args = {}) {
  return pkt(0, std::string(1, static_cast<char>(c)) + std::string{args});
}

/// A length-encoded string (short values only).
inline std::string lenenc_str(std::string_view s) { return static_cast<char>(s.size()) + std::string{s}; }

/// Payloads of the generic answers.
inline std::string ok(std::uint16_t status = 0x0002, std::uint8_t header = 0x00) {
  return std::string(1, static_cast<char>(header)) + std::string(2, '\0') + le(status, 2) + le(0, 2);
}
inline std::string eof(std::uint16_t status = 0x0002) { return "\xfe" + le(0, 2) + le(status, 2); }
inline std::string err(std::uint16_t code, std::string_view state, std::string_view msg) {
  return "\xff" + le(code, 2) + "#" + std::string{state} + std::string{msg};
}
inline std::string column_def(std::string_view name) {
  return lenenc_str("def") + lenenc_str("db") + lenenc_str("t") + lenenc_str("t") + lenenc_str(name) +
         lenenc_str(name) + "\x0c" + le(33, 2) + le(20, 4) + "\xfd" + le(0, 2) + "\x00" + le(0, 2);
}
inline std::string text_row(std::string_view a, std::string_view b) { return lenenc_str(a) + lenenc_str(b); }

/// A COM_STMT_PREPARE_OK payload.
inline std::string prepare_ok(std::uint32_t id, std::uint16_t cols, std::uint16_t params) {
  return std::string(1, '\0') + le(id, 4) + le(cols, 2) + le(params, 2) + std::string(1, '\0') + le(0, 2);
}

}  // namespace wisp::protocols::mysql::wire
