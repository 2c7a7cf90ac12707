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

}  // namespace wisp::pxl
