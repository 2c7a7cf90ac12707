#include "schemas/types.hpp"

#include <chrono>
#include <cstdio>

namespace wisp::schemas {

std::string to_string(const uint128& x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(x.high >> 32), static_cast<unsigned>((x.high >> 16) & 0xffff),
                static_cast<unsigned>(x.high & 0xffff), static_cast<unsigned>(x.low >> 48),
                static_cast<unsigned long long>(x.low & 0xffffffffffffULL));
  return buf;
}

std::int64_t wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<uint128> uint128_from_string(std::string_view s) {
  uint128 out{};
  int digits = 0;
  for (char c : s) {
    if (c == '-') continue;
    int v = 0;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else return std::nullopt;
    if (++digits > 32) return std::nullopt;
    out.high = (out.high << 4) | (out.low >> 60);
    out.low = (out.low << 4) | static_cast<std::uint64_t>(v);
  }
  if (digits != 32) return std::nullopt;
  return out;
}

std::string_view to_string(data_type t) {
  switch (t) {
    case data_type::boolean: return "BOOLEAN";
    case data_type::int64: return "INT64";
    case data_type::uint128: return "UINT128";
    case data_type::float64: return "FLOAT64";
    case data_type::string: return "STRING";
    case data_type::time64ns: return "TIME64NS";
    case data_type::unknown: break;
  }
  return "DATA_TYPE_UNKNOWN";
}

std::string_view to_string(semantic_type t) {
  switch (t) {
    case semantic_type::st_unspecified: return "ST_UNSPECIFIED";
    case semantic_type::st_none: return "ST_NONE";
    case semantic_type::st_time_ns: return "ST_TIME_NS";
    case semantic_type::st_agent_uid: return "ST_AGENT_UID";
    case semantic_type::st_asid: return "ST_ASID";
    case semantic_type::st_upid: return "ST_UPID";
    case semantic_type::st_service_name: return "ST_SERVICE_NAME";
    case semantic_type::st_pod_name: return "ST_POD_NAME";
    case semantic_type::st_pod_phase: return "ST_POD_PHASE";
    case semantic_type::st_pod_status: return "ST_POD_STATUS";
    case semantic_type::st_node_name: return "ST_NODE_NAME";
    case semantic_type::st_container_name: return "ST_CONTAINER_NAME";
    case semantic_type::st_container_state: return "ST_CONTAINER_STATE";
    case semantic_type::st_container_status: return "ST_CONTAINER_STATUS";
    case semantic_type::st_namespace_name: return "ST_NAMESPACE_NAME";
    case semantic_type::st_bytes: return "ST_BYTES";
    case semantic_type::st_percent: return "ST_PERCENT";
    case semantic_type::st_duration_ns: return "ST_DURATION_NS";
    case semantic_type::st_throughput_per_ns: return "ST_THROUGHPUT_PER_NS";
    case semantic_type::st_throughput_bytes_per_ns: return "ST_THROUGHPUT_BYTES_PER_NS";
    case semantic_type::st_quantiles: return "ST_QUANTILES";
    case semantic_type::st_duration_ns_quantiles: return "ST_DURATION_NS_QUANTILES";
    case semantic_type::st_ip_address: return "ST_IP_ADDRESS";
    case semantic_type::st_port: return "ST_PORT";
    case semantic_type::st_http_req_method: return "ST_HTTP_REQ_METHOD";
    case semantic_type::st_http_resp_status: return "ST_HTTP_RESP_STATUS";
    case semantic_type::st_http_resp_message: return "ST_HTTP_RESP_MESSAGE";
    case semantic_type::st_script_reference: return "ST_SCRIPT_REFERENCE";
  }
  return "ST_UNSPECIFIED";
}

}  // namespace wisp::schemas
