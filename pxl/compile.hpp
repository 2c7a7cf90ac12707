#pragma once
// The PxL front end: script text -> typed logical plan, through the named passes
// lex -> parse -> compile (symbolic evaluation) -> types. Never throws on bad scripts: problems
// come back as located diagnostics.

#include <string_view>
#include <vector>

#include "pxl/diagnostic.hpp"
#include "pxl/options.hpp"
#include "pxl/plan.hpp"

namespace wisp::pxl {

struct compile_result {
  pxl::plan plan;  // complete and typed only when diagnostics is empty
  std::vector<diagnostic> diagnostics;
  bool ok() const { return diagnostics.empty(); }
};

[[nodiscard]] compile_result compile(std::string_view source, const compile_options& opts);

}  // namespace wisp::pxl
