#pragma once
// Pixie's rule for text columns that hold captured payloads (facts §4.7): a value longer than its
// limit is cut to the limit and marked with a fixed suffix, so a reader can tell it was cut.
// Shared by every protocol's row builder.

#include <cstddef>
#include <string>
#include <string_view>

namespace wisp::protocols {

inline constexpr std::string_view truncated_suffix = "... [TRUNCATED]";

/// `text` if it fits in max_bytes, else its first max_bytes followed by truncated_suffix.
std::string truncate_text(std::string_view text, std::size_t max_bytes);

}  // namespace wisp::protocols
