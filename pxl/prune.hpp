#pragma once
// Column pruning: which columns each memory source reads, which outputs each map computes and
// which columns each join emits, so that scans, filters and joins move only live columns. Worked
// out by name, backwards from the result sinks (which keep every column they show), on a typed
// plan; the compiler then types the script again with these decisions applied (the types pass
// rewrites expressions, so a typed plan cannot simply be typed twice). Conservative where
// renaming or schema matching is involved: a join reads both sides of a name that clashes (its
// suffixes must not change), and an append keeps every column of its inputs.

#include <map>
#include <optional>
#include <set>
#include <string>

#include "pxl/plan.hpp"

namespace wisp::pxl {

/// Per memory source, map or join node: the output column names to keep.
struct column_pruning {
  std::map<node_id, std::set<std::string, std::less<>>> keep;
};

/// The pruning of a typed plan, or nullopt when every column is live.
std::optional<column_pruning> plan_pruning(const plan& p);

}  // namespace wisp::pxl
