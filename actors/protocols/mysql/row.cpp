#include "actors/protocols/mysql/row.hpp"

#include "actors/protocols/common/row.hpp"
#include "schemas/mysql_events.hpp"

namespace wisp::protocols::mysql {

using schemas::mysql_events;

void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r,
                const row_options& options) {
  append_canonical_columns<mysql_events>(batch, meta, r.resp_timestamp_ns);
  auto& c = batch.columns;
  c[mysql_events.col("req_cmd")].push_int(r.req_cmd);
  c[mysql_events.col("req_body")].push_string(truncate_text(r.req_body, options.max_body_bytes));
  c[mysql_events.col("resp_status")].push_int(static_cast<std::int64_t>(r.status));
  c[mysql_events.col("resp_body")].push_string(truncate_text(r.resp_body, options.max_body_bytes));
  c[mysql_events.col("latency")].push_int(r.resp_timestamp_ns - r.req_timestamp_ns);
}

}  // namespace wisp::protocols::mysql
