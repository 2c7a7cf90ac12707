#include "actors/protocols/redis/row.hpp"

#include "actors/protocols/common/row.hpp"
#include "schemas/redis_events.hpp"

namespace wisp::protocols::redis {

using schemas::redis_events;

void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r) {
  append_canonical_columns<redis_events>(batch, meta, r.resp.timestamp_ns);
  auto& c = batch.columns;
  c[redis_events.col("req_cmd")].push_string(r.req.command);
  c[redis_events.col("req_args")].push_string(r.req.payload);
  c[redis_events.col("resp")].push_string(r.resp.payload);
  c[redis_events.col("latency")].push_int(r.resp.timestamp_ns - r.req.timestamp_ns);
}

}  // namespace wisp::protocols::redis
