#include "pxl/json.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace wisp::pxl::json {

namespace detail {

void scanner::skip_ws() {
  while (pos_ < s_.size() &&
         (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
    ++pos_;
}

bool scanner::string_token(std::string_view& raw) {
  auto begin = pos_;
  if (pos_ >= s_.size() || s_[pos_] != '"') return false;
  ++pos_;
  while (pos_ < s_.size()) {
    auto c = static_cast<unsigned char>(s_[pos_]);
    if (c == '"') {
      ++pos_;
      raw = s_.substr(begin, pos_ - begin);
      return true;
    }
    if (c < 0x20) return false;
    if (c == '\\') {
      if (++pos_ >= s_.size()) return false;
      char e = s_[pos_];
      if (e == 'u') {
        for (int i = 0; i < 4; ++i)
          if (++pos_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[pos_])))
            return false;
      } else if (std::string_view{"\"\\/bfnrt"}.find(e) == std::string_view::npos) {
        return false;
      }
    }
    ++pos_;
  }
  return false;
}

bool scanner::number() {
  auto digit = [&] { return pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; };
  auto digits = [&] {
    if (!digit()) return false;
    while (digit()) ++pos_;
    return true;
  };
  if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
  if (pos_ < s_.size() && s_[pos_] == '0')
    ++pos_;
  else if (!digits())
    return false;
  if (pos_ < s_.size() && s_[pos_] == '.') {
    ++pos_;
    if (!digits()) return false;
  }
  if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
    if (!digits()) return false;
  }
  return true;
}

bool scanner::literal(std::string_view word) {
  if (s_.substr(pos_, word.size()) != word) return false;
  pos_ += word.size();
  return true;
}

bool scanner::container(char close, int depth) {
  ++pos_;
  if (consume(close)) return true;
  do {
    value_ref v;
    skip_ws();
    if (close == '}') {
      std::string_view key;
      if (!string_token(key) || !consume(':')) return false;
    }
    if (!value(v, depth + 1)) return false;
  } while (consume(','));
  return consume(close);
}

bool scanner::value(value_ref& out, int depth) {
  if (depth > max_depth) return false;
  skip_ws();
  if (pos_ >= s_.size()) return false;
  auto begin = pos_;
  bool ok = false;
  switch (s_[pos_]) {
    case '{':
      out.kind = kind::object;
      ok = container('}', depth);
      break;
    case '[':
      out.kind = kind::array;
      ok = container(']', depth);
      break;
    case '"': {
      out.kind = kind::string;
      std::string_view raw;
      ok = string_token(raw);
      break;
    }
    case 't':
      out.kind = kind::boolean;
      ok = literal("true");
      break;
    case 'f':
      out.kind = kind::boolean;
      ok = literal("false");
      break;
    case 'n':
      out.kind = kind::null;
      ok = literal("null");
      break;
    default:
      out.kind = kind::number;
      ok = number();
  }
  if (ok) out.raw = s_.substr(begin, pos_ - begin);
  return ok;
}

}  // namespace detail

std::optional<value_ref> parse(std::string_view text) {
  std::size_t ignored = 0;
  return parse(text, ignored);
}

std::optional<value_ref> parse(std::string_view text, std::size_t& error_offset) {
  detail::scanner sc{text};
  value_ref v;
  if (!sc.value(v, 0) || !sc.at_end()) {
    error_offset = sc.position();
    return std::nullopt;
  }
  return v;
}

bool key_equals(std::string_view raw_key, std::string_view key) {
  auto inner = raw_key.substr(1, raw_key.size() - 2);
  if (inner.find('\\') == std::string_view::npos) return inner == key;
  return decode_string(raw_key) == key;
}

std::optional<value_ref> member(std::string_view doc, std::string_view key) {
  auto root = parse(doc);
  if (!root || root->kind != kind::object) return std::nullopt;
  std::optional<value_ref> found;
  for_each_member(*root, [&](std::string_view k, const value_ref& v) {
    if (key_equals(k, key)) found = v;
    return !found;
  });
  return found;
}

std::optional<value_ref> element(std::string_view doc, std::int64_t index) {
  auto root = parse(doc);
  if (!root || root->kind != kind::array || index < 0) return std::nullopt;
  std::optional<value_ref> found;
  std::int64_t i = 0;
  for_each_element(*root, [&](const value_ref& v) {
    if (i++ == index) found = v;
    return !found;
  });
  return found;
}

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::uint32_t hex4(std::string_view s) {
  std::uint32_t v = 0;
  std::from_chars(s.data(), s.data() + 4, v, 16);
  return v;
}

}  // namespace

std::string decode_string(std::string_view raw) {
  std::string out;
  auto s = raw.substr(1, raw.size() - 2);
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    char e = s[++i];
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        std::uint32_t cp = hex4(s.substr(i + 1, 4));
        i += 4;
        // A high surrogate followed by an escaped low one is one code point; a lone surrogate
        // becomes U+FFFD.
        if (cp >= 0xD800 && cp <= 0xDBFF && s.substr(i + 1, 2) == "\\u") {
          std::uint32_t lo = hex4(s.substr(i + 3, 4));
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
        append_utf8(out, cp);
        break;
      }
      default: out += e;  // " \ /
    }
  }
  return out;
}

std::string to_text(const value_ref& v) {
  switch (v.kind) {
    case kind::null: return {};
    case kind::string: return decode_string(v.raw);
    case kind::boolean:
    case kind::number: return std::string{v.raw};
    case kind::array:
    case kind::object: break;
  }
  std::string out;
  out.reserve(v.raw.size());
  bool in_string = false;
  for (std::size_t i = 0; i < v.raw.size(); ++i) {
    char c = v.raw[i];
    if (in_string) {
      out += c;
      if (c == '\\') {
        out += v.raw[++i];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      out += c;
    }
  }
  return out;
}

std::optional<double> to_double(const value_ref& v) {
  if (v.kind != kind::number) return std::nullopt;
  double d = 0;
  // from_chars rejects a leading '+' only; JSON numbers never have one.
  auto r = std::from_chars(v.raw.data(), v.raw.data() + v.raw.size(), d);
  if (r.ec == std::errc::result_out_of_range)
    return v.raw.starts_with('-') ? -std::numeric_limits<double>::infinity()
                                  : std::numeric_limits<double>::infinity();
  if (r.ec != std::errc{}) return std::nullopt;
  return d;
}

std::optional<std::int64_t> to_int64(const value_ref& v) {
  if (v.kind != kind::number) return std::nullopt;
  std::int64_t i = 0;
  auto r = std::from_chars(v.raw.data(), v.raw.data() + v.raw.size(), i);
  if (r.ec == std::errc{} && r.ptr == v.raw.data() + v.raw.size()) return i;
  auto d = to_double(v);
  if (!d || std::isnan(*d)) return std::nullopt;
  constexpr double limit = 9.2233720368547758e18;
  if (*d >= limit) return std::numeric_limits<std::int64_t>::max();
  if (*d <= -limit) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(*d);
}

void append_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string_view text{buf, static_cast<std::size_t>(r.ptr - buf)};
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

}  // namespace wisp::pxl::json
