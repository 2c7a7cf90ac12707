#include "actors/exec/join_operator.hpp"

#include <algorithm>
#include <bit>

#include "actors/exec/column_ops.hpp"

namespace wisp::exec {

namespace {

std::vector<schemas::data_type> types_of(const schemas::relation& r) {
  std::vector<schemas::data_type> out;
  for (const auto& c : r.columns) out.push_back(c.type);
  return out;
}

}  // namespace

join_operator::join_operator(pxl::join_op op, const schemas::relation& left,
                             const schemas::relation& right)
    : op_(std::move(op)) {
  const bool build_left = op_.how == pxl::join_kind::right;
  build_parent_ = build_left ? 0 : 1;
  probe_parent_ = build_left ? 1 : 0;
  build_keys_ = build_left ? &op_.left_keys : &op_.right_keys;
  probe_keys_ = build_left ? &op_.right_keys : &op_.left_keys;
  build_types_ = types_of(build_left ? left : right);
  probe_types_ = types_of(build_left ? right : left);
  keep_unmatched_probe_ = op_.how != pxl::join_kind::inner;
  keep_unmatched_build_ = op_.how == pxl::join_kind::outer;
}

std::vector<schemas::row_batch_ptr> join_operator::push(schemas::row_batch_ptr in, std::size_t parent) {
  if (finished_ || in->num_rows() == 0) return {};
  if (parent == build_parent_) {
    if (!built_) build_batches_.push_back(std::move(in));
    return {};
  }
  if (parent != probe_parent_) return {};
  if (!built_) {
    pending_probe_.push_back(std::move(in));
    return {};
  }
  std::vector<schemas::row_batch_ptr> out;
  probe(*in, out);
  return out;
}

std::vector<schemas::row_batch_ptr> join_operator::end_of_input(std::size_t parent) {
  if (parent != build_parent_ || built_ || finished_) return {};
  build();
  std::vector<schemas::row_batch_ptr> out;
  for (const auto& b : pending_probe_) probe(*b, out);
  pending_probe_.clear();
  return out;
}

std::vector<schemas::row_batch_ptr> join_operator::finish() {
  if (finished_) return {};
  std::vector<schemas::row_batch_ptr> out;
  if (!built_) out = end_of_input(build_parent_);
  finished_ = true;
  if (keep_unmatched_build_) {
    for (std::uint32_t g = 0; g < matched_.size(); ++g) {
      if (matched_[g]) continue;
      out_probe_.push_back(no_row);
      out_build_.push_back(g);
      if (out_probe_.size() >= max_output_rows) flush(nullptr, out);
    }
    flush(nullptr, out);
  }
  build_batches_.clear();
  build_views_.clear();
  return out;
}

void join_operator::build() {
  built_ = true;
  std::size_t rows = 0;
  for (const auto& b : build_batches_) rows += b->num_rows();
  row_batch_.reserve(rows);
  row_in_batch_.reserve(rows);
  hashes_.reserve(rows);
  std::vector<std::uint64_t> batch_hashes;
  for (std::uint32_t bi = 0; bi < build_batches_.size(); ++bi) {
    const auto& b = *build_batches_[bi];
    hash_rows(b, *build_keys_, batch_hashes);
    hashes_.insert(hashes_.end(), batch_hashes.begin(), batch_hashes.end());
    build_views_.emplace_back(b, *build_keys_);
    for (std::uint32_t r = 0, n = static_cast<std::uint32_t>(b.num_rows()); r < n; ++r) {
      row_batch_.push_back(bi);
      row_in_batch_.push_back(r);
    }
  }
  // Twice as many buckets as rows keeps chains short; chains list rows in build order so that
  // matches come out in the build input's order.
  const std::size_t size = std::bit_ceil(std::max<std::size_t>(rows * 2, 1));
  mask_ = size - 1;
  buckets_.assign(size, no_row);
  next_.assign(rows, no_row);
  for (std::size_t g = rows; g-- > 0;) {
    auto& head = buckets_[hashes_[g] & mask_];
    next_[g] = head;
    head = static_cast<std::uint32_t>(g);
  }
  if (keep_unmatched_build_) matched_.assign(rows, 0);
}

void join_operator::probe(const schemas::row_batch& in, std::vector<schemas::row_batch_ptr>& out) {
  const auto& pkeys = *probe_keys_;
  hash_rows(in, pkeys, probe_hashes_);
  const key_view probe_view{in, pkeys};
  const auto rows = static_cast<std::uint32_t>(in.num_rows());
  for (std::uint32_t r = 0; r < rows; ++r) {
    const std::uint64_t h = probe_hashes_[r];
    bool found = false;
    for (std::uint32_t g = buckets_[h & mask_]; g != no_row; g = next_[g]) {
      if (hashes_[g] != h) continue;
      if (!keys_equal(probe_view, r, build_views_[row_batch_[g]], row_in_batch_[g],
                      nan_rule::never_equal))
        continue;
      found = true;
      if (keep_unmatched_build_) matched_[g] = 1;
      out_probe_.push_back(r);
      out_build_.push_back(g);
      if (out_probe_.size() >= max_output_rows) flush(&in, out);
    }
    if (!found && keep_unmatched_probe_) {
      out_probe_.push_back(r);
      out_build_.push_back(no_row);
      if (out_probe_.size() >= max_output_rows) flush(&in, out);
    }
  }
  flush(&in, out);
}

void join_operator::flush(const schemas::row_batch* probe, std::vector<schemas::row_batch_ptr>& out) {
  if (out_probe_.empty()) return;
  // Gathers when every output row has this side (the common case), zero-fills otherwise.
  const bool all_probe = probe != nullptr && std::find(out_probe_.begin(), out_probe_.end(), no_row) == out_probe_.end();
  const bool all_build = std::find(out_build_.begin(), out_build_.end(), no_row) == out_build_.end();
  auto fill_probe = [&](std::size_t col) {
    if (all_probe) return probe->columns[col].take(out_probe_);
    schemas::column c{probe_types_[col]};
    for (auto r : out_probe_) {
      if (probe == nullptr || r == no_row)
        push_zero(c);
      else
        c.push_from(probe->columns[col], r);
    }
    return c;
  };
  // Build rows as (batch, row): with one build batch (a small dimension table) a gather.
  std::vector<std::uint32_t> build_rows;
  if (all_build && build_batches_.size() == 1) {
    build_rows.reserve(out_build_.size());
    for (auto g : out_build_) build_rows.push_back(row_in_batch_[g]);
  }
  auto fill_build = [&](std::size_t col) {
    if (!build_rows.empty()) {
      // Gathered from one build batch: the batch's column is the dictionary of the output.
      const auto& source = build_batches_.front()->columns[col];
      auto c = source.take(build_rows);
      c.set_dictionary(std::make_shared<const schemas::column_dictionary>(
          schemas::column_dictionary{std::make_shared<const schemas::column>(source), build_rows}));
      return c;
    }
    schemas::column c{build_types_[col]};
    for (auto g : out_build_) {
      if (g == no_row)
        push_zero(c);
      else
        c.push_from(build_batches_[row_batch_[g]]->columns[col], row_in_batch_[g]);
    }
    return c;
  };
  auto batch = std::make_shared<schemas::row_batch>();
  const bool probe_is_left = probe_parent_ == 0;
  for (auto i : op_.left_out)
    batch->columns.push_back(probe_is_left ? fill_probe(i) : fill_build(i));
  for (auto i : op_.right_out)
    batch->columns.push_back(probe_is_left ? fill_build(i) : fill_probe(i));
  out_probe_.clear();
  out_build_.clear();
  out.push_back(std::move(batch));
}

}  // namespace wisp::exec
