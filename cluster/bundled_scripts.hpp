#pragma once
// The PxL scripts that ship inside the `wisp` binary (sources: pxl/scripts/px/NAME/NAME.pxl and,
// for function mode, pxl/scripts/px/NAME/vis.json), run as `wisp run px/NAME` and listed by
// `wisp run -l`.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wisp::cluster {

struct bundled_script {
  std::string_view name;         // "px/http_data"
  std::string_view description;  // the script's first comment line
  std::string_view text;
  bool has_vis = false;          // a vis.json lies beside the script
  std::string_view vis;          // its text
};

/// Every bundled script, sorted by name.
std::span<const bundled_script> bundled_scripts();

/// The script called `name`, or nullptr.
const bundled_script* find_bundled_script(std::string_view name);

/// Names of bundled scripts that contain `fragment` (for "did you mean" hints).
std::vector<std::string> similar_bundled_scripts(std::string_view fragment);

}  // namespace wisp::cluster
