#pragma once
// JSON string encoding, the one place for it: structured columns (header maps) and the CLI's
// json output both use it. Bytes that are not valid UTF-8 become U+FFFD, so the output is always
// valid JSON whatever the traced traffic held.

#include <string>
#include <string_view>

namespace wisp::schemas {

/// Appends `s` as a quoted JSON string literal.
void append_json_string(std::string& out, std::string_view s);

/// The escaped contents of `s` without the surrounding quotes.
std::string json_escape(std::string_view s);

}  // namespace wisp::schemas
