#pragma once
// redis_events: one row per stitched Redis request/reply pair (or pushed message), with Pixie's
// exact columns and meanings (facts §1.2). time_ is the reply time; latency = reply ts -
// request ts (0 for pushed messages, which have no request).

#include "schemas/canonical.hpp"

namespace wisp::schemas {

inline constexpr table_def<12> redis_events{
  "redis_events",
  "Redis request-response pair events",
  {{
    WISP_CANONICAL_COLUMNS,
    {"req_cmd", data_type::string, semantic_type::st_none,
     "Request command, multi-word commands kept together (e.g. CLIENT SETNAME)"},
    {"req_args", data_type::string, semantic_type::st_none,
     "Request arguments: a JSON object keyed by argument name, or a JSON array"},
    {"resp", data_type::string, semantic_type::st_none, "Response; arrays as JSON"},
    {"latency", data_type::int64, semantic_type::st_duration_ns, "Response time minus request time"},
  }}};

}  // namespace wisp::schemas
