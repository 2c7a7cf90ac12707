#pragma once
// The eight canonical columns that lead every protocol table (facts §1.0), and the trace_role
// values PxL scripts depend on.

#include <cstdint>

#include "schemas/relation.hpp"

namespace wisp::schemas {

enum class trace_role : std::int64_t { client = 1, server = 2, unknown = 4 };

// A macro because designated aggregate lists cannot be spliced from a constexpr array.
#define WISP_CANONICAL_COLUMNS                                                                     \
  {"time_", ::wisp::schemas::data_type::time64ns, ::wisp::schemas::semantic_type::st_time_ns,       \
   "Timestamp when the data record was collected"},                                                \
  {"upid", ::wisp::schemas::data_type::uint128, ::wisp::schemas::semantic_type::st_upid,            \
   "An opaque numeric ID that globally identifies a running process"},                            \
  {"remote_addr", ::wisp::schemas::data_type::string, ::wisp::schemas::semantic_type::st_ip_address, \
   "IP address of the remote endpoint"},                                                            \
  {"remote_port", ::wisp::schemas::data_type::int64, ::wisp::schemas::semantic_type::st_port,       \
   "Port of the remote endpoint"},                                                                  \
  {"local_addr", ::wisp::schemas::data_type::string, ::wisp::schemas::semantic_type::st_ip_address, \
   "IP address of the local endpoint"},                                                             \
  {"local_port", ::wisp::schemas::data_type::int64, ::wisp::schemas::semantic_type::st_port,        \
   "Port of the local endpoint"},                                                                   \
  {"trace_role", ::wisp::schemas::data_type::int64, ::wisp::schemas::semantic_type::st_none,        \
   "The role (client-or-server) of the process that owns the connections: 1 client, 2 server"},   \
  {"encrypted", ::wisp::schemas::data_type::boolean, ::wisp::schemas::semantic_type::st_none,       \
   "Whether the traffic was encrypted (captured from a TLS library)"}

}  // namespace wisp::schemas
