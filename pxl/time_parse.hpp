#pragma once
// PxL time arguments (facts §2.7).

#include <cstdint>
#include <optional>
#include <string_view>

namespace wisp::pxl {

/// Pixie's relative-time rule: the first match of ([-]?[0-9]+)(ms|m|s|h|d) anywhere in the text,
/// in nanoseconds ("-5m" -> -300e9). nullopt when nothing matches or the value overflows.
std::optional<std::int64_t> parse_relative_duration(std::string_view text);

}  // namespace wisp::pxl
