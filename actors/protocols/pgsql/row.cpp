#include "actors/protocols/pgsql/row.hpp"

#include "actors/protocols/common/row.hpp"
#include "actors/protocols/pgsql/message.hpp"
#include "schemas/pgsql_events.hpp"

namespace wisp::protocols::pgsql {

using schemas::pgsql_events;

void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r,
                const row_options& options) {
  append_canonical_columns<pgsql_events>(batch, meta, r.resp_timestamp_ns);
  auto& c = batch.columns;
  c[pgsql_events.col("req_cmd")].push_string(request_name(r.req_tag));
  c[pgsql_events.col("req")].push_string(truncate_text(r.req, options.max_string_bytes));
  c[pgsql_events.col("resp")].push_string(truncate_text(r.resp, options.max_string_bytes));
  c[pgsql_events.col("latency")].push_int(r.resp_timestamp_ns - r.req_timestamp_ns);
}

}  // namespace wisp::protocols::pgsql
