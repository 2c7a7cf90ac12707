#pragma once
// Pass 3: AST -> untyped plan, by evaluating the script symbolically. Module-level constants are
// folded to scalars; a DataFrame value is a plan node, and every DataFrame operation adds a node
// whose parent is that value's node. Column references stay names here; the types pass resolves
// them.

#include "pxl/ast.hpp"
#include "pxl/diagnostic.hpp"
#include "pxl/options.hpp"
#include "pxl/plan.hpp"

namespace wisp::pxl {

/// `opts.functions` must be set. Errors are added to `diags`; the returned plan is then partial.
plan compile_module(const ast::module& module, const compile_options& opts, diagnostics& diags);

}  // namespace wisp::pxl
