#pragma once
// Pass 3: AST -> untyped plan, by evaluating the script symbolically. Module-level constants are
// folded to scalars; a DataFrame value is a plan node, and every DataFrame operation adds a node
// whose parent is that value's node. Column references stay names here; the types pass resolves
// them.

#include <map>
#include <string>

#include "pxl/ast.hpp"
#include "pxl/diagnostic.hpp"
#include "pxl/options.hpp"
#include "pxl/plan.hpp"
#include "pxl/vis_spec.hpp"

namespace wisp::pxl {

/// Function mode (facts §2.6): the functions to call after the module body ran, and the value
/// text of every vis variable.
struct function_mode {
  vis_spec spec;
  std::map<std::string, std::string> variables;
};

/// `opts.functions` must be set. Errors are added to `diags`; the returned plan is then partial.
/// With `mode`, `px.display` does nothing and each call of `mode->spec` makes the result tables,
/// its argument strings converted by the parameters' annotations.
plan compile_module(const ast::module& module, const compile_options& opts, diagnostics& diags,
                    const function_mode* mode = nullptr);

}  // namespace wisp::pxl
