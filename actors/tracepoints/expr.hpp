#pragma once
// Capture expressions of ArgExpr and RetExpr: `name`, `name.member.member`, `$0`, `$1.member`.
// Member access goes through pointers and references ("p.x" for a pointer p); "->" is accepted
// as a synonym of ".".

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "actors/tracepoints/location.hpp"

namespace wisp::tracepoints {

struct capture_path {
  bool result = false;         // "$N..."
  std::size_t result_index = 0;
  std::string root;            // the argument's name (when !result)
  std::vector<std::string> members;
};

/// Parses an ArgExpr (`result` false) or a RetExpr (`result` true); a located error otherwise.
expected<capture_path> parse_capture(std::string_view text, bool result);

}  // namespace wisp::tracepoints
