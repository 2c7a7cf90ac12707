#include "actors/protocols/kafka/row.hpp"

#include "actors/protocols/common/row.hpp"
#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/kafka/parse.hpp"
#include "schemas/kafka_events.hpp"

namespace wisp::protocols::kafka {

using schemas::kafka_events;

void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r) {
  append_canonical_columns<kafka_events>(batch, meta, r.req.timestamp_ns);
  auto& c = batch.columns;
  c[kafka_events.col("req_cmd")].push_int(r.req.api_key);
  c[kafka_events.col("client_id")].push_string(truncate_text(r.req.client_id, default_max_body_bytes));
  c[kafka_events.col("req_body")].push_string(truncate_text(r.req.body, max_json_bytes));
  c[kafka_events.col("resp")].push_string(truncate_text(r.resp.body, max_json_bytes));
  c[kafka_events.col("latency")].push_int(r.resp.timestamp_ns != 0 ? r.resp.timestamp_ns - r.req.timestamp_ns : 0);
}

}  // namespace wisp::protocols::kafka
