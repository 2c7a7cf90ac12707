#pragma once
// mysql::record -> one mysql_events row (schemas/mysql_events.hpp), with Pixie's column meanings
// (facts §1.2, §4.7): req_cmd the command byte, req_body and resp_body cut at max_body_bytes
// (Pixie's max_body_bytes, 512) with "... [TRUNCATED]", resp_status Pixie's enum, time_ the
// response time. Called by the parser actor for each record of a tracker whose role policy
// accepted the connection.

#include <cstddef>

#include "actors/protocols/common/socket_events.hpp"
#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/mysql/stitch.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::protocols::mysql {

struct row_options {
  /// req_body and resp_body longer than this are cut and get protocols::truncated_suffix.
  std::size_t max_body_bytes = default_max_body_bytes;
};

/// Appends one row. `batch` must have mysql_events' columns (schemas::make_empty_batch).
void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r,
                const row_options& options = {});

}  // namespace wisp::protocols::mysql
