#pragma once
// Runs a whole typed plan synchronously in the calling thread: for tests, golden tests and
// single-process tools. The distributed engine runs the same operator_logic inside actors.

#include <map>
#include <string>
#include <vector>

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
  std::size_t num_rows() const;
};

struct run_result {
  std::vector<result_table> tables;  // in result-sink order
  std::string error;                 // non-empty: the run failed (e.g. a table is missing)
  bool ok() const { return error.empty(); }
};

[[nodiscard]] run_result run_plan(const pxl::plan& p, const table_provider& tables);

}  // namespace wisp::exec
