#pragma once
// Pass 4: resolves a compiled plan in topological order. For every node: finds the table and
// columns it reads, expands the compiler's map shorthands (keep-input, drop), binds column names
// to parent indexes, chooses UDF/UDA overloads by argument types, and computes the output
// relation with data and semantic types. Every mismatch is a located diagnostic.

#include "pxl/diagnostic.hpp"
#include "pxl/options.hpp"
#include "pxl/plan.hpp"

namespace wisp::pxl {

/// `opts.functions` must be set. Nodes downstream of a failed node are skipped silently.
void resolve_types(plan& p, const compile_options& opts, diagnostics& diags);

/// The same for one node whose parents' outputs are `inputs` (in parents order): what the plan
/// fragment decoder (fragment_codec.hpp) runs on each node it receives. False with diagnostics
/// when the node does not type.
bool resolve_node(plan_node& n, const std::vector<const schemas::relation*>& inputs,
                  const compile_options& opts, diagnostics& diags);

}  // namespace wisp::pxl
