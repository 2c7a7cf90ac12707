#pragma once
// Column helpers shared by the operators that assemble output rows from several inputs (join,
// union): appending row ranges and zero values without per-row allocation.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "schemas/row_batch.hpp"

namespace wisp::exec {

/// Appends rows [begin, begin + count) of `src` to `dst` (same type).
void append_rows(schemas::column& dst, const schemas::column& src, std::size_t begin,
                 std::size_t count);

/// Appends the type's zero value ("", 0, 0.0, false, 0:0) — the value of a missing join side.
void push_zero(schemas::column& dst);

/// Hash of one row's key columns, equal for rows that keys_equal says are equal (-0.0 and 0.0
/// hash alike).
std::uint64_t hash_row(const schemas::row_batch& b, const std::vector<std::size_t>& keys,
                       std::size_t row);

/// True if row `ar` of `a` (columns `a_keys`) equals row `br` of `b` (columns `b_keys`),
/// column by column (same types). NaN equals nothing, as in ==.
bool keys_equal(const schemas::row_batch& a, const std::vector<std::size_t>& a_keys, std::size_t ar,
                const schemas::row_batch& b, const std::vector<std::size_t>& b_keys, std::size_t br);

}  // namespace wisp::exec
