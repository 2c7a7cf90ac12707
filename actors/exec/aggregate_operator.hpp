#pragma once
// Aggregate: hash group-by with vectorized UDA updates (one virtual call per aggregate per batch).
// Blocking: emits one batch on finish, groups in first-seen order. Partial aggregation: an agent
// runs an aggregate_operator over its rows, and the merging side folds each agent's operator in
// with merge_from() before finishing, so the operator can later be split across nodes.

#include <string>
#include <unordered_map>

#include "actors/exec/operator.hpp"
#include "pxl/functions.hpp"

namespace wisp::exec {

class aggregate_operator final : public operator_logic {
 public:
  /// `group_types` are the parent's types of op.groups.
  aggregate_operator(pxl::aggregate_op op, std::vector<schemas::data_type> group_types);
  std::vector<schemas::row_batch_ptr> push(schemas::row_batch_ptr in, std::size_t) override;
  std::vector<schemas::row_batch_ptr> finish() override;

  /// Folds the groups and states of `other` (same plan node) into this one.
  void merge_from(const aggregate_operator& other);
  std::size_t num_groups() const { return keys_.num_rows() + (op_.groups.empty() ? 1 : 0); }

 private:
  std::uint32_t group_of(const schemas::row_batch& keys, std::size_t row,
                         const std::vector<std::size_t>& key_columns, std::string& scratch);
  void resize_states();

  pxl::aggregate_op op_;
  schemas::row_batch keys_;  // one row per group: the group columns' values
  std::unordered_map<std::string, std::uint32_t> index_;
  std::vector<std::unique_ptr<pxl::uda_states>> states_;
  bool finished_ = false;
};

}  // namespace wisp::exec
