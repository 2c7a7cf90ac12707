#pragma once
// dns_events: one row per stitched DNS query and its answer, with Pixie's exact columns and
// meanings (facts §1.2). time_ is the response time; latency = response ts - request ts. The
// headers and bodies are JSON (see actors/protocols/dns/row.hpp for their shape).

#include "schemas/canonical.hpp"

namespace wisp::schemas {

inline constexpr table_def<13> dns_events{
  "dns_events",
  "DNS request-response pair events",
  {{
    WISP_CANONICAL_COLUMNS,
    {"req_header", data_type::string, semantic_type::st_none,
     "Request header as JSON: txid, qr, opcode, aa, tc, rd, ra, ad, cd, rcode and the four counts"},
    {"req_body", data_type::string, semantic_type::st_none, "Request questions as JSON: {\"queries\":[{name,type}]}"},
    {"resp_header", data_type::string, semantic_type::st_none, "Response header as JSON, same keys as req_header"},
    {"resp_body", data_type::string, semantic_type::st_none,
     "Response answers as JSON: {\"answers\":[{name,type,addr or cname}]}"},
    {"latency", data_type::int64, semantic_type::st_duration_ns, "Response time minus request time"},
  }}};

}  // namespace wisp::schemas
