#include "actors/protocols/cql/row.hpp"

#include "actors/protocols/common/row.hpp"
#include "schemas/cql_events.hpp"

namespace wisp::protocols::cql {

using schemas::cql_events;

void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r, const row_options& options) {
  append_canonical_columns<cql_events>(batch, meta, r.resp.timestamp_ns);
  auto& c = batch.columns;
  c[cql_events.col("req_op")].push_int(static_cast<std::int64_t>(r.req.op));
  c[cql_events.col("req_body")].push_string(truncate_text(r.req.body, options.max_body_bytes));
  c[cql_events.col("resp_op")].push_int(static_cast<std::int64_t>(r.resp.op));
  c[cql_events.col("resp_body")].push_string(truncate_text(r.resp.body, options.max_body_bytes));
  c[cql_events.col("latency")].push_int(r.resp.timestamp_ns - r.req.timestamp_ns);
}

}  // namespace wisp::protocols::cql
