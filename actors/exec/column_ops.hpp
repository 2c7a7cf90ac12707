#pragma once
// Column helpers shared by the operators that hash keys or assemble output rows from several
// inputs (aggregate, join, union): hashing and comparing key columns, appending row ranges and
// zero values, without per-row allocation.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "schemas/row_batch.hpp"

namespace wisp::exec {

/// Appends rows [begin, begin + count) of `src` to `dst` (same type).
void append_rows(schemas::column& dst, const schemas::column& src, std::size_t begin,
                 std::size_t count);

/// Appends the type's zero value ("", 0, 0.0, false, 0:0) — the value of a missing join side.
void push_zero(schemas::column& dst);

/// Hashes of every row's key columns (out is resized to the batch's rows), column by column.
/// Equal for rows that keys_equal says are equal (-0.0 and 0.0, and all NaNs, hash alike).
void hash_rows(const schemas::row_batch& b, const std::vector<std::size_t>& keys,
               std::vector<std::uint64_t>& out);

/// The hash hash_rows gives row `row`.
std::uint64_t hash_row(const schemas::row_batch& b, const std::vector<std::size_t>& keys,
                       std::size_t row);

/// How keys_equal treats NaN: a join key NaN matches nothing (as ==); a group key NaN is one
/// group.
enum class nan_rule : std::uint8_t { never_equal, one_group };

namespace detail {
inline std::uint64_t load64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline std::uint64_t load32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
}  // namespace detail

/// Byte equality of two strings, short ones compared by word loads rather than a memcmp call.
inline bool same_bytes(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  if (n > 32) return std::memcmp(x, y, n) == 0;
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8)
      if (detail::load64(x + i) != detail::load64(y + i)) return false;
    return detail::load64(x + n - 8) == detail::load64(y + n - 8);
  }
  if (n >= 4)
    return detail::load32(x) == detail::load32(y) &&
           detail::load32(x + n - 4) == detail::load32(y + n - 4);
  for (std::size_t i = 0; i < n; ++i)
    if (x[i] != y[i]) return false;
  return true;
}

/// The key columns of one batch, reached through plain pointers, so that comparing keys row by
/// row does no variant access. Stale once the batch's columns grow: make a new view.
struct key_view {
  struct key_column {
    schemas::data_type type;
    const void* values;            // the typed vector's data; for strings, the bytes
    const std::uint64_t* offsets;  // strings only
  };

  key_view() = default;
  key_view(const schemas::row_batch& b, const std::vector<std::size_t>& keys);

  std::vector<key_column> columns;
};

/// True if row `ar` of `a` equals row `br` of `b`, column by column (same types). Inline: it
/// runs once per probed row.
inline bool keys_equal(const key_view& a, std::size_t ar, const key_view& b, std::size_t br,
                       nan_rule nans) {
  for (std::size_t i = 0; i < a.columns.size(); ++i) {
    const auto& x = a.columns[i];
    const auto& y = b.columns[i];
    auto at = [](const key_view::key_column& k, std::size_t r, auto type_tag) {
      return static_cast<const decltype(type_tag)*>(k.values)[r];
    };
    switch (x.type) {
      case schemas::data_type::boolean:
        if (at(x, ar, std::uint8_t{}) != at(y, br, std::uint8_t{})) return false;
        break;
      case schemas::data_type::int64:
      case schemas::data_type::time64ns:
        if (at(x, ar, std::int64_t{}) != at(y, br, std::int64_t{})) return false;
        break;
      case schemas::data_type::float64: {
        const double u = at(x, ar, double{}), v = at(y, br, double{});
        if (!(u == v || (nans == nan_rule::one_group && std::isnan(u) && std::isnan(v))))
          return false;
        break;
      }
      case schemas::data_type::uint128:
        if (!(at(x, ar, schemas::uint128{}) == at(y, br, schemas::uint128{}))) return false;
        break;
      case schemas::data_type::string: {
        const auto* xb = static_cast<const char*>(x.values);
        const auto* yb = static_cast<const char*>(y.values);
        if (!same_bytes({xb + x.offsets[ar], x.offsets[ar + 1] - x.offsets[ar]},
                        {yb + y.offsets[br], y.offsets[br + 1] - y.offsets[br]}))
          return false;
        break;
      }
      case schemas::data_type::unknown: return false;
    }
  }
  return true;
}

}  // namespace wisp::exec
