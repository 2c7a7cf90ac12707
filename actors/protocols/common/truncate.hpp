#pragma once
// Pixie's rule for text columns that hold captured payloads (facts §4.7): a value longer than its
// limit is cut to the limit and marked with a fixed suffix, so a reader can tell it was cut.
// Shared by every protocol's row builder, and by parsers that bound the text they render (Redis).

#include <cstddef>
#include <string>
#include <string_view>

namespace wisp::protocols {

inline constexpr std::string_view truncated_suffix = "... [TRUNCATED]";
/// Pixie's record builder cuts any string column it is not told otherwise about at this size.
inline constexpr std::size_t default_max_string_bytes = 1024;
/// Pixie's max_body_bytes: the cut of the body columns (HTTP, MySQL, CQL request/response bodies).
inline constexpr std::size_t default_max_body_bytes = 512;

/// `text` if it fits in max_bytes, else its first max_bytes followed by truncated_suffix.
std::string truncate_text(std::string_view text, std::size_t max_bytes);

}  // namespace wisp::protocols
