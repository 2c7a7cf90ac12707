#pragma once
// pgsql_events: one row per stitched PostgreSQL request and its answer, with Pixie's exact
// columns and meanings (facts §1.2). time_ is the response time; latency = response ts - request
// ts; req_cmd is the request's name ("Query", "Parse", "Bind", "Describe", "Execute", ...).

#include "schemas/canonical.hpp"

namespace wisp::schemas {

inline constexpr table_def<12> pgsql_events{
  "pgsql_events",
  "Postgres (pgsql) request-response pair events",
  {{
    WISP_CANONICAL_COLUMNS,
    {"req_cmd", data_type::string, semantic_type::st_none, "PostgreSQL request command name"},
    {"req", data_type::string, semantic_type::st_none, "PostgreSQL request body"},
    {"resp", data_type::string, semantic_type::st_none, "PostgreSQL response body"},
    {"latency", data_type::int64, semantic_type::st_duration_ns, "Response time minus request time"},
  }}};

}  // namespace wisp::schemas
