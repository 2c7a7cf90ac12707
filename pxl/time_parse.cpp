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

}  // namespace wisp::pxl
