#pragma once
// Builders of pgsql wire bytes for tests.

#include <cstdint>
#include <string>
#include <string_view>

#include "test/actors/protocols/int_wire.hpp"

namespace wisp::protocols::pgsql::wire {

using protocols::test::be16;
using protocols::test::be32;

/// A regular message: tag, length (payload + 4), payload.
inline std::string msg(char tag, std::string_view payload) {
  std::string s(1, tag);
  s += be32(static_cast<std::uint32_t>(payload.size() + 4));
  s += payload;
  return s;
}

/// A NUL-terminated string.
inline std::string cstr(std::string_view s) {
  std::string out{s};
  out.push_back('\0');
  return out;
}

/// A DataRow payload: each value with its length; nullptr-like NULL is written as "\xff".
inline std::string data_row(std::initializer_list<const char*> values) {
  std::string p = be16(static_cast<std::uint16_t>(values.size()));
  for (const char* v : values) {
    if (v == nullptr) {
      p += be32(0xffffffff);
    } else {
      p += be32(static_cast<std::uint32_t>(std::string_view{v}.size()));
      p += v;
    }
  }
  return p;
}

}  // namespace wisp::protocols::pgsql::wire
