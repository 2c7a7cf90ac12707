#pragma once
// The built-in PxL modules a script can import besides px (facts §2.10: pxviews). Their source
// is PxL written for Wisp (pxl/scripts/NAME.pxl), embedded at build time by
// cmake/embed_scripts.cmake; the compiler parses a module once per compilation, at its import,
// and expands its functions like the script's own.

#include <span>
#include <string_view>

namespace wisp::pxl {

struct builtin_module {
  std::string_view name;    // the import name
  std::string_view source;  // PxL text
};

/// Every built-in module (generated).
std::span<const builtin_module> builtin_modules();

}  // namespace wisp::pxl
