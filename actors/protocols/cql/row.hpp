#pragma once
// cql::record -> one cql_events row (schemas/cql_events.hpp), with Pixie's column meanings
// (facts §1.2): time_ is the response time, req_op / resp_op the opcodes, the bodies as
// body.hpp renders them cut to max_body_bytes (Pixie's 512), latency = response - request.

#include <cstddef>

#include "actors/protocols/common/socket_events.hpp"
#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/cql/stitch.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::protocols::cql {

struct row_options {
  /// req_body and resp_body longer than this are cut and get protocols::truncated_suffix.
  std::size_t max_body_bytes = default_max_body_bytes;
};

/// Appends one row. `batch` must have cql_events' columns (schemas::make_empty_batch).
void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r,
                const row_options& options = {});

}  // namespace wisp::protocols::cql
