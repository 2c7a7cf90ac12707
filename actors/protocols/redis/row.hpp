#pragma once
// redis::record -> one redis_events row (schemas/redis_events.hpp), with Pixie's column
// meanings (facts §1.2): time_ is the reply's time, req_cmd the command, req_args and resp the
// texts the parser rendered (already cut to its limit, see parse.hpp). Called by the parser
// actor for each record of a tracker whose role policy accepted the connection.

#include "actors/protocols/common/socket_events.hpp"
#include "actors/protocols/redis/stitch.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::protocols::redis {

/// Appends one row. `batch` must have redis_events' columns (schemas::make_empty_batch).
void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r);

}  // namespace wisp::protocols::redis
