#include "schemas/row_batch.hpp"

#include <cassert>
#include <cstring>

namespace wisp::schemas {

namespace {

column::storage make_storage(data_type t) {
  switch (t) {
    case data_type::boolean: return std::vector<std::uint8_t>{};
    case data_type::int64:
    case data_type::time64ns: return std::vector<std::int64_t>{};
    case data_type::uint128: return std::vector<uint128>{};
    case data_type::float64: return std::vector<double>{};
    case data_type::string:
    case data_type::unknown: break;
  }
  return string_column{};
}

}  // namespace

column::column(data_type t) : type_(t), data_(std::make_shared<storage>(make_storage(t))) {}

void column::unshare() { data_ = std::make_shared<storage>(*data_); }

std::size_t column::size() const {
  return std::visit([](const auto& v) { return v.size(); }, *data_);
}

std::size_t column::byte_size() const {
  return std::visit(
      [](const auto& v) -> std::size_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, string_column>)
          return v.byte_size();
        else
          return v.size() * sizeof(v[0]);
      },
      *data_);
}

void column::push_from(const column& other, std::size_t row) {
  std::visit(
      [&](auto& v) {
        using T = std::decay_t<decltype(v)>;
        const auto& o = std::get<T>(*other.data_);
        if constexpr (std::is_same_v<T, string_column>)
          v.push_back(o.at(row));
        else
          v.push_back(o[row]);
      },
      own());
}

column column::filter(std::span<const std::uint8_t> mask) const {
  std::vector<std::uint32_t> rows;
  rows.reserve(mask.size());
  for (std::size_t i = 0; i < mask.size(); ++i)
    if (mask[i]) rows.push_back(static_cast<std::uint32_t>(i));
  return take(rows);
}

void string_column::append_gather(const string_column& src, std::span<const std::uint32_t> rows) {
  const auto& so = src.offsets_;
  std::size_t bytes = 0;
  for (auto r : rows) bytes += so[r + 1] - so[r];
  const std::size_t base = bytes_.size();
  offsets_.reserve(offsets_.size() + rows.size());
  bytes_.resize(base + bytes);
  char* out = bytes_.data() + base;
  const char* in = src.bytes_.data();
  const std::size_t in_size = src.bytes_.size();
  std::size_t at = 0;
  for (auto r : rows) {
    const std::size_t b = so[r], n = so[r + 1] - b;
    // Short values (most keys) move in 16-byte steps when neither side would run past its end;
    // the overlapping tail of a step is rewritten by the next value.
    if (n <= 32 && b + 32 <= in_size && at + 32 <= bytes) {
      std::memcpy(out + at, in + b, 16);
      if (n > 16) std::memcpy(out + at + 16, in + b + 16, 16);
    } else {
      std::memcpy(out + at, in + b, n);
    }
    at += n;
    offsets_.push_back(base + at);
  }
}

column column::take(std::span<const std::uint32_t> rows) const {
  column out(type_);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        auto& o = std::get<T>(*out.data_);
        if constexpr (std::is_same_v<T, string_column>) {
          o.append_gather(v, rows);
        } else {
          o.resize(rows.size());
          for (std::size_t k = 0; k < rows.size(); ++k) o[k] = v[rows[k]];
        }
      },
      *data_);
  if (dictionary_) {
    auto d = std::make_shared<column_dictionary>();
    d->values = dictionary_->values;
    d->codes.resize(rows.size());
    for (std::size_t k = 0; k < rows.size(); ++k) d->codes[k] = dictionary_->codes[rows[k]];
    out.dictionary_ = std::move(d);
  }
  return out;
}

column column::slice(std::size_t begin, std::size_t count) const {
  column out(type_);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        auto& o = std::get<T>(*out.data_);
        if constexpr (std::is_same_v<T, string_column>) {
          for (std::size_t i = begin; i < begin + count; ++i) o.push_back(v.at(i));
        } else {
          o.assign(v.begin() + static_cast<std::ptrdiff_t>(begin),
                   v.begin() + static_cast<std::ptrdiff_t>(begin + count));
        }
      },
      *data_);
  if (dictionary_) {
    const auto& codes = dictionary_->codes;
    out.dictionary_ = std::make_shared<column_dictionary>(column_dictionary{
        dictionary_->values, {codes.begin() + static_cast<std::ptrdiff_t>(begin),
                              codes.begin() + static_cast<std::ptrdiff_t>(begin + count)}});
  }
  return out;
}

std::size_t row_batch::byte_size() const {
  std::size_t n = 0;
  for (const auto& c : columns) n += c.byte_size();
  return n;
}

row_batch row_batch::slice(std::size_t begin, std::size_t count) const {
  row_batch out;
  out.columns.reserve(columns.size());
  for (const auto& c : columns) out.columns.push_back(c.slice(begin, count));
  return out;
}

row_batch make_empty_batch(const relation& rel) {
  row_batch b;
  b.columns.reserve(rel.columns.size());
  for (const auto& c : rel.columns) b.columns.emplace_back(c.type);
  return b;
}

bool matches(const row_batch& batch, const relation& rel) {
  if (batch.columns.size() != rel.columns.size()) return false;
  const auto rows = batch.num_rows();
  for (std::size_t i = 0; i < rel.columns.size(); ++i) {
    if (batch.columns[i].type() != rel.columns[i].type) return false;
    if (batch.columns[i].size() != rows) return false;
  }
  return true;
}

}  // namespace wisp::schemas
