#pragma once
// What a compilation needs from outside: the clock, the tables that exist, the functions, and
// planner limits. No data is read while compiling.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schemas/relation.hpp"

namespace wisp::pxl {

class function_registry;
struct column_pruning;

/// The tables a script may read. A callback rather than a fixed list so that tables created at
/// run time (tracepoints, bpftrace) can be added later.
struct table_catalog {
  std::function<std::optional<schemas::relation>(std::string_view name)> find;
  std::function<std::vector<std::string>()> names;
  /// A table's description (px.GetTables); may be empty (no descriptions).
  std::function<std::string(std::string_view name)> desc;

  /// The agent's built-in tables (schemas::all_tables()).
  static table_catalog builtin();
};

inline constexpr std::int64_t default_max_output_rows_per_table = 10000;

// Limits that keep a bad script from exhausting the stack, memory or time of the planner; going
// over one is a located diagnostic, never a crash. Pixie's own scripts stay far below them.
/// Longest script accepted (bytes).
inline constexpr std::size_t max_script_bytes = 1 << 20;
/// Deepest nesting of brackets and operators in one expression, and of a folded value built
/// through variables (a list in a list, an expression over an expression, ...).
inline constexpr int max_nesting_depth = 100;
/// Most nodes in one column expression or constant list built through variables (`a = a + a`
/// doubles each time).
inline constexpr std::size_t max_value_nodes = 10000;
/// Deepest symbolic evaluation, counting expression levels inside inlined function calls.
inline constexpr int max_evaluation_depth = 400;

/// One `--name value` script argument (facts §2.6), in command-line order.
using script_arg = std::pair<std::string, std::string>;

struct compile_options {
  std::string file = "script.pxl";
  /// Wall clock at compile start (ns since the epoch): start_time='-5m' means now_ns - 5 min.
  std::int64_t now_ns = 0;
  /// A limit of this many rows goes before every result sink (`#px:set` can change it).
  std::int64_t max_output_rows_per_table = default_max_output_rows_per_table;
  /// Function mode (facts §2.6): the text of the script's vis.json. Set, the compiler runs the
  /// functions it names (globalFuncs, then widgets) and `px.display` does nothing; unset, the
  /// script's top-level `px.display` calls make the result tables.
  std::optional<std::string> vis;
  /// The vis spec's name in diagnostics.
  std::string vis_file = "vis.json";
  /// `--name value` arguments: they override the vis spec's variable defaults. Without a vis
  /// spec a script declares no arguments, so any is an error.
  std::vector<script_arg> args;
  table_catalog tables = table_catalog::builtin();
  const function_registry* functions = nullptr;  // nullptr: function_registry::builtin()
  /// Leave out columns no result reads (prune.hpp). Off only for tests that feed whole stored
  /// batches to single operators.
  bool prune_columns = true;
  /// Set by compile() for its second pass (see prune.hpp): the columns to keep per node.
  const column_pruning* pruning = nullptr;
  /// Only evaluate the script for its tracepoint mutations (plan.mutations): the tables a
  /// script's own tracepoints make do not exist yet, so nothing is typed. The broker deploys
  /// the mutations, then compiles the script again, in full.
  bool mutations_only = false;
};

}  // namespace wisp::pxl
