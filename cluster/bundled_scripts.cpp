#include "cluster/bundled_scripts.hpp"

namespace wisp::cluster {

const bundled_script* find_bundled_script(std::string_view name) {
  for (const auto& s : bundled_scripts())
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<std::string> similar_bundled_scripts(std::string_view fragment) {
  if (fragment.starts_with("px/")) fragment.remove_prefix(3);
  std::vector<std::string> out;
  for (const auto& s : bundled_scripts())
    if (!fragment.empty() && s.name.find(fragment) != std::string_view::npos) out.emplace_back(s.name);
  return out;
}

}  // namespace wisp::cluster
