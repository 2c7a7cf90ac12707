#pragma once
// pgsql::record -> one pgsql_events row (schemas/pgsql_events.hpp), with Pixie's column meanings
// (facts §1.2, §4.7): req_cmd is the request's name, req and resp the rendered texts cut at
// max_string_bytes with "... [TRUNCATED]", time_ the response time. Called by the parser actor
// for each record of a tracker whose role policy accepted the connection.

#include <cstddef>

#include "actors/protocols/common/socket_events.hpp"
#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/pgsql/stitch.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::protocols::pgsql {

struct row_options {
  /// req and resp longer than this are cut and get protocols::truncated_suffix.
  std::size_t max_string_bytes = default_max_string_bytes;
};

/// Appends one row. `batch` must have pgsql_events' columns (schemas::make_empty_batch).
void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r,
                const row_options& options = {});

}  // namespace wisp::protocols::pgsql
