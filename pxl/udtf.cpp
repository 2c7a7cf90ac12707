#include "pxl/udtf.hpp"

#include <algorithm>
#include <array>

namespace wisp::pxl {

namespace {

using schemas::data_type;
using st = schemas::semantic_type;

schemas::column_info col(std::string name, data_type t, std::string desc, st s = st::st_none) {
  return {std::move(name), t, s, std::move(desc)};
}

std::vector<udtf_def> make_udtfs() {
  const std::string broker = "broker";
  std::vector<udtf_def> out;
  out.push_back({"GetTables", broker, {},
                 {{col("table_name", data_type::string, "name of the table"),
                   col("table_desc", data_type::string, "what the table holds")}}});
  out.push_back({"GetSchemas", broker, {},
                 {{col("table_name", data_type::string, "name of the table"),
                   col("column_name", data_type::string, "name of the column"),
                   col("column_type", data_type::string, "data type (BOOLEAN, INT64, UINT128, FLOAT64, STRING, TIME64NS)"),
                   col("pattern_type", data_type::string, "value pattern of the column; Wisp's schemas have none yet: UNSPECIFIED"),
                   col("column_desc", data_type::string, "what the column holds")}}});
  const schemas::relation function_list{{col("name", data_type::string, "function name (px.<name>)"),
                                         col("return_type", data_type::string, "data type of the result"),
                                         col("args", data_type::string, "argument data types, comma separated")}};
  out.push_back({"GetUDFList", broker, {}, function_list});
  out.push_back({"GetUDAList", broker, {}, function_list});
  out.push_back({"GetUDTFList", broker, {},
                 {{col("name", data_type::string, "table function name (px.<name>)"),
                   col("executor", data_type::string, "where it runs"),
                   col("init_args", data_type::string, "arguments: name TYPE [= default], comma separated"),
                   col("output_relation", data_type::string, "output columns: name TYPE, comma separated")}}});
  out.push_back({"GetAgentStatus", broker, {{"include_kelvin", data_type::boolean, scalar::of_bool(true)}},
                 {{col("agent_id", data_type::uint128, "unique id of the agent (random at agent start)"),
                   col("asid", data_type::int64, "short agent id used in UPIDs", st::st_asid),
                   col("hostname", data_type::string, "host name of the agent's node"),
                   col("ip_address", data_type::string, "IP address of the agent's node"),
                   col("agent_state", data_type::string, "AGENT_STATE_HEALTHY or AGENT_STATE_UNRESPONSIVE"),
                   col("create_time", data_type::time64ns, "when the agent started"),
                   col("last_heartbeat_ns", data_type::int64, "nanoseconds since the agent last reported", st::st_duration_ns),
                   col("kernel_headers_installed", data_type::boolean,
                       "kernel headers present on the node (Wisp needs only BTF, never headers)")}}});
  out.push_back({"GetTracepointStatus", broker, {},
                 {{col("tracepoint_id", data_type::uint128, "unique id of the tracepoint"),
                   col("name", data_type::string, "name given to pxtrace.UpsertTracepoint"),
                   col("state", data_type::string, "PENDING, RUNNING, FAILED or TERMINATED"),
                   col("status", data_type::string, "why it failed or ended, or what it runs"),
                   col("output_tables", data_type::string, "the tables it writes, as a JSON list")}}});
  return out;
}

// Pixie's UDTFs (facts §7) that Wisp does not run yet.
constexpr std::array<std::string_view, 7> pending{
    "GetProfilerSamplingPeriodMS", "GetLinuxHeadersStatus", "GetCronScriptHistory",
    "_DebugMDState",               "_DebugMDGetWithPrefix", "_DebugTableInfo",
    "Version"};

}  // namespace

const std::vector<udtf_def>& builtin_udtfs() {
  static const std::vector<udtf_def> all = make_udtfs();
  return all;
}

const udtf_def* find_udtf(std::string_view name) {
  for (const auto& u : builtin_udtfs())
    if (u.name == name) return &u;
  return nullptr;
}

bool is_pending_udtf(std::string_view name) {
  return std::find(pending.begin(), pending.end(), name) != pending.end();
}

}  // namespace wisp::pxl
