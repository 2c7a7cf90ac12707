#pragma once
// The eight canonical columns (facts §1.0) every protocol row starts with, filled from the
// connection. Columns are looked up by name in the table's constexpr definition.

#include <cstdint>

#include "actors/protocols/common/socket_events.hpp"
#include "schemas/relation.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::protocols {

/// Appends time_ and the connection's columns to one row of `batch` (built for Table, a
/// schemas::table_def; a template argument so that its columns resolve at compile time).
template <const auto& Table>
void append_canonical_columns(schemas::row_batch& batch, const conn_meta& meta, std::int64_t time_ns) {
  auto& c = batch.columns;
  c[Table.col("time_")].push_int(time_ns);
  c[Table.col("upid")].push_uint128(meta.upid);
  c[Table.col("remote_addr")].push_string(meta.remote.addr);
  c[Table.col("remote_port")].push_int(meta.remote.port);
  c[Table.col("local_addr")].push_string(meta.local.addr);
  c[Table.col("local_port")].push_int(meta.local.port);
  c[Table.col("trace_role")].push_int(static_cast<std::int64_t>(meta.role));
  c[Table.col("encrypted")].push_bool(meta.encrypted);
}

}  // namespace wisp::protocols
