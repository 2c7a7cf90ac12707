#include "actors/exec/aggregate_operator.hpp"

#include <algorithm>
#include <numeric>

#include "actors/exec/column_ops.hpp"

namespace wisp::exec {

aggregate_operator::aggregate_operator(pxl::aggregate_op op, std::vector<schemas::data_type> group_types)
    : op_(std::move(op)) {
  if (op_.mode == pxl::aggregate_mode::final) {
    key_columns_.resize(op_.group_names.size());
    std::iota(key_columns_.begin(), key_columns_.end(), 0);
  } else {
    key_columns_ = op_.groups;
  }
  for (auto t : group_types) keys_.columns.emplace_back(t);
  key_index_.resize(keys_.columns.size());
  std::iota(key_index_.begin(), key_index_.end(), 0);
  for (const auto& a : op_.aggregates) states_.push_back(a.uda->make_states());
  resize_states();
}

void aggregate_operator::resize_states() {
  for (auto& s : states_) s->resize(num_groups());
}

void aggregate_operator::grow_slots() {
  constexpr std::size_t min_slots = 64;
  slots_.assign(std::max(min_slots, slots_.size() * 2), 0);
  const std::size_t mask = slots_.size() - 1;
  for (std::uint32_t g = 0; g < group_hashes_.size(); ++g) {
    std::size_t i = group_hashes_[g] & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = g + 1;
  }
}

std::uint32_t aggregate_operator::find_or_add_group(const schemas::row_batch& b,
                                                    const std::vector<std::size_t>& key_columns,
                                                    std::size_t r, std::uint64_t h,
                                                    const key_view& row_keys) {
  // Load factor at most one half: probe chains stay short.
  if ((group_hashes_.size() + 1) * 2 > slots_.size()) grow_slots();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const std::uint32_t s = slots_[i];
    if (s == 0) {
      const auto g = static_cast<std::uint32_t>(group_hashes_.size());
      for (std::size_t k = 0; k < key_columns.size(); ++k)
        keys_.columns[k].push_from(b.columns[key_columns[k]], r);
      group_keys_ = key_view{keys_, key_index_};  // the key columns may have moved
      group_hashes_.push_back(h);
      slots_[i] = g + 1;
      return g;
    }
    const std::uint32_t g = s - 1;
    if (group_hashes_[g] == h && keys_equal(group_keys_, g, row_keys, r, nan_rule::one_group))
      return g;
  }
}

bool aggregate_operator::assign_groups_by_code(const schemas::row_batch& b,
                                               const std::vector<std::size_t>& key_columns,
                                               std::vector<std::uint32_t>& out) {
  const std::size_t rows = b.num_rows();
  // A code combination indexes code_groups_; worth it while there are far fewer than rows.
  std::size_t combinations = 1;
  std::vector<const schemas::column_dictionary*> dicts;
  for (auto k : key_columns) {
    const auto* d = b.columns[k].dictionary();
    if (d == nullptr) return false;
    combinations *= std::max<std::size_t>(d->values->size(), 1);
    if (combinations > rows / 4) return false;
    dicts.push_back(d);
  }
  constexpr std::uint32_t unknown = 0xffffffffU;
  code_groups_.assign(combinations, unknown);
  const key_view row_keys{b, key_columns};
  out.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    std::size_t code = 0;
    for (const auto* d : dicts) code = code * d->values->size() + d->codes[r];
    auto& g = code_groups_[code];
    if (g == unknown)
      g = find_or_add_group(b, key_columns, r, hash_row(b, key_columns, r), row_keys);
    out[r] = g;
  }
  return true;
}

void aggregate_operator::assign_groups(const schemas::row_batch& b,
                                       const std::vector<std::size_t>& key_columns,
                                       std::vector<std::uint32_t>& out) {
  group_keys_ = key_view{keys_, key_index_};
  if (assign_groups_by_code(b, key_columns, out)) return;
  hash_rows(b, key_columns, row_hashes_);
  const key_view row_keys{b, key_columns};
  const std::size_t rows = b.num_rows();
  out.resize(rows);
  for (std::size_t r = 0; r < rows; ++r)
    out[r] = find_or_add_group(b, key_columns, r, row_hashes_[r], row_keys);
}

std::vector<schemas::row_batch_ptr> aggregate_operator::push(schemas::row_batch_ptr in, std::size_t) {
  const std::size_t rows = in->num_rows();
  if (rows == 0) return {};
  if (op_.mode == pxl::aggregate_mode::final) {
    push_states(*in);
    return {};
  }
  std::vector<std::uint32_t> group_of_row(rows, 0);
  if (!key_columns_.empty()) {
    assign_groups(*in, key_columns_, group_of_row);
    resize_states();
  }
  for (std::size_t i = 0; i < states_.size(); ++i)
    states_[i]->update(group_of_row, in->columns.at(op_.aggregates[i].arg.column_index));
  return {};
}

void aggregate_operator::push_states(const schemas::row_batch& in) {
  const std::size_t rows = in.num_rows();
  const std::size_t groups = key_columns_.size();
  bool shape_ok = in.columns.size() == groups + states_.size();
  for (std::size_t k = 0; shape_ok && k < groups; ++k)
    shape_ok = in.columns[k].type() == keys_.columns[k].type();
  for (std::size_t i = groups; shape_ok && i < in.columns.size(); ++i)
    shape_ok = in.columns[i].type() == schemas::data_type::string;
  if (!shape_ok) {
    malformed_rows_ += rows;
    if (first_error_.empty())
      first_error_ = "final aggregate: an input batch of " + std::to_string(in.columns.size()) +
                     " columns is not a partial aggregate's output (" + std::to_string(groups) +
                     " group columns, then " + std::to_string(states_.size()) + " STRING states)";
    return;
  }
  // Decode every aggregate's states first: a row with one malformed state is skipped whole.
  std::vector<std::unique_ptr<pxl::uda_states>> partial;
  std::vector<std::uint8_t> keep(rows, 1), bad;
  std::size_t skipped = 0;
  for (std::size_t i = 0; i < states_.size(); ++i) {
    partial.push_back(op_.aggregates[i].uda->make_states());
    std::string why;
    if (partial.back()->deserialize(in.columns[groups + i], bad, why) == 0) continue;
    if (first_error_.empty())
      first_error_ = "final aggregate '" + op_.aggregates[i].output_name + "': " + why;
    for (std::size_t r = 0; r < rows; ++r)
      if (bad[r] && keep[r]) {
        keep[r] = 0;
        ++skipped;
      }
  }
  if (skipped > 0) {
    malformed_rows_ += skipped;
    if (skipped == rows) return;
    schemas::row_batch good;
    for (const auto& c : in.columns) good.columns.push_back(c.filter(keep));
    push_states(good);  // no malformed row is left
    return;
  }
  std::vector<std::uint32_t> target(rows, 0);
  if (!key_columns_.empty()) {
    assign_groups(in, key_columns_, target);
    resize_states();
  }
  for (std::size_t i = 0; i < states_.size(); ++i) states_[i]->merge(*partial[i], target);
}

std::string aggregate_operator::error() const {
  if (malformed_rows_ == 0) return {};
  return std::to_string(malformed_rows_) + " partial aggregate row(s) skipped; first: " + first_error_;
}

void aggregate_operator::merge_from(const aggregate_operator& other) {
  std::vector<std::uint32_t> target(other.num_groups(), 0);
  if (!key_columns_.empty()) {
    assign_groups(other.keys_, other.key_index_, target);
    resize_states();
  }
  for (std::size_t i = 0; i < states_.size(); ++i) states_[i]->merge(*other.states_[i], target);
}

std::vector<schemas::row_batch_ptr> aggregate_operator::finish() {
  if (finished_) return {};
  finished_ = true;
  auto out = std::make_shared<schemas::row_batch>();
  out->columns = keys_.columns;
  const bool partial = op_.mode == pxl::aggregate_mode::partial;
  for (std::size_t i = 0; i < states_.size(); ++i) {
    schemas::column c{partial ? schemas::data_type::string : op_.aggregates[i].uda->result};
    if (partial)
      states_[i]->serialize(c);
    else
      states_[i]->finalize(c);
    out->columns.push_back(std::move(c));
  }
  if (out->num_rows() == 0) return {};
  return {std::move(out)};
}

}  // namespace wisp::exec
