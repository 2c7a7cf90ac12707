#pragma once
// Aggregate: hash group-by with vectorized UDA updates (one virtual call per aggregate per batch).
// Groups live in an open-addressing table of group ids; a row's key is hashed column by column
// for the whole batch and compared in place with the group's stored key, so no key is built or
// allocated per row.
// Blocking: emits one batch on finish, groups in first-seen order.
// Modes (pxl::aggregate_mode): `full` as above. `partial` reads rows the same way but emits the
// group columns and one STRING column per aggregate with each group's serialized UDA state.
// `final` reads such rows (group columns first, then the states), merges the states of equal
// groups and emits as `full`. A final row with a malformed state (bytes from another node) is
// skipped and counted; error() then reports it. In one process, merge_from() folds another
// operator of the same node in directly.

#include <cstdint>
#include <vector>

#include "actors/exec/column_ops.hpp"
#include "actors/exec/operator.hpp"
#include "pxl/functions.hpp"

namespace wisp::exec {

class aggregate_operator final : public operator_logic {
 public:
  /// `group_types` are the parent's types of op.groups.
  aggregate_operator(pxl::aggregate_op op, std::vector<schemas::data_type> group_types);
  std::vector<schemas::row_batch_ptr> push(schemas::row_batch_ptr in, std::size_t) override;
  std::vector<schemas::row_batch_ptr> finish() override;
  std::string error() const override;

  /// Folds the groups and states of `other` (same plan node) into this one.
  void merge_from(const aggregate_operator& other);
  std::size_t num_groups() const { return keys_.num_rows() + (key_columns_.empty() ? 1 : 0); }
  /// Final mode: rows skipped because a state was malformed.
  std::size_t malformed_rows() const { return malformed_rows_; }

 private:
  /// Final mode: merges the states of a partial aggregate's output batch.
  void push_states(const schemas::row_batch& in);
  /// Group ids of every row of `b` (key columns `key_columns`), adding new groups.
  void assign_groups(const schemas::row_batch& b, const std::vector<std::size_t>& key_columns,
                     std::vector<std::uint32_t>& out);
  /// assign_groups when every key column carries a small dictionary: one group lookup per code
  /// combination. False (nothing done) otherwise.
  bool assign_groups_by_code(const schemas::row_batch& b,
                             const std::vector<std::size_t>& key_columns,
                             std::vector<std::uint32_t>& out);
  /// The group of row r of `b`, whose key hash is h, added if new.
  std::uint32_t find_or_add_group(const schemas::row_batch& b,
                                  const std::vector<std::size_t>& key_columns, std::size_t r,
                                  std::uint64_t h, const key_view& row_keys);
  void grow_slots();
  void resize_states();

  pxl::aggregate_op op_;
  std::vector<std::size_t> key_columns_;     // input columns of the group keys
  std::size_t malformed_rows_ = 0;           // final mode
  std::string first_error_;                  // final mode
  schemas::row_batch keys_;  // one row per group: the group columns' values
  std::vector<std::size_t> key_index_;       // 0, 1, ...: the columns of keys_
  std::vector<std::uint32_t> slots_;         // power-of-two table: group id + 1, 0 = empty
  std::vector<std::uint64_t> group_hashes_;  // per group
  key_view group_keys_;                      // the key columns of keys_ (renewed as they grow)
  std::vector<std::uint64_t> row_hashes_;    // scratch: the current batch's key hashes
  std::vector<std::uint32_t> code_groups_;   // scratch: group per code combination
  std::vector<std::unique_ptr<pxl::uda_states>> states_;
  bool finished_ = false;
};

}  // namespace wisp::exec
