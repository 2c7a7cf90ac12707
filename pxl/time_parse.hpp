#pragma once
// PxL time arguments (facts §2.7).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wisp::pxl {

/// Pixie's relative-time rule: the first match of ([-]?[0-9]+)(ms|m|s|h|d) anywhere in the text,
/// in nanoseconds ("-5m" -> -300e9). nullopt when nothing matches or the value overflows.
std::optional<std::int64_t> parse_relative_duration(std::string_view text);

/// An absolute time in Pixie's format "YYYY-MM-DD HH:MM:SS[.fraction] [+-]HHMM" (the zone may
/// also be "Z" or absent for UTC), in nanoseconds since the epoch; nullopt if malformed.
std::optional<std::int64_t> parse_absolute_time(std::string_view text);

/// Nanoseconds as Pixie's format_duration prints them: truncated to the largest whole unit of
/// d, h, m, s, ms that fits ("-5m", "90s" -> "1m", below a millisecond "0ms").
std::string format_duration(std::int64_t ns);

}  // namespace wisp::pxl
