#pragma once
// Join (df.merge): a hash equi-join. One side is the build side, collected whole into a chained
// hash table; the other is the probe side, streamed batch by batch as it arrives (held back only
// until the build side has ended). inner/left/outer build the right input and probe the left,
// so output follows the left input's order (its time_ order); right joins build the left input
// and probe the right. Outer joins emit the build rows that never matched in finish(). Missing
// sides get zero values (see pxl::join_op). Key comparison reads strings in place: no
// allocation per probed row.

#include <cstdint>
#include <vector>

#include "actors/exec/column_ops.hpp"
#include "actors/exec/operator.hpp"

namespace wisp::exec {

class join_operator final : public operator_logic {
 public:
  /// `left` and `right` are the parents' relations (parents[0] and parents[1]).
  join_operator(pxl::join_op op, const schemas::relation& left, const schemas::relation& right);

  std::vector<schemas::row_batch_ptr> push(schemas::row_batch_ptr in, std::size_t parent) override;
  std::vector<schemas::row_batch_ptr> end_of_input(std::size_t parent) override;
  std::vector<schemas::row_batch_ptr> finish() override;

  /// Most rows in one output batch (a cross join can multiply its inputs).
  static constexpr std::size_t max_output_rows = 16384;

 private:
  static constexpr std::uint32_t no_row = 0xffffffffU;

  void build();
  void probe(const schemas::row_batch& in, std::vector<schemas::row_batch_ptr>& out);
  // Output rows (probe row, build row or no_row) for `probe` (null: the probe side is missing).
  void flush(const schemas::row_batch* probe, std::vector<schemas::row_batch_ptr>& out);

  pxl::join_op op_;
  std::size_t build_parent_;
  std::size_t probe_parent_;
  const std::vector<std::size_t>* build_keys_;
  const std::vector<std::size_t>* probe_keys_;
  std::vector<schemas::data_type> probe_types_;
  std::vector<schemas::data_type> build_types_;
  bool keep_unmatched_probe_;  // left, right (its probe is the right input), outer
  bool keep_unmatched_build_;  // outer

  // Build side: the batches as received, and per global build row its batch and row.
  std::vector<schemas::row_batch_ptr> build_batches_;
  std::vector<std::uint32_t> row_batch_;
  std::vector<std::uint32_t> row_in_batch_;
  std::vector<key_view> build_views_;  // per build batch: its key columns
  std::vector<std::uint64_t> hashes_;
  std::vector<std::uint32_t> buckets_;  // hash & mask -> first build row of the chain, or no_row
  std::vector<std::uint32_t> next_;     // build row -> next row of its chain, or no_row
  std::vector<std::uint8_t> matched_;   // outer joins: build rows that found a probe row
  std::uint64_t mask_ = 0;
  bool built_ = false;
  bool finished_ = false;

  std::vector<schemas::row_batch_ptr> pending_probe_;  // arrived before the build side ended
  // Output rows being assembled for the current probe batch.
  std::vector<std::uint32_t> out_probe_;
  std::vector<std::uint32_t> out_build_;
  std::vector<std::uint64_t> probe_hashes_;  // of the current probe batch
};

}  // namespace wisp::exec
