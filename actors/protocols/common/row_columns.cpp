#include "actors/protocols/common/row_columns.hpp"

namespace wisp::protocols {

std::string truncate_column(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string{s};
  std::string out{s.substr(0, max_bytes)};
  out.append(truncated_suffix);
  return out;
}

}  // namespace wisp::protocols
