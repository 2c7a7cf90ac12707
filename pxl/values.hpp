#pragma once
// The values the compiler's symbolic evaluation works with. Internal to the compiler pass.

#include <string>
#include <vector>

#include "pxl/plan.hpp"

namespace wisp::pxl {

enum class value_kind : std::uint8_t {
  none,
  invalid,      // bound to a name whose value failed to evaluate (already reported)
  constant,     // a folded scalar
  list,
  tuple,
  dict,         // items: key0, value0, key1, value1, ...
  px_module,
  pending_module,  // an importable module Wisp does not implement yet (name)
  builtin_module,  // an imported built-in PxL module such as pxviews (name, function = module)
  user_function,   // a `def` of the script: function

  px_function,  // px.<name>, not yet called
  dataframe,    // the output of plan node `node`
  column_expr,  // an expression over a DataFrame's columns
  grouped,      // df.groupby(...): node + group columns (+ window, after rolling)
  windowed,     // df.rolling(...): node + window
  method,       // a bound DataFrame/grouped method: receiver + name
  metadata_context,  // df.ctx: indexed by a metadata key (node)

  pxtrace_module,    // import pxtrace
  pxtrace_function,  // pxtrace.<name>, not yet called
  // A pxtrace value (name): "probe" (the decorator; constant = symbol), "ArgExpr" / "RetExpr"
  // (constant = expression), "FunctionLatency", "target" and "TraceProgram" (function = index
  // in the compiler's table of them).
  trace_object,
};

struct value {
  value_kind kind = value_kind::none;
  source_location loc;
  scalar constant;
  std::vector<value> items;         // list, tuple, dict
  std::string name;                 // px_function, method, pending_module
  std::size_t function = 0;         // user_function: index in the compiler's function table;
                                    // builtin_module: index of the module's namespace
  node_id node = -1;                // dataframe, grouped, method receiver
  std::vector<std::string> groups;  // grouped, method on a grouped receiver
  bool receiver_grouped = false;    // method
  // windowed, grouped and methods on them after df.rolling(window, on): the window column is
  // binned to multiples of window_ns and becomes a group of the aggregate.
  std::int64_t window_ns = 0;
  std::string window_column;
  expression expr;                  // column_expr
  // Size of the tree this value was built from (nested lists, expressions over expressions); the
  // compiler bounds both so that later recursive passes cannot overflow the stack.
  int height = 1;
  std::size_t nodes = 1;

  static value of_constant(scalar s, source_location loc) {
    value v;
    v.kind = value_kind::constant;
    v.constant = std::move(s);
    v.loc = loc;
    return v;
  }
  static value of_dataframe(node_id id, source_location loc) {
    value v;
    v.kind = value_kind::dataframe;
    v.node = id;
    v.loc = loc;
    return v;
  }
  static value of_expr(expression e, source_location loc) {
    value v;
    v.kind = value_kind::column_expr;
    v.expr = std::move(e);
    v.loc = loc;
    return v;
  }
};

/// "DataFrame", "string constant", ... for diagnostics.
std::string describe(const value& v);

}  // namespace wisp::pxl
