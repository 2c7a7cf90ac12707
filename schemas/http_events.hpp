#pragma once
// http_events: one row per stitched HTTP request/response pair, with Pixie's exact columns and
// meanings (facts §1.2). time_ is the response time; latency = response ts - request ts.

#include "schemas/canonical.hpp"

namespace wisp::schemas {

inline constexpr table_def<22> http_events{
  "http_events",
  "HTTP request-response pair events",
  {{
    WISP_CANONICAL_COLUMNS,
    {"major_version", data_type::int64, semantic_type::st_none, "HTTP major version, 1 or 2"},
    {"minor_version", data_type::int64, semantic_type::st_none, "HTTP minor version (0 for HTTP/2)"},
    {"content_type", data_type::int64, semantic_type::st_none,
     "Content type of the payload: 0 unknown, 1 JSON, 2 gRPC"},
    {"req_headers", data_type::string, semantic_type::st_none, "Request headers as a JSON object"},
    {"req_method", data_type::string, semantic_type::st_http_req_method, "HTTP request method"},
    {"req_path", data_type::string, semantic_type::st_none, "Request path including the query string"},
    {"req_body", data_type::string, semantic_type::st_none, "Request body, truncated"},
    {"req_body_size", data_type::int64, semantic_type::st_bytes, "Request body size before truncation"},
    {"resp_headers", data_type::string, semantic_type::st_none, "Response headers as a JSON object"},
    {"resp_status", data_type::int64, semantic_type::st_http_resp_status, "HTTP response status code"},
    {"resp_message", data_type::string, semantic_type::st_http_resp_message, "HTTP response reason phrase"},
    {"resp_body", data_type::string, semantic_type::st_none, "Response body, truncated"},
    {"resp_body_size", data_type::int64, semantic_type::st_bytes, "Response body size before truncation"},
    {"latency", data_type::int64, semantic_type::st_duration_ns, "Response time minus request time"},
  }}};

}  // namespace wisp::schemas
