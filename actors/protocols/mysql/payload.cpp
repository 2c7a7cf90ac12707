#include "actors/protocols/mysql/payload.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace wisp::protocols::mysql {
namespace {

std::uint64_t le(std::string_view b, std::size_t at, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{static_cast<std::uint8_t>(b[at + i])} << (8 * i);
  return v;
}

// Column types of the binary protocol (field_types.h).
namespace type {
constexpr std::uint8_t decimal = 0x00, tiny = 0x01, short_ = 0x02, long_ = 0x03, float_ = 0x04,
                       double_ = 0x05, null = 0x06, timestamp = 0x07, longlong = 0x08, int24 = 0x09,
                       date = 0x0a, time = 0x0b, datetime = 0x0c, year = 0x0d;
}  // namespace type
constexpr std::uint16_t unsigned_flag = 0x8000;

// One parameter value at the front of `in` (advanced past it), rendered; nullopt if malformed.
std::optional<std::string> render_value(std::uint16_t t, std::string_view& in) {
  auto integer = [&](std::size_t n) -> std::optional<std::string> {
    if (in.size() < n) return std::nullopt;
    std::uint64_t v = le(in, 0, n);
    in.remove_prefix(n);
    if (t & unsigned_flag) return std::to_string(v);
    std::uint64_t sign = std::uint64_t{1} << (8 * n - 1);
    auto s = static_cast<std::int64_t>(n == 8 ? v : (v ^ sign) - sign);
    return std::to_string(s);
  };
  switch (static_cast<std::uint8_t>(t & 0xff)) {
    case type::tiny: return integer(1);
    case type::short_:
    case type::year: return integer(2);
    case type::long_:
    case type::int24: return integer(4);
    case type::longlong: return integer(8);
    case type::float_: {
      if (in.size() < 4) return std::nullopt;
      auto bits = static_cast<std::uint32_t>(le(in, 0, 4));
      float f;
      std::memcpy(&f, &bits, sizeof f);
      in.remove_prefix(4);
      return std::to_string(f);
    }
    case type::double_: {
      if (in.size() < 8) return std::nullopt;
      std::uint64_t bits = le(in, 0, 8);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      in.remove_prefix(8);
      return std::to_string(d);
    }
    case type::null: return std::string{"NULL"};
    case type::timestamp:
    case type::date:
    case type::time:
    case type::datetime: {
      if (in.empty()) return std::nullopt;
      std::size_t n = static_cast<std::uint8_t>(in[0]);
      if (in.size() < 1 + n) return std::nullopt;
      in.remove_prefix(1 + n);
      return std::string{datetime_placeholder};
    }
    case type::decimal:
    case 0x0f:  // varchar
    case 0x10:  // bit
    case 0xf5:  // json (MySQL)
    case 0xf6:  // newdecimal
    case 0xf7:  // enum
    case 0xf8:  // set
    case 0xf9:  // tiny blob
    case 0xfa:  // medium blob
    case 0xfb:  // long blob
    case 0xfc:  // blob
    case 0xfd:  // var string
    case 0xfe:  // string
    case 0xff: {  // geometry
      auto n = read_lenenc(in);
      if (!n || *n > in.size()) return std::nullopt;
      std::string v{in.substr(0, static_cast<std::size_t>(*n))};
      in.remove_prefix(static_cast<std::size_t>(*n));
      return v;
    }
    default: return std::nullopt;
  }
}

}  // namespace

std::optional<std::uint64_t> read_lenenc(std::string_view& in) {
  if (in.empty()) return std::nullopt;
  auto first = static_cast<std::uint8_t>(in[0]);
  std::size_t n = 0;
  if (first < 0xfb) {
    in.remove_prefix(1);
    return first;
  }
  if (first == 0xfc) n = 2;
  else if (first == 0xfd) n = 3;
  else if (first == 0xfe) n = 8;
  else return std::nullopt;  // 0xfb (NULL) and 0xff are not integers
  if (in.size() < 1 + n) return std::nullopt;
  std::uint64_t v = le(in, 1, n);
  in.remove_prefix(1 + n);
  return v;
}

bool is_ok(const packet& p) { return p.first_byte() == ok_header && p.payload.size() >= 7; }
bool is_err(const packet& p) { return p.first_byte() == err_header && p.payload.size() >= 3; }
bool is_eof(const packet& p) { return p.first_byte() == eof_header && p.payload.size() == 5; }
bool is_eof_ok(const packet& p) { return p.first_byte() == eof_header && p.payload.size() >= 7; }

std::uint16_t status_flags(const packet& p) {
  std::string_view in = p.payload;
  if (is_eof(p)) return static_cast<std::uint16_t>(le(in, 3, 2));
  if (!is_ok(p) && !is_eof_ok(p)) return 0;
  in.remove_prefix(1);
  if (!read_lenenc(in) || !read_lenenc(in) || in.size() < 2) return 0;  // affected rows, last insert id
  return static_cast<std::uint16_t>(le(in, 0, 2));
}

std::string error_message(const packet& p) {
  std::string_view in = p.payload;
  if (in.size() < 3) return {};
  in.remove_prefix(3);  // header and error code
  if (!in.empty() && in[0] == '#') in.remove_prefix(std::min<std::size_t>(6, in.size()));
  return std::string{in};
}

bool is_column_definition(const packet& p) { return p.payload.starts_with(std::string_view{"\x03" "def"}); }

std::optional<column_header> column_count(const packet& p) {
  std::string_view in = p.payload;
  auto n = read_lenenc(in);
  if (!n || *n == 0 || *n > max_columns || in.size() > 1) return std::nullopt;
  if (in.empty()) return column_header{*n, true};
  if (in[0] != 0 && in[0] != 1) return std::nullopt;
  return column_header{*n, in[0] == 1};
}

std::optional<prepare_ok> decode_prepare_ok(const packet& p) {
  std::string_view in = p.payload;
  if (p.first_byte() != ok_header || in.size() < 12) return std::nullopt;
  return prepare_ok{static_cast<std::uint32_t>(le(in, 1, 4)), static_cast<std::uint16_t>(le(in, 5, 2)),
                    static_cast<std::uint16_t>(le(in, 7, 2))};
}

std::uint32_t greeting_capabilities(const packet& p) {
  std::string_view in = p.payload;
  std::size_t nul = in.find('\0', 1);
  // version NUL, connection id (4), auth data (8), filler (1), capabilities low (2), charset (1),
  // status (2), capabilities high (2).
  std::size_t at = nul + 1 + 4 + 8 + 1;
  if (nul == std::string_view::npos || in.size() < at + 7) return 0;
  return static_cast<std::uint32_t>(le(in, at, 2) | (le(in, at + 5, 2) << 16));
}

std::uint32_t login_capabilities(const packet& p) {
  return p.payload.size() < 4 ? 0 : static_cast<std::uint32_t>(le(p.payload, 0, 4));
}

std::optional<std::uint32_t> statement_id(std::string_view payload) {
  if (payload.size() < 5) return std::nullopt;
  return static_cast<std::uint32_t>(le(payload, 1, 4));
}

std::optional<std::string> render_execute(std::string_view payload, std::string_view query,
                                          std::uint16_t num_params, std::vector<std::uint16_t>& types) {
  // command, stmt_id (4), flags (1), iteration count (4), then if there are parameters: NULL
  // bitmap, new-params-bound flag, [types], values.
  constexpr std::size_t fixed = 10;
  if (payload.size() < fixed) return std::nullopt;
  std::vector<std::string> values;
  if (num_params > 0) {
    std::string_view in = payload.substr(fixed);
    std::size_t bitmap_bytes = (std::size_t{num_params} + 7) / 8;
    if (in.size() < bitmap_bytes + 1) return std::nullopt;
    std::string_view bitmap = in.substr(0, bitmap_bytes);
    bool bound = in[bitmap_bytes] == 1;
    in.remove_prefix(bitmap_bytes + 1);
    if (bound) {
      if (in.size() < 2 * std::size_t{num_params}) return std::nullopt;
      types.clear();
      for (std::size_t i = 0; i < num_params; ++i) types.push_back(static_cast<std::uint16_t>(le(in, 2 * i, 2)));
      in.remove_prefix(2 * std::size_t{num_params});
    }
    if (types.size() != num_params) return std::nullopt;
    for (std::size_t i = 0; i < num_params; ++i) {
      bool is_null = (static_cast<std::uint8_t>(bitmap[i / 8]) >> (i % 8)) & 1;
      auto v = is_null ? std::optional<std::string>{"NULL"} : render_value(types[i], in);
      if (!v) return std::nullopt;
      values.push_back(std::move(*v));
    }
  }
  std::string out;
  std::size_t from = 0;
  for (const std::string& v : values) {
    std::size_t q = query.find('?', from);
    if (q == std::string_view::npos) break;
    out.append(query.substr(from, q - from)).append(v);
    from = q + 1;
  }
  out.append(query.substr(from));
  return out;
}

}  // namespace wisp::protocols::mysql
