#pragma once
// Runs a whole typed plan synchronously in the calling thread: for tests, golden tests and
// single-process tools. The distributed engine runs the same operator_logic inside actors.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/exec/udtf_source.hpp"
#include "pxl/plan.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::exec {

struct stored_table {
  schemas::relation rel;
  std::vector<schemas::row_batch_ptr> batches;
};

/// Table name -> stored rows.
using table_provider = std::map<std::string, stored_table, std::less<>>;

struct result_table {
  std::string name;
  schemas::relation rel;
  std::vector<schemas::row_batch_ptr> batches;
  /// Set when the max_output_rows_per_table limit before this table cut rows: that limit.
  std::optional<std::int64_t> truncated_to;
  std::size_t num_rows() const;
};

struct run_result {
  std::vector<result_table> tables;  // in result-sink order
  std::string error;                 // non-empty: the run failed (e.g. a table is missing)
  bool ok() const { return error.empty(); }
};

/// A stream source (a broker plan, pxl/distribute.hpp) reads the `tables` entry named after its
/// stream, whose batches must have the stream's relation. `udtf` is the node state UDTF sources read (nullptr: the built-in catalog and functions, no
/// agents).
[[nodiscard]] run_result run_plan(const pxl::plan& p, const table_provider& tables,
                                  const udtf_context* udtf = nullptr);

}  // namespace wisp::exec
