// Time, duration and UPID UDFs. Pixie evaluates several of these only at compile time
// (px.seconds, px.parse_duration, px.format_duration, px.parse_time, px.strptime, px.uint128,
// px.make_upid, facts §2.7); here they are ordinary functions, which the compiler folds when
// their arguments are constants, so they also work on columns. Constant arguments that cannot
// be parsed are compile errors; unparsable column values give 0.
//
// A UPID is {high: (asid << 32) | pid, low: process start time} (facts §1.0).

#include <charconv>
#include <ctime>
#include <optional>

#include "pxl/functions.hpp"
#include "pxl/time_parse.hpp"

namespace wisp::pxl {

namespace {

using schemas::data_type;
using schemas::uint128;
using namespace signature_types;

constexpr std::int64_t ns_per_us = 1'000;
constexpr std::int64_t ns_per_ms = 1'000'000;
constexpr std::int64_t ns_per_s = 1'000'000'000;

template <std::int64_t Unit>
struct duration_op {
  std::int64_t operator()(std::int64_t n) const {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(Unit));
  }
};

struct parse_duration_op {
  std::int64_t operator()(std::string_view s) const { return parse_relative_duration(s).value_or(0); }
};
struct format_duration_op {
  std::string buf;
  std::string_view operator()(std::int64_t ns) {
    buf = format_duration(ns);
    return buf;
  }
};
struct parse_time_op {
  std::int64_t operator()(std::string_view s) const { return parse_absolute_time(s).value_or(0); }
  std::int64_t operator()(std::int64_t t) const { return t; }
};

// strptime(text, format) with the C library's directives, in UTC; 0 when it does not parse.
std::optional<std::int64_t> parse_with_format(std::string_view text, std::string_view format) {
  std::string t{text}, f{format};
  std::tm tm{};
  const char* end = ::strptime(t.c_str(), f.c_str(), &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  std::int64_t secs = ::timegm(&tm);
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(secs, ns_per_s, &ns)) return std::nullopt;
  return ns;
}
struct strptime_op {
  std::int64_t operator()(std::string_view text, std::string_view format) const {
    return parse_with_format(text, format).value_or(0);
  }
};

// uint128("8-4-4-4-12 hex digits"), the inverse of schemas::to_string(uint128).
std::optional<uint128> parse_uuid(std::string_view s) {
  if (s.size() != 36) return std::nullopt;
  std::uint64_t parts[2] = {0, 0};
  int digit = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return std::nullopt;
      continue;
    }
    std::uint64_t v = 0;
    if (std::from_chars(&s[i], &s[i] + 1, v, 16).ec != std::errc{}) return std::nullopt;
    auto& part = parts[digit / 16];
    part = (part << 4) | v;
    ++digit;
  }
  return uint128{parts[0], parts[1]};
}
struct uint128_op {
  uint128 operator()(std::string_view s) const { return parse_uuid(s).value_or(uint128{}); }
};

struct make_upid_op {
  uint128 operator()(std::int64_t asid, std::int64_t pid, std::int64_t start) const {
    return {(static_cast<std::uint64_t>(asid) << 32) | (static_cast<std::uint64_t>(pid) & 0xFFFFFFFFu),
            static_cast<std::uint64_t>(start)};
  }
  // The two-argument form builds a UPID of this agent (ASID 0 until the cluster assigns ASIDs).
  uint128 operator()(std::int64_t pid, std::int64_t start) const { return (*this)(0, pid, start); }
};
struct upid_to_pid_op {
  std::int64_t operator()(uint128 u) const { return static_cast<std::int64_t>(u.high & 0xFFFFFFFFu); }
};
struct upid_to_asid_op {
  std::int64_t operator()(uint128 u) const { return static_cast<std::int64_t>(u.high >> 32); }
};
struct upid_to_start_ts_op {
  std::int64_t operator()(uint128 u) const { return static_cast<std::int64_t>(u.low); }
};
// "asid:pid:start_time", Pixie's rendering.
struct upid_to_string_op {
  std::string buf;
  std::string_view operator()(uint128 u) {
    buf = std::to_string(u.high >> 32) + ":" + std::to_string(u.high & 0xFFFFFFFFu) + ":" +
          std::to_string(u.low);
    return buf;
  }
};

const std::string& text_of(const scalar* s) { return std::get<std::string>(s->value); }

std::optional<constant_problem> check_duration(std::span<const scalar* const> c) {
  if (c[0] == nullptr || parse_relative_duration(text_of(c[0]))) return std::nullopt;
  return constant_problem{0, "cannot parse duration '" + text_of(c[0]) +
                                 "' (expected e.g. '-5m'; units ms, s, m, h, d)"};
}
std::optional<constant_problem> check_time(std::span<const scalar* const> c) {
  if (c[0] == nullptr || parse_absolute_time(text_of(c[0]))) return std::nullopt;
  return constant_problem{0, "cannot parse time '" + text_of(c[0]) +
                                 "' (expected 'YYYY-MM-DD HH:MM:SS[.fraction] +HHMM')"};
}
std::optional<constant_problem> check_strptime(std::span<const scalar* const> c) {
  if (c[0] == nullptr || c[1] == nullptr || parse_with_format(text_of(c[0]), text_of(c[1])))
    return std::nullopt;
  return constant_problem{0, "'" + text_of(c[0]) + "' does not match the format '" +
                                 text_of(c[1]) + "'"};
}
std::optional<constant_problem> check_uuid(std::span<const scalar* const> c) {
  if (c[0] == nullptr || parse_uuid(text_of(c[0]))) return std::nullopt;
  return constant_problem{0, "'" + text_of(c[0]) + "' is not a UUID (8-4-4-4-12 hex digits)"};
}

udf_def with_check(udf_def f, constant_check check) {
  f.check = check;
  return f;
}

}  // namespace

void register_time_udfs(function_registry& r) {
  constexpr auto fixed = semantic_rule::fixed;
  constexpr auto duration = schemas::semantic_type::st_duration_ns;
  r.add(make_udf<i_, duration_op<1>, i_>("nanoseconds", fixed, duration));
  r.add(make_udf<i_, duration_op<ns_per_us>, i_>("microseconds", fixed, duration));
  r.add(make_udf<i_, duration_op<ns_per_ms>, i_>("milliseconds", fixed, duration));
  r.add(make_udf<i_, duration_op<ns_per_s>, i_>("seconds", fixed, duration));
  r.add(make_udf<i_, duration_op<60 * ns_per_s>, i_>("minutes", fixed, duration));
  r.add(make_udf<i_, duration_op<3600 * ns_per_s>, i_>("hours", fixed, duration));
  r.add(make_udf<i_, duration_op<86400 * ns_per_s>, i_>("days", fixed, duration));
  r.add(with_check(make_udf<i_, parse_duration_op, s_>("parse_duration", fixed, duration),
                   &check_duration));
  r.add(make_udf<s_, format_duration_op, i_>("format_duration"));
  r.add(with_check(make_udf<t_, parse_time_op, s_>("parse_time"), &check_time));
  r.add(make_udf<t_, parse_time_op, i_>("parse_time"));
  r.add(make_udf<t_, parse_time_op, t_>("parse_time"));
  r.add(with_check(make_udf<t_, strptime_op, s_, s_>("strptime"), &check_strptime));

  constexpr auto upid = schemas::semantic_type::st_upid;
  r.add(with_check(make_udf<u_, uint128_op, s_>("uint128"), &check_uuid));
  for (const char* name : {"make_upid", "upid"}) {
    r.add(make_udf<u_, make_upid_op, i_, i_, i_>(name, fixed, upid));
    r.add(make_udf<u_, make_upid_op, i_, i_>(name, fixed, upid));
  }
  r.add(make_udf<i_, upid_to_pid_op, u_>("upid_to_pid"));
  r.add(make_udf<i_, upid_to_asid_op, u_>("upid_to_asid", fixed, schemas::semantic_type::st_asid));
  r.add(make_udf<i_, upid_to_start_ts_op, u_>("upid_to_start_ts"));
  r.add(make_udf<s_, upid_to_string_op, u_>("upid_to_string"));
}

}  // namespace wisp::pxl
