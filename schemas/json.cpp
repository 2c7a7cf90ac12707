#include "schemas/json.hpp"

namespace wisp::schemas {

namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";
constexpr unsigned char first_printable = 0x20;
constexpr unsigned char ascii_limit = 0x80;
constexpr std::string_view replacement_escape = "\\ufffd";
constexpr int nibble_bits = 4;
constexpr unsigned low_nibble = 0xf;

/// Length of the valid UTF-8 sequence at s[i] (shortest form, no surrogates), or 0.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  unsigned min_cp = 0;
  unsigned cp = 0;
  if ((c & 0xe0) == 0xc0) {
    n = 2, cp = c & 0x1f, min_cp = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3, cp = c & 0x0f, min_cp = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4, cp = c & 0x07, min_cp = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  if (cp < min_cp || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

bool plain(unsigned char c) { return c >= first_printable && c < ascii_limit && c != '"' && c != '\\'; }

void append_escaped(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    // Copy runs of characters that need no escaping in one append: header values and bodies
    // are mostly plain ASCII, and per-character appends dominated the parser's profile.
    std::size_t run = i;
    while (run < s.size() && plain(static_cast<unsigned char>(s[run]))) ++run;
    out.append(s.substr(i, run - i));
    i = run;
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= ascii_limit) {
      if (const auto n = utf8_sequence_length(s, i)) {
        out.append(s.substr(i, n));
        i += n;
      } else {
        out.append(replacement_escape);
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        out.append("\\u00");
        out.push_back(hex_digits[c >> nibble_bits]);
        out.push_back(hex_digits[c & low_nibble]);
    }
    ++i;
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  append_escaped(out, s);
  out.push_back('"');
}

std::string json_escape(std::string_view s) {
  std::string out;
  append_escaped(out, s);
  return out;
}

}  // namespace wisp::schemas
