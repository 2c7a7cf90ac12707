#include "actors/protocols/redis/row.hpp"

#include "schemas/redis_events.hpp"

namespace wisp::protocols::redis {

using schemas::redis_events;

void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r) {
  auto& c = batch.columns;
  c[redis_events.col("time_")].push_int(r.resp.timestamp_ns);
  c[redis_events.col("upid")].push_uint128(meta.upid);
  c[redis_events.col("remote_addr")].push_string(meta.remote.addr);
  c[redis_events.col("remote_port")].push_int(meta.remote.port);
  c[redis_events.col("local_addr")].push_string(meta.local.addr);
  c[redis_events.col("local_port")].push_int(meta.local.port);
  c[redis_events.col("trace_role")].push_int(static_cast<std::int64_t>(meta.role));
  c[redis_events.col("encrypted")].push_bool(meta.encrypted);
  c[redis_events.col("req_cmd")].push_string(r.req.command);
  c[redis_events.col("req_args")].push_string(r.req.payload);
  c[redis_events.col("resp")].push_string(r.resp.payload);
  c[redis_events.col("latency")].push_int(r.resp.timestamp_ns - r.req.timestamp_ns);
}

}  // namespace wisp::protocols::redis
