#pragma once
// What a memory source reads from one stored batch: the rows with start_ns <= time_ < end_ns and
// the node's columns in the node's order. The source actor builds a source_scan once per query
// and applies it to every batch of its table shard.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pxl/plan.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::exec {

struct source_scan {
  std::optional<std::size_t> time_column;  // index of time_ in the stored relation, if any
  std::optional<std::int64_t> start_ns;
  std::optional<std::int64_t> end_ns;
  std::vector<std::size_t> columns;  // stored column index of each output column
};

struct make_scan_result {
  source_scan scan;
  std::string error;  // non-empty: a selected column is missing from the stored relation
};

/// Matches the node's columns (by name) to the stored table's relation.
[[nodiscard]] make_scan_result make_source_scan(const pxl::memory_source_op& op,
                                                const schemas::relation& stored);

/// The selected rows and columns of `stored`; nullptr when no row is in range.
schemas::row_batch_ptr apply_scan(const source_scan& scan, const schemas::row_batch_ptr& stored);

}  // namespace wisp::exec
