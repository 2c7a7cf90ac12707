#include "pxl/diagnostic.hpp"

namespace wisp::pxl {

std::string to_string(const diagnostic& d) {
  std::string out = d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.col) + ": " +
                    d.message;
  if (!d.hint.empty()) out += "\n  hint: " + d.hint;
  return out;
}

}  // namespace wisp::pxl
