#pragma once
// What a compilation needs from outside: the clock, the tables that exist, the functions, and
// planner limits. No data is read while compiling.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schemas/relation.hpp"

namespace wisp::pxl {

class function_registry;

/// The tables a script may read. A callback rather than a fixed list so that tables created at
/// run time (tracepoints, bpftrace) can be added later.
struct table_catalog {
  std::function<std::optional<schemas::relation>(std::string_view name)> find;
  std::function<std::vector<std::string>()> names;

  /// The agent's built-in tables (schemas::all_tables()).
  static table_catalog builtin();
};

inline constexpr std::int64_t default_max_output_rows_per_table = 10000;

struct compile_options {
  std::string file = "script.pxl";
  /// Wall clock at compile start (ns since the epoch): start_time='-5m' means now_ns - 5 min.
  std::int64_t now_ns = 0;
  /// A limit of this many rows goes before every result sink (`#px:set` can change it).
  std::int64_t max_output_rows_per_table = default_max_output_rows_per_table;
  table_catalog tables = table_catalog::builtin();
  const function_registry* functions = nullptr;  // nullptr: function_registry::builtin()
};

}  // namespace wisp::pxl
