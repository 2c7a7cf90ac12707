#pragma once
// The logical plan: a DAG of operator nodes in topological order (a node's parents come before
// it). The compiler builds it; the types pass resolves column references, function overloads and
// every node's output relation; the exec engine runs it. Plans are plain values (copyable).

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pxl/diagnostic.hpp"
#include "pxl/mutation.hpp"
#include "pxl/scalar.hpp"
#include "schemas/relation.hpp"

namespace wisp::pxl {

struct udf_def;
struct uda_def;

using node_id = std::int64_t;
inline constexpr std::size_t unresolved_column = std::numeric_limits<std::size_t>::max();

// `metadata` (df.ctx['pod']) exists only between the compiler and the types pass, which replaces
// it by the metadata UDF call (or column) the parent's columns allow; the engine never sees it.
enum class expression_kind : std::uint8_t { column, literal, call, metadata };

/// A scalar expression over the columns of a node's (single) parent.
struct expression {
  expression_kind kind = expression_kind::literal;
  source_location loc;
  std::string column_name;                    // column; metadata: the canonical ctx key
  std::size_t column_index = unresolved_column;  // column: set by the types pass
  scalar literal;                             // literal
  std::string function;                       // call: registry name ("add", "contains")
  std::vector<expression> args;               // call
  const udf_def* udf = nullptr;               // call: overload chosen by the types pass
  schemas::data_type type = schemas::data_type::unknown;  // set by the types pass
  schemas::semantic_type semantic = schemas::semantic_type::st_none;

  static expression column_ref(std::string name, source_location loc);
  static expression constant(scalar v, source_location loc);
  static expression call(std::string function, std::vector<expression> args, source_location loc);
  static expression metadata(std::string key, source_location loc);
};

struct named_expression {
  std::string name;
  expression expr;
};

/// Reads a stored table: rows with start_ns <= time_ < end_ns (unset = unbounded), the listed
/// columns in that order (after the types pass: never empty).
struct memory_source_op {
  std::string table;
  std::optional<std::int64_t> start_ns;
  std::optional<std::int64_t> end_ns;
  std::vector<std::string> columns;
};

/// Output column i = exprs[i] evaluated over the parent's rows.
struct map_op {
  std::vector<named_expression> exprs;
  // Compiler-only shorthand, expanded by the types pass into exprs (always false/empty after it):
  bool keep_input_columns = false;        // df.x = e: parent columns, then new ones
  std::vector<std::string> drop_columns;  // df.drop(...): parent columns except these
};

/// Keeps the rows where predicate (BOOLEAN) is true; same relation as the parent.
struct filter_op {
  expression predicate;
};

struct aggregate_expr {
  std::string output_name;
  std::string function;  // "count", "sum", ...
  expression arg;        // a column of the parent
  const uda_def* uda = nullptr;  // set by the types pass
};

/// Where an aggregate runs in a distributed plan (pxl/distribute.hpp). The compiler makes `full`;
/// the planner splits a full aggregate into a `partial` one on every agent and a `final` one on
/// the broker, which give the same rows as the full one over the union of the agents' rows.
enum class aggregate_mode : std::uint8_t {
  full,     // rows in, one row per group out
  partial,  // rows in; out: the group columns, then per aggregate one STRING column holding each
            // group's serialized UDA state (uda_states::serialize)
  final,    // in: a partial aggregate's output (groups = its first columns, aggregate i's arg =
            // its state column); out: as `full`, states of equal groups merged
};
std::string_view to_string(aggregate_mode m);

/// Group-by: output = group columns, then one column per aggregate. Blocking. With no group
/// columns, emits exactly one row.
struct aggregate_op {
  aggregate_mode mode = aggregate_mode::full;
  std::vector<std::string> group_names;
  std::vector<std::size_t> groups;  // parent column indexes, set by the types pass
  std::vector<aggregate_expr> aggregates;
  source_location agg_loc;
};

/// The output relation of `op` run as a partial aggregate over `parent` (op.groups typed): the
/// parent's group columns, then one STRING column per aggregate named like it (the planner's
/// relation of the stream from a partial to its final aggregate).
schemas::relation partial_aggregate_relation(const aggregate_op& op, const schemas::relation& parent);

/// Passes through the first n rows, then is done.
struct limit_op {
  std::int64_t n = 0;
  /// Set on the max_output_rows_per_table limit that the compiler puts before a result sink:
  /// the sink's name. When that limit cuts rows the user is told (truncation notice); a
  /// `df.head(n)` limit leaves it empty.
  std::string result_table;
};

/// A table function (`px.GetSchemas()`, ...; see udtf.hpp): a source whose rows the engine makes
/// from the node's state. `args` are the UDTF's arguments in declaration order, defaults filled
/// in, each a constant of the declared type.
struct udtf_source_op {
  std::string name;
  std::vector<scalar> args;
};

/// df.append(...): the rows of all parents. Every parent has the first parent's columns (same
/// names and types, in any order); the output has the first parent's order. When the output has
/// a TIME64NS `time_` column, rows are merged by `time_` (each parent is taken to be in `time_`
/// order, as tables are; ties keep parent order), otherwise they pass in arrival order.
struct union_op {
  std::vector<source_location> input_locs;  // per parent: where the script names it
  // Set by the types pass:
  std::vector<std::vector<std::size_t>> column_maps;  // [parent][output column] -> parent column
  std::optional<std::size_t> time_column;             // output index of time_, if merged by it
};

enum class join_kind : std::uint8_t { inner, left, right, outer };
std::string_view to_string(join_kind k);

/// df.merge(right, how, left_on, right_on, suffixes): an equi-join of parents[0] (left) and
/// parents[1] (right) on left_on[i] == right_on[i]. Output: every left column, then every right
/// column (keys included); a name present on both sides gets the side's suffix. No key columns
/// means every left row matches every right row (a cross join). A row without a match (kept by
/// left/right/outer) gets the zero value of each column of the other side ("", 0, false, 0.0) —
/// Wisp's columns have no nulls.
struct join_op {
  join_kind how = join_kind::inner;
  std::vector<std::string> left_on;
  std::vector<std::string> right_on;
  std::vector<source_location> left_locs;   // per key, for diagnostics
  std::vector<source_location> right_locs;
  std::string left_suffix = "_x";
  std::string right_suffix = "_y";
  // Set by the types pass: key column indexes in each parent.
  std::vector<std::size_t> left_keys;
  std::vector<std::size_t> right_keys;
  // Set by the types pass: the columns of each parent that appear in the output, in order
  // (all of them unless column pruning dropped some the rest of the plan does not read).
  std::vector<std::size_t> left_out;
  std::vector<std::size_t> right_out;
};

/// A named result table. In an agent's plan fragment, the agent end of a stream to the broker
/// (the name is the stream's).
struct result_sink_op {
  std::string name;
};

/// The broker end of a stream (a cut edge of a distributed plan, pxl/distribute.hpp): its rows
/// are the batches that the agents' fragments send to their sink named `stream`. Its output
/// relation is that sink's. Only the planner makes it; the broker's query actor feeds it.
struct stream_source_op {
  std::string stream;
};

using node_op = std::variant<memory_source_op, map_op, filter_op, aggregate_op, limit_op, union_op,
                             join_op, result_sink_op, udtf_source_op, stream_source_op>;

struct plan_node {
  node_id id = 0;
  std::vector<node_id> parents;
  node_op op;
  schemas::relation output;  // set by the types pass
  source_location loc;       // the script text that created the node
};

struct plan {
  std::vector<plan_node> nodes;  // topological order
  /// The script's pxtrace.UpsertTracepoint / DeleteTracepoint calls, in script order.
  std::vector<tracepoint_mutation> mutations;

  const plan_node* find(node_id id) const;
  plan_node* find(node_id id);
  std::vector<node_id> children(node_id id) const;
};

/// Kind name of an operator: "memory_source", "map", ...
std::string_view op_name(const node_op& op);

/// Human-readable plan for --explain: one line per node with its parents, arguments and output
/// relation.
std::string to_string(const plan& p);
std::string to_string(const expression& e);

}  // namespace wisp::pxl
