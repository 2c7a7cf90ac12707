#pragma once
// kafka_events.beta: one row per Kafka request and its response, seen on the server side, with
// Pixie's exact table name and columns (facts §1.2). time_ is the request's time (not the
// response's, unlike most tables); req_cmd is the API key (0 Produce, 1 Fetch, 2 ListOffsets,
// 3 Metadata, 8 OffsetCommit, 9 OffsetFetch, 10 FindCoordinator, 11 JoinGroup, 12 Heartbeat,
// 13 LeaveGroup, 14 SyncGroup, 18 ApiVersions, ...); latency = response ts - request ts.

#include "schemas/canonical.hpp"

namespace wisp::schemas {

inline constexpr table_def<13> kafka_events{
  "kafka_events.beta",
  "Kafka request-response pair events",
  {{
    WISP_CANONICAL_COLUMNS,
    {"req_cmd", data_type::int64, semantic_type::st_none, "Kafka request API key"},
    {"client_id", data_type::string, semantic_type::st_none, "The client_id of the request header"},
    {"req_body", data_type::string, semantic_type::st_none, "Request body as JSON"},
    {"resp", data_type::string, semantic_type::st_none, "Response body as JSON"},
    {"latency", data_type::int64, semantic_type::st_duration_ns, "Response time minus request time"},
  }}};

}  // namespace wisp::schemas
