#pragma once
// kafka::record -> one kafka_events.beta row (schemas/kafka_events.hpp), with Pixie's column
// meanings (facts §1.2, §4.7): time_ is the request's time, req_cmd the API key, client_id cut
// to max_body_bytes (512), req_body and resp the JSON bodies cut to 65536 bytes, latency the
// response's time minus the request's (0 for a request that gets no response).

#include "actors/protocols/common/socket_events.hpp"
#include "actors/protocols/kafka/stitch.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::protocols::kafka {

/// Appends one row. `batch` must have kafka_events' columns (schemas::make_empty_batch).
void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r);

}  // namespace wisp::protocols::kafka
