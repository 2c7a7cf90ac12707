#pragma once
// mysql_events: one row per stitched MySQL command and its answer, with Pixie's exact columns and
// meanings (facts §1.2). time_ is the response time (the request's for commands without an
// answer); latency = response ts - request ts; req_cmd is the command byte (0x03 Query, 0x16
// StmtPrepare, 0x17 StmtExecute, ...); resp_status 0 unknown, 1 none, 2 OK, 3 Err.

#include "schemas/canonical.hpp"

namespace wisp::schemas {

inline constexpr table_def<13> mysql_events{
  "mysql_events",
  "MySQL request-response pair events",
  {{
    WISP_CANONICAL_COLUMNS,
    {"req_cmd", data_type::int64, semantic_type::st_none, "MySQL request command"},
    {"req_body", data_type::string, semantic_type::st_none, "MySQL request body"},
    {"resp_status", data_type::int64, semantic_type::st_none, "MySQL response status code"},
    {"resp_body", data_type::string, semantic_type::st_none, "MySQL response body"},
    {"latency", data_type::int64, semantic_type::st_duration_ns, "Response time minus request time"},
  }}};

}  // namespace wisp::schemas
