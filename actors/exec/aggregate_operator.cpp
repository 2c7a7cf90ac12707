#include "actors/exec/aggregate_operator.hpp"

#include <cstring>
#include <numeric>

namespace wisp::exec {

namespace {

template <class T>
void append_raw(std::string& key, const T& v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  key.append(buf, sizeof(T));
}

// Group keys are the group values serialized into one byte string; strings are length-prefixed so
// ("ab","c") and ("a","bc") differ.
void append_key(std::string& key, const schemas::column& c, std::size_t row) {
  switch (c.type()) {
    case schemas::data_type::boolean: key.push_back(static_cast<char>(c.bools()[row])); break;
    case schemas::data_type::int64:
    case schemas::data_type::time64ns: append_raw(key, c.ints()[row]); break;
    case schemas::data_type::float64: append_raw(key, c.floats()[row]); break;
    case schemas::data_type::uint128: append_raw(key, c.uint128s()[row]); break;
    case schemas::data_type::string: {
      auto s = c.strings().at(row);
      append_raw(key, s.size());
      key.append(s);
      break;
    }
    case schemas::data_type::unknown: break;
  }
}

}  // namespace

aggregate_operator::aggregate_operator(pxl::aggregate_op op, std::vector<schemas::data_type> group_types)
    : op_(std::move(op)) {
  for (auto t : group_types) keys_.columns.emplace_back(t);
  for (const auto& a : op_.aggregates) states_.push_back(a.uda->make_states());
  resize_states();
}

void aggregate_operator::resize_states() {
  for (auto& s : states_) s->resize(num_groups());
}

std::uint32_t aggregate_operator::group_of(const schemas::row_batch& keys, std::size_t row,
                                           const std::vector<std::size_t>& key_columns,
                                           std::string& scratch) {
  scratch.clear();
  for (auto c : key_columns) append_key(scratch, keys.columns[c], row);
  auto [it, inserted] = index_.try_emplace(scratch, static_cast<std::uint32_t>(keys_.num_rows()));
  if (inserted)
    for (std::size_t i = 0; i < key_columns.size(); ++i)
      keys_.columns[i].push_from(keys.columns[key_columns[i]], row);
  return it->second;
}

std::vector<schemas::row_batch_ptr> aggregate_operator::push(schemas::row_batch_ptr in, std::size_t) {
  const std::size_t rows = in->num_rows();
  if (rows == 0) return {};
  std::vector<std::uint32_t> group_of_row(rows, 0);
  if (!op_.groups.empty()) {
    std::string scratch;
    for (std::size_t r = 0; r < rows; ++r) group_of_row[r] = group_of(*in, r, op_.groups, scratch);
    resize_states();
  }
  for (std::size_t i = 0; i < states_.size(); ++i)
    states_[i]->update(group_of_row, in->columns.at(op_.aggregates[i].arg.column_index));
  return {};
}

void aggregate_operator::merge_from(const aggregate_operator& other) {
  std::vector<std::uint32_t> target(other.num_groups(), 0);
  if (!op_.groups.empty()) {
    std::vector<std::size_t> key_columns(other.keys_.columns.size());
    std::iota(key_columns.begin(), key_columns.end(), 0);
    std::string scratch;
    for (std::size_t g = 0; g < other.keys_.num_rows(); ++g)
      target[g] = group_of(other.keys_, g, key_columns, scratch);
    resize_states();
  }
  for (std::size_t i = 0; i < states_.size(); ++i) states_[i]->merge(*other.states_[i], target);
}

std::vector<schemas::row_batch_ptr> aggregate_operator::finish() {
  if (finished_) return {};
  finished_ = true;
  auto out = std::make_shared<schemas::row_batch>();
  out->columns = keys_.columns;
  for (std::size_t i = 0; i < states_.size(); ++i) {
    schemas::column c{op_.aggregates[i].uda->result};
    states_[i]->finalize(c);
    out->columns.push_back(std::move(c));
  }
  if (out->num_rows() == 0) return {};
  return {std::move(out)};
}

}  // namespace wisp::exec
