#include "actors/tables/hot_ring.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace wisp::tables {

hot_ring::hot_ring(schemas::relation rel, std::size_t time_column, std::size_t byte_budget,
                   eviction_sink on_evict)
    : rel_(std::move(rel)),
      time_column_(time_column),
      budget_(byte_budget),
      on_evict_(std::move(on_evict)) {}

bool hot_ring::append(schemas::row_batch_ptr batch) {
  if (!batch || !schemas::matches(*batch, rel_)) {
    ++stats_.batches_rejected;
    return false;
  }
  const auto rows = batch->num_rows();
  if (rows == 0) return true;
  const auto size = batch->byte_size();
  if (size > budget_) {
    ++stats_.batches_rejected;
    return false;
  }
  while (bytes_ + size > budget_ && !entries_.empty()) evict_oldest();

  const auto& times = batch->columns[time_column_].ints();
  const auto [lo, hi] = std::minmax_element(times.begin(), times.end());
  entries_.push_back({std::move(batch), size, *lo, *hi});
  bytes_ += size;
  ++stats_.batches_added;
  stats_.rows_added += rows;
  stats_.bytes_added += size;
  return true;
}

void hot_ring::evict_oldest() {
  auto e = std::move(entries_.front());
  entries_.pop_front();
  bytes_ -= e.bytes;
  ++stats_.batches_evicted;
  stats_.rows_evicted += e.batch->num_rows();
  stats_.bytes_evicted += e.bytes;
  if (on_evict_) on_evict_(e.batch);
}

std::vector<schemas::row_batch_ptr> hot_ring::scan(std::int64_t start_ns, std::int64_t end_ns) const {
  std::vector<schemas::row_batch_ptr> out;
  for (const auto& e : entries_)
    if (e.max_time >= start_ns && e.min_time < end_ns) out.push_back(e.batch);
  return out;
}

ring_stats hot_ring::stats() const {
  auto s = stats_;
  s.num_batches = entries_.size();
  s.bytes = bytes_;
  s.min_time_ns = 0;
  if (!entries_.empty()) {
    s.min_time_ns = std::numeric_limits<std::int64_t>::max();
    for (const auto& e : entries_) s.min_time_ns = std::min(s.min_time_ns, e.min_time);
  }
  return s;
}

}  // namespace wisp::tables
