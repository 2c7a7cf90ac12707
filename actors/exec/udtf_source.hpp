#pragma once
// The rows of a table function (pxl/udtf.hpp): px.GetTables/GetSchemas read the table catalog,
// px.GetUDFList/GetUDAList/GetUDTFList the function registries, px.GetAgentStatus the agents
// the query broker knows. Pure logic over a `udtf_context`; the UDTF source actor
// (operator_actor.cpp) and run_plan call it.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "pxl/options.hpp"
#include "pxl/plan.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::pxl {
class function_registry;
}

namespace wisp::exec {

/// One agent as px.GetAgentStatus shows it (facts §7).
struct agent_status {
  schemas::uint128 agent_id;
  std::int64_t asid = 0;
  std::string hostname;
  std::string ip_address;
  std::string state = "AGENT_STATE_HEALTHY";
  std::int64_t create_time_ns = 0;
  std::int64_t last_heartbeat_ns = 0;  // nanoseconds since the agent last reported
  bool kernel_headers_installed = false;
  bool is_kelvin = false;  // a merge-only node; px.GetAgentStatus(False) leaves it out
};

/// One tracepoint as px.GetTracepointStatus shows it (facts §7).
struct tracepoint_row {
  schemas::uint128 id;
  std::string name;
  std::string state;  // PENDING, RUNNING, FAILED, TERMINATED
  std::string status;  // why (failed, terminated) or what runs
  std::vector<std::string> tables;
};

/// The node state UDTFs read. Provided by the query broker; the defaults serve tests.
struct udtf_context {
  pxl::table_catalog tables = pxl::table_catalog::builtin();
  const pxl::function_registry* functions = nullptr;  // nullptr: the built-in registry
  /// The agents of the cluster, asked at query time; unset: px.GetAgentStatus is an error
  /// (no agent registry here).
  std::function<std::vector<agent_status>()> agents;
  /// The node's tracepoints; unset: px.GetTracepointStatus is an error (no manager here).
  std::function<std::vector<tracepoint_row>()> tracepoints;
};

struct udtf_rows {
  std::vector<schemas::row_batch_ptr> batches;  // non-empty batches of at most udtf_batch_rows
  std::string error;                            // non-empty: the UDTF could not run
};

/// Rows per output batch (Pixie's UDTF source: 1024).
inline constexpr std::size_t udtf_batch_rows = 1024;

/// Runs the UDTF of a typed node; the batches match `node.output`.
[[nodiscard]] udtf_rows run_udtf(const pxl::plan_node& node, const udtf_context& ctx);

}  // namespace wisp::exec
