#include "pxl/time_parse.hpp"

#include <cctype>
#include <charconv>

namespace wisp::pxl {

namespace {

constexpr std::int64_t ns_per_ms = 1'000'000;
constexpr std::int64_t ns_per_s = 1'000 * ns_per_ms;
constexpr std::int64_t ns_per_m = 60 * ns_per_s;
constexpr std::int64_t ns_per_h = 60 * ns_per_m;
constexpr std::int64_t ns_per_d = 24 * ns_per_h;

std::optional<std::int64_t> unit_at(std::string_view rest) {
  if (rest.starts_with("ms")) return ns_per_ms;
  if (rest.starts_with("m")) return ns_per_m;
  if (rest.starts_with("s")) return ns_per_s;
  if (rest.starts_with("h")) return ns_per_h;
  if (rest.starts_with("d")) return ns_per_d;
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> parse_relative_duration(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::size_t start = i;
    bool negative = text[i] == '-';
    std::size_t digits = negative ? i + 1 : i;
    std::size_t end = digits;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end == digits) continue;
    auto unit = unit_at(text.substr(end));
    if (!unit) {
      i = end - 1;
      continue;
    }
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(text.data() + digits, text.data() + end, n);
    if (ec != std::errc{}) return std::nullopt;
    std::int64_t ns = 0;
    if (__builtin_mul_overflow(n, *unit, &ns)) return std::nullopt;
    (void)start;
    return negative ? -ns : ns;
  }
  return std::nullopt;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<std::int64_t> parse_absolute_time(std::string_view text) {
  std::size_t pos = 0;
  auto number = [&](std::size_t digits, std::int64_t& out) {
    if (pos + digits > text.size()) return false;
    out = 0;
    for (std::size_t i = 0; i < digits; ++i) {
      char c = text[pos + i];
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    pos += digits;
    return true;
  };
  auto expect = [&](char c) {
    if (pos >= text.size() || text[pos] != c) return false;
    ++pos;
    return true;
  };
  std::int64_t y, mo, d, h, mi, s;
  if (!number(4, y) || !expect('-') || !number(2, mo) || !expect('-') || !number(2, d) ||
      !(expect(' ') || expect('T')) || !number(2, h) || !expect(':') || !number(2, mi) ||
      !expect(':') || !number(2, s))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::int64_t frac_ns = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::int64_t scale = ns_per_s;
    std::size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      scale /= 10;
      frac_ns += (text[pos] - '0') * scale;
      ++pos;
      ++digits;
    }
    if (digits == 0 || digits > 9) return std::nullopt;
  }
  if (pos < text.size() && text[pos] == ' ') ++pos;
  std::int64_t offset_s = 0;
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    bool negative = text[pos++] == '-';
    std::int64_t oh, om;
    if (!number(2, oh)) return std::nullopt;
    if (pos < text.size() && text[pos] == ':') ++pos;
    if (!number(2, om)) return std::nullopt;
    offset_s = (oh * 3600 + om * 60) * (negative ? -1 : 1);
  }
  if (pos != text.size()) return std::nullopt;
  std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offset_s;
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(secs, ns_per_s, &ns) || __builtin_add_overflow(ns, frac_ns, &ns))
    return std::nullopt;
  return ns;
}

std::string format_duration(std::int64_t ns) {
  struct unit {
    std::int64_t ns;
    const char* suffix;
  };
  static constexpr unit units[] = {
      {ns_per_d, "d"}, {ns_per_h, "h"}, {ns_per_m, "m"}, {ns_per_s, "s"}, {ns_per_ms, "ms"}};
  for (const auto& u : units)
    if (ns / u.ns != 0) return std::to_string(ns / u.ns) + u.suffix;
  return "0ms";
}

}  // namespace wisp::pxl
