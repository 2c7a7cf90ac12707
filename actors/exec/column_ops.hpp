#pragma once
// Column helpers shared by the operators that hash keys or assemble output rows from several
// inputs (aggregate, join, union): hashing and comparing key columns, appending row ranges and
// zero values, without per-row allocation.

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

/// Hashes of every row's key columns (out is resized to the batch's rows), column by column.
/// Equal for rows that keys_equal says are equal (-0.0 and 0.0, and all NaNs, hash alike).
void hash_rows(const schemas::row_batch& b, const std::vector<std::size_t>& keys,
               std::vector<std::uint64_t>& out);

/// How keys_equal treats NaN: a join key NaN matches nothing (as ==); a group key NaN is one
/// group.
enum class nan_rule : std::uint8_t { never_equal, one_group };

/// True if row `ar` of `a` (columns `a_keys`) equals row `br` of `b` (columns `b_keys`),
/// column by column (same types).
bool keys_equal(const schemas::row_batch& a, const std::vector<std::size_t>& a_keys, std::size_t ar,
                const schemas::row_batch& b, const std::vector<std::size_t>& b_keys, std::size_t br,
                nan_rule nans = nan_rule::never_equal);

}  // namespace wisp::exec
