#include "actors/exec/union_operator.hpp"

#include <limits>

#include "actors/exec/column_ops.hpp"

namespace wisp::exec {

union_operator::union_operator(pxl::union_op op) : op_(std::move(op)), inputs_(op_.column_maps.size()) {}

schemas::row_batch_ptr union_operator::remap(schemas::row_batch_ptr in, std::size_t parent) const {
  const auto& map = op_.column_maps[parent];
  bool identity = map.size() == in->columns.size();
  for (std::size_t i = 0; identity && i < map.size(); ++i) identity = map[i] == i;
  if (identity) return in;
  auto out = std::make_shared<schemas::row_batch>();
  for (auto c : map) out->columns.push_back(in->columns.at(c));
  return out;
}

std::vector<schemas::row_batch_ptr> union_operator::push(schemas::row_batch_ptr in, std::size_t parent) {
  if (in->num_rows() == 0 || parent >= inputs_.size()) return {};
  auto batch = remap(std::move(in), parent);
  if (!op_.time_column) return {std::move(batch)};
  inputs_[parent].batches.push_back(std::move(batch));
  return drain();
}

std::vector<schemas::row_batch_ptr> union_operator::end_of_input(std::size_t parent) {
  if (parent >= inputs_.size()) return {};
  inputs_[parent].ended = true;
  return op_.time_column ? drain() : std::vector<schemas::row_batch_ptr>{};
}

std::vector<schemas::row_batch_ptr> union_operator::finish() {
  for (auto& in : inputs_) in.ended = true;
  return op_.time_column ? drain() : std::vector<schemas::row_batch_ptr>{};
}

std::int64_t union_operator::head_time(const input& in) const {
  return in.batches.front()->columns[*op_.time_column].ints()[in.cursor];
}

std::vector<schemas::row_batch_ptr> union_operator::drain() {
  std::vector<schemas::row_batch_ptr> out;
  std::shared_ptr<schemas::row_batch> merged;
  auto flush = [&] {
    if (merged && merged->num_rows() > 0) out.push_back(std::move(merged));
    merged.reset();
  };
  while (true) {
    // The earliest waiting row; stop when a parent that may still send has nothing waiting.
    std::size_t best = inputs_.size();
    std::size_t waiting = 0;
    for (std::size_t p = 0; p < inputs_.size(); ++p) {
      const auto& in = inputs_[p];
      if (in.batches.empty()) {
        if (!in.ended) {
          flush();
          return out;
        }
        continue;
      }
      ++waiting;
      if (best == inputs_.size() || head_time(in) < head_time(inputs_[best])) best = p;
    }
    if (best == inputs_.size()) break;
    auto& in = inputs_[best];
    const auto& batch = in.batches.front();
    const std::size_t rows = batch->num_rows();
    if (waiting == 1 && in.cursor == 0) {
      // Only this parent has rows: its batch goes out as it is.
      flush();
      out.push_back(batch);
      in.batches.pop_front();
      continue;
    }
    // Release this parent's rows up to the next parent's head (ties go to the lower parent).
    std::int64_t bound = std::numeric_limits<std::int64_t>::max();
    std::size_t bound_parent = inputs_.size();
    for (std::size_t p = 0; p < inputs_.size(); ++p) {
      if (p == best || inputs_[p].batches.empty()) continue;
      auto t = head_time(inputs_[p]);
      if (t < bound) {
        bound = t;
        bound_parent = p;
      }
    }
    const auto& times = batch->columns[*op_.time_column].ints();
    std::size_t end = in.cursor + 1;  // the head itself is the earliest
    while (end < rows && (times[end] < bound || (times[end] == bound && best < bound_parent))) ++end;
    if (!merged) {
      merged = std::make_shared<schemas::row_batch>();
      for (const auto& c : batch->columns) merged->columns.emplace_back(c.type());
    }
    for (std::size_t c = 0; c < batch->columns.size(); ++c)
      append_rows(merged->columns[c], batch->columns[c], in.cursor, end - in.cursor);
    in.cursor = end;
    if (in.cursor == rows) {
      in.batches.pop_front();
      in.cursor = 0;
    }
  }
  flush();
  return out;
}

}  // namespace wisp::exec
