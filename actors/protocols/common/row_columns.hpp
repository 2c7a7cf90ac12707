#pragma once
// Column rules every protocol's row builder shares: the eight canonical columns that lead each
// protocol table (facts §1.0) and Pixie's cut of long string columns (facts §4.7).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "actors/protocols/common/socket_events.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::protocols {

inline constexpr std::string_view truncated_suffix = "... [TRUNCATED]";
/// Pixie's record builder cuts any string column it is not told otherwise about at this size.
inline constexpr std::size_t default_max_string_bytes = 1024;

/// `s` cut to max_bytes with truncated_suffix appended if it was longer.
std::string truncate_column(std::string_view s, std::size_t max_bytes);

/// Appends time_, upid, remote_addr, remote_port, local_addr, local_port, trace_role and
/// encrypted to the batch of `table` (a schemas table_def whose columns start with them).
template <const auto& table>
void append_canonical_columns(schemas::row_batch& batch, const conn_meta& meta, std::int64_t time_ns) {
  auto& c = batch.columns;
  c[table.col("time_")].push_int(time_ns);
  c[table.col("upid")].push_uint128(meta.upid);
  c[table.col("remote_addr")].push_string(meta.remote.addr);
  c[table.col("remote_port")].push_int(meta.remote.port);
  c[table.col("local_addr")].push_string(meta.local.addr);
  c[table.col("local_port")].push_int(meta.local.port);
  c[table.col("trace_role")].push_int(static_cast<std::int64_t>(meta.role));
  c[table.col("encrypted")].push_bool(meta.encrypted);
}

}  // namespace wisp::protocols
