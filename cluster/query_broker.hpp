#pragma once
// The query broker (the planner actor of a standalone node): compiles a PxL request, answers
// compile errors and --explain at once, and otherwise spawns one query actor that runs the plan
// as a pipeline of operator actors and streams the result tables back through the reply
// function, ending with Done and the node's loss counters.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/atoms.hpp"
#include "actors/protocols/parser_actor.hpp"
#include "actors/sources/socket_tracer.hpp"
#include "actors/tables/table_directory.hpp"
#include "actors/tables/table_shard.hpp"
#include "actors/tracepoints/tracepoint_manager.hpp"
#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"
#include "cluster/client_endpoint.hpp"
#include "cluster/gateway_actor.hpp"

namespace wisp::cluster {

/// The node the broker runs on, as px.GetAgentStatus reports it. In standalone mode the broker
/// and the one agent are the same process, so the agent is always healthy and its last
/// heartbeat is "now".
struct agent_info {
  schemas::uint128 agent_id;          // random, chosen at start
  std::int64_t asid = 0;              // as px.asid() answers
  std::string hostname;
  std::string ip_address;
  std::int64_t start_time_ns = 0;     // wall clock at daemon start
  bool kernel_headers_installed = false;
};

/// What the broker reads from: the table shards, the actors whose loss counters go with every
/// result, and the agents that px.GetAgentStatus lists.
struct broker_deps {
  std::map<std::string, tables::table_shard_actor> tables;
  std::vector<sources::socket_tracer_actor> tracers;
  std::vector<protocols::parser_actor> parsers;
  std::vector<agent_info> agents;
  /// Tables made at run time (tracepoints), their manager, and its published status.
  std::shared_ptr<tables::table_directory> dynamic_tables = std::make_shared<tables::table_directory>();
  std::optional<tracepoints::tracepoint_manager_actor> tracepoint_manager;
  std::shared_ptr<tracepoints::status_board> tracepoint_status = std::make_shared<tracepoints::status_board>();
  /// Set on a broker (--role=broker): the gateway (its registry of agents is read directly,
  /// messages go through its actor). Queries are then split by the planner and run on the
  /// agents that hold their tables.
  std::shared_ptr<broker_gateway> gateway;
  std::optional<broker_gateway_actor> gateway_actor;
};

using query_broker_actor = caf::typed_actor<
    caf::reacts_to<actors::run_atom, std::uint64_t, wire::query_request, client_identity, reply_fn>>;

query_broker_actor spawn_query_broker(caf::actor_system& sys, broker_deps deps);

}  // namespace wisp::cluster

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wisp::wire::query_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wisp::cluster::reply_fn)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wisp::cluster::client_identity)
