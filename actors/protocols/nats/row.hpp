#pragma once
// nats::record -> one nats_events.beta row (schemas/nats_events.hpp), with Pixie's column
// meanings (facts §1.2): time_ is the message's time (the request's, not the acknowledgement's),
// cmd the operation, body its JSON (cut to Pixie's default string limit), resp "OK" or "ERR" for
// an acknowledged message, else empty. Called by the parser actor for each record of a tracker
// whose role policy accepted the connection.

#include "actors/protocols/common/socket_events.hpp"
#include "actors/protocols/nats/stitch.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::protocols::nats {

/// Appends one row. `batch` must have nats_events' columns (schemas::make_empty_batch).
void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r);

}  // namespace wisp::protocols::nats
