#pragma once
// conn_stats: connection-level counters per (process, remote endpoint, role), Pixie's columns and
// meanings (facts §1.2). Cumulative since tracing began; a row for a key at each emission after
// it changed. remote_port is 0 when the local process is the server (client ports collapse).

#include "schemas/canonical.hpp"

namespace wisp::schemas {

/// addr_family values.
enum class addr_family : std::int64_t { unspecified = 0, ipv4 = 1, ipv6 = 2, unix_socket = 3, other = 4 };

inline constexpr table_def<13> conn_stats{
  "conn_stats",
  "Connection-level stats. This table contains statistics on the communications made between "
  "client-server pairs.",
  {{
    {"time_", data_type::time64ns, semantic_type::st_time_ns, "Timestamp when the data record was collected"},
    {"upid", data_type::uint128, semantic_type::st_upid,
     "An opaque numeric ID that globally identifies a running process"},
    {"remote_addr", data_type::string, semantic_type::st_ip_address, "IP address of the remote endpoint"},
    {"remote_port", data_type::int64, semantic_type::st_port,
     "Port of the remote endpoint (0 when the local process is the server)"},
    {"trace_role", data_type::int64, semantic_type::st_none,
     "The role of the local process: 1 client, 2 server, 4 unknown"},
    {"addr_family", data_type::int64, semantic_type::st_none,
     "Address family: 0 unspecified, 1 IPv4, 2 IPv6, 3 unix, 4 other"},
    {"protocol", data_type::int64, semantic_type::st_none,
     "The protocol of the traffic (Pixie's traffic_protocol numbers; 0 unknown)"},
    {"ssl", data_type::boolean, semantic_type::st_none, "Whether the connection uses TLS"},
    {"conn_open", data_type::int64, semantic_type::st_none, "Connections opened since tracing began"},
    {"conn_close", data_type::int64, semantic_type::st_none, "Connections closed since tracing began"},
    {"conn_active", data_type::int64, semantic_type::st_none, "Connections open now"},
    {"bytes_sent", data_type::int64, semantic_type::st_bytes, "Bytes sent to the remote endpoint"},
    {"bytes_recv", data_type::int64, semantic_type::st_bytes, "Bytes received from the remote endpoint"},
  }}};

}  // namespace wisp::schemas
