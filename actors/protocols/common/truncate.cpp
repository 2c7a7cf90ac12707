#include "actors/protocols/common/truncate.hpp"

namespace wisp::protocols {

std::string truncate_text(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string{text};
  std::string out{text.substr(0, max_bytes)};
  out.append(truncated_suffix);
  return out;
}

}  // namespace wisp::protocols
