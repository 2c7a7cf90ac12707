#include "schemas/relation.hpp"

namespace wisp::schemas {

std::optional<std::size_t> relation::index_of(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == name) return i;
  return std::nullopt;
}

std::vector<std::string> relation::names() const {
  std::vector<std::string> out;
  out.reserve(columns.size());
  for (const auto& c : columns) out.push_back(c.name);
  return out;
}

}  // namespace wisp::schemas
