#pragma once
// The in-memory part of a table: sealed row batches in arrival order, bounded in bytes. When an
// append would exceed the budget, the oldest batches are evicted first and handed to the
// eviction sink (the seam for the RocksDB spill; today they are counted and released).
// Pure logic: owned and touched only by its table_shard actor.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "schemas/row_batch.hpp"

namespace wisp::tables {

struct ring_stats {
  std::uint64_t batches_added = 0;
  std::uint64_t rows_added = 0;
  std::uint64_t bytes_added = 0;
  std::uint64_t batches_evicted = 0;
  std::uint64_t rows_evicted = 0;
  std::uint64_t bytes_evicted = 0;
  std::uint64_t batches_rejected = 0;  // larger than the whole budget, or not matching the relation
  std::size_t num_batches = 0;
  std::size_t bytes = 0;
  std::int64_t min_time_ns = 0;  // oldest time_ still held (0 when empty)
};

class hot_ring {
 public:
  /// Receives each evicted batch (oldest first) before it is released.
  using eviction_sink = std::function<void(const schemas::row_batch_ptr&)>;

  /// `time_column`: index of `time_` in the relation, used for range pruning.
  hot_ring(schemas::relation rel, std::size_t time_column, std::size_t byte_budget,
           eviction_sink on_evict = {});

  /// Appends a sealed batch. Returns false (and counts it) when the batch does not match the
  /// relation or alone exceeds the budget.
  bool append(schemas::row_batch_ptr batch);

  /// Batches that may hold rows with time_ in [start_ns, end_ns), oldest first. Rows outside the
  /// range are not removed: the scan operator filters exactly.
  std::vector<schemas::row_batch_ptr> scan(std::int64_t start_ns, std::int64_t end_ns) const;

  const schemas::relation& rel() const { return rel_; }
  ring_stats stats() const;
  std::size_t byte_budget() const { return budget_; }

 private:
  struct entry {
    schemas::row_batch_ptr batch;
    std::size_t bytes;
    std::int64_t min_time;
    std::int64_t max_time;
  };

  void evict_oldest();

  schemas::relation rel_;
  std::size_t time_column_;
  std::size_t budget_;
  eviction_sink on_evict_;
  std::deque<entry> entries_;
  std::size_t bytes_ = 0;
  ring_stats stats_;
};

}  // namespace wisp::tables
