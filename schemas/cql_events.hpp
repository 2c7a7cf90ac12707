#pragma once
// cql_events: one row per stitched Cassandra CQL request and its response (or per pushed EVENT),
// with Pixie's exact columns and meanings (facts §1.2). time_ is the response time; latency =
// response ts - request ts (0 for EVENTs); req_op / resp_op are the CQL opcodes (Error 0,
// Startup 1, Ready 2, Authenticate 3, Options 5, Supported 6, Query 7, Result 8, Prepare 9,
// Execute 10, Register 11, Event 12, Batch 13, AuthChallenge 14, AuthResponse 15, AuthSuccess 16).

#include "schemas/canonical.hpp"

namespace wisp::schemas {

inline constexpr table_def<13> cql_events{
  "cql_events",
  "Cassandra (CQL) request-response pair events",
  {{
    WISP_CANONICAL_COLUMNS,
    {"req_op", data_type::int64, semantic_type::st_none, "Request opcode"},
    {"req_body", data_type::string, semantic_type::st_none, "Request body"},
    {"resp_op", data_type::int64, semantic_type::st_none, "Response opcode"},
    {"resp_body", data_type::string, semantic_type::st_none, "Response body"},
    {"latency", data_type::int64, semantic_type::st_duration_ns, "Response time minus request time"},
  }}};

}  // namespace wisp::schemas
