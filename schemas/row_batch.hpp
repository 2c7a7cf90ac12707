#pragma once
// Columnar row batches: one contiguous vector per column, strings as offsets + bytes. The same
// layout is used in memory, in RocksDB values and (as FlatBuffers vectors) on the wire.
// A sealed batch is immutable and shared between actors as `row_batch_ptr`.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "schemas/relation.hpp"
#include "schemas/types.hpp"

namespace wisp::schemas {

/// Strings of one column: row i is bytes[offsets[i], offsets[i+1]).
class string_column {
 public:
  string_column() : offsets_{0} {}
  std::size_t size() const { return offsets_.size() - 1; }
  std::string_view at(std::size_t i) const {
    return {bytes_.data() + offsets_[i], static_cast<std::size_t>(offsets_[i + 1] - offsets_[i])};
  }
  void push_back(std::string_view s) {
    bytes_.append(s);
    offsets_.push_back(bytes_.size());
  }
  void reserve(std::size_t rows, std::size_t bytes) {
    offsets_.reserve(rows + 1);
    bytes_.reserve(bytes);
  }
  std::size_t byte_size() const { return bytes_.size() + offsets_.size() * sizeof(std::uint64_t); }
  /// Appends rows[0], rows[1], ... of `src` (sized once, copied without per-row calls).
  void append_gather(const string_column& src, std::span<const std::uint32_t> rows);
  const std::vector<std::uint64_t>& offsets() const { return offsets_; }
  const std::string& bytes() const { return bytes_; }

 private:
  std::vector<std::uint64_t> offsets_;
  std::string bytes_;
};

class column;

/// Where a gathered column's values came from: row i holds values[codes[i]]. A join sets it on
/// the columns it gathers from a small build side, so that a group-by on them can decide a
/// group once per code instead of hashing every row. The values need not be distinct. It only
/// lives in memory (not on the wire or on disk) and is dropped when the column is written to.
struct column_dictionary {
  std::shared_ptr<const column> values;
  std::vector<std::uint32_t> codes;
};

/// One column of values of a single data_type. BOOLEAN is stored as bytes (0/1), TIME64NS as
/// int64 nanoseconds since the epoch. Copies share their values until one of them is written to
/// (copy on write), so projecting, renaming or passing a column through costs no copy. A
/// reference from a non-const accessor must not be kept across a copy of the column.
class column {
 public:
  using storage = std::variant<std::vector<std::uint8_t>, std::vector<std::int64_t>,
                               std::vector<uint128>, std::vector<double>, string_column>;

  explicit column(data_type t);
  data_type type() const { return type_; }
  std::size_t size() const;
  std::size_t byte_size() const;

  // Typed access; the caller must know the type (checked by std::get). The non-const ones first
  // make the values this column's own.
  const std::vector<std::uint8_t>& bools() const { return std::get<0>(*data_); }
  const std::vector<std::int64_t>& ints() const { return std::get<1>(*data_); }  // int64, time
  const std::vector<uint128>& uint128s() const { return std::get<2>(*data_); }
  const std::vector<double>& floats() const { return std::get<3>(*data_); }
  const string_column& strings() const { return std::get<4>(*data_); }
  std::vector<std::uint8_t>& bools() { return std::get<0>(own()); }
  std::vector<std::int64_t>& ints() { return std::get<1>(own()); }
  std::vector<uint128>& uint128s() { return std::get<2>(own()); }
  std::vector<double>& floats() { return std::get<3>(own()); }
  string_column& strings() { return std::get<4>(own()); }

  void push_bool(bool v) { bools().push_back(v ? 1 : 0); }
  void push_int(std::int64_t v) { ints().push_back(v); }
  void push_uint128(uint128 v) { uint128s().push_back(v); }
  void push_float(double v) { floats().push_back(v); }
  void push_string(std::string_view v) { strings().push_back(v); }

  /// Appends row `row` of `other` (same type) to this column.
  void push_from(const column& other, std::size_t row);
  /// A new column holding the rows of this one where mask[i] != 0.
  column filter(std::span<const std::uint8_t> mask) const;
  /// A new column holding rows[0], rows[1], ... of this one (a gather; rows may repeat).
  column take(std::span<const std::uint32_t> rows) const;
  /// A new column holding rows [begin, begin + count).
  column slice(std::size_t begin, std::size_t count) const;

  /// The dictionary this column's values were gathered from, or nullptr (see column_dictionary).
  /// take, filter and slice carry it over.
  const column_dictionary* dictionary() const { return dictionary_.get(); }
  void set_dictionary(std::shared_ptr<const column_dictionary> d) { dictionary_ = std::move(d); }

 private:
  storage& own() {
    dictionary_.reset();
    if (data_.use_count() != 1) unshare();
    // Pairs with the release of the last other owner's reference count decrement, so its
    // reads of the values happen before this column writes them.
    std::atomic_thread_fence(std::memory_order_acquire);
    return *data_;
  }
  void unshare();

  data_type type_;
  std::shared_ptr<storage> data_;
  std::shared_ptr<const column_dictionary> dictionary_;
};

/// A set of equally long columns. Batches do not carry their relation: the producing table or
/// operator knows it.
struct row_batch {
  std::vector<column> columns;

  std::size_t num_rows() const { return columns.empty() ? 0 : columns.front().size(); }
  std::size_t byte_size() const;
  /// Rows [begin, begin + count) of every column.
  row_batch slice(std::size_t begin, std::size_t count) const;
};

using row_batch_ptr = std::shared_ptr<const row_batch>;

/// Empty columns of the relation's types, ready to be appended to.
row_batch make_empty_batch(const relation& rel);

/// True if the batch has one column per relation column, of the same type, all of equal length.
bool matches(const row_batch& batch, const relation& rel);

}  // namespace wisp::schemas
