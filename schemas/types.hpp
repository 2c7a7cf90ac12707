#pragma once
// Column types of Wisp's data model. The numbering is Pixie's (facts §1.0) so that enum values
// seen by PxL scripts and in GetSchemas output match.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wisp::schemas {

enum class data_type : std::uint8_t {
  unknown = 0,
  boolean = 1,
  int64 = 2,
  uint128 = 3,
  float64 = 4,
  string = 5,
  time64ns = 6,
};

enum class semantic_type : std::uint16_t {
  st_unspecified = 0,
  st_none = 1,
  st_time_ns = 2,
  st_agent_uid = 100,
  st_asid = 101,
  st_upid = 200,
  st_service_name = 300,
  st_pod_name = 400,
  st_pod_phase = 401,
  st_pod_status = 402,
  st_node_name = 500,
  st_container_name = 600,
  st_container_state = 601,
  st_container_status = 602,
  st_namespace_name = 700,
  st_bytes = 800,
  st_percent = 900,
  st_duration_ns = 901,
  st_throughput_per_ns = 902,
  st_throughput_bytes_per_ns = 903,
  st_quantiles = 1000,
  st_duration_ns_quantiles = 1001,
  st_ip_address = 1100,
  st_port = 1200,
  st_http_req_method = 1300,
  st_http_resp_status = 1400,
  st_http_resp_message = 1500,
  st_script_reference = 3000,
};

/// Pixie's UINT128 (UPIDs): high and low 64-bit halves.
struct uint128 {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  friend constexpr auto operator<=>(const uint128&, const uint128&) = default;
};

/// Rendered as a UUID string, as Pixie renders UPIDs: 8-4-4-4-12 hex digits.
std::string to_string(const uint128& x);
/// The inverse of to_string (a UUID: 32 hex digits, dashes anywhere ignored); nullopt otherwise.
std::optional<uint128> uint128_from_string(std::string_view s);

/// Nanoseconds since the Unix epoch, now: the clock of every time_ column and of cluster heartbeats.
std::int64_t wall_clock_ns();

/// "BOOLEAN", "INT64", ... (Pixie's enum names).
std::string_view to_string(data_type t);
std::string_view to_string(semantic_type t);

/// The in-memory size of one value of a fixed-width type (0 for strings and unknown).
constexpr std::size_t fixed_width(data_type t) {
  switch (t) {
    case data_type::boolean: return 1;
    case data_type::int64:
    case data_type::float64:
    case data_type::time64ns: return 8;
    case data_type::uint128: return 16;
    default: return 0;
  }
}

}  // namespace wisp::schemas
