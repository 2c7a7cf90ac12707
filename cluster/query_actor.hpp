#pragma once
// One running query: an actor that spawns the plan's operator actors, streams the result tables
// to the client through the reply function, and ends with Done (errors, truncations, warnings
// and loss counters). Standalone, it runs the whole plan on this node. On a broker it runs the
// broker's part of a distributed plan: it sends each agent its fragment through the gateway,
// feeds the agents' streams into the plan's stream sources, and ends a stream without an agent
// that is lost, stalls or fails (a partial result with a warning naming it), so it never hangs.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actors/exec/operator_actor.hpp"
#include "cluster/gateway_actor.hpp"
#include "cluster/query_broker.hpp"
#include "pxl/distribute.hpp"

namespace wisp::cluster {

/// The agents' part of a query on a broker.
struct cluster_part {
  broker_gateway_actor gateway;
  std::shared_ptr<const broker_gateway> registry;  // the agents' view, read directly
  std::vector<pxl::agent_fragment> fragments;  // already checked to encode
  std::map<std::string, std::set<std::uint32_t>> producers;
  std::map<std::uint32_t, std::string> names;  // ASID -> hostname, for warnings
};

struct query_run {
  std::uint64_t id = 0;
  reply_fn reply;
  pxl::plan plan;  // the whole plan, or the broker's part of a distributed one
  std::shared_ptr<const exec::udtf_context> udtf;
  std::optional<cluster_part> cluster;
};

void spawn_query(caf::actor_system& sys, query_run run, const broker_deps& deps);

/// The loss counters of this node's sources (tracers, parsers, tracepoint manager), asked with
/// a bounded wait; `done` gets the non-zero ones.
void collect_node_losses(caf::event_based_actor* self, const broker_deps& deps,
                         std::function<void(std::vector<wire::loss_counter>)> done);

/// The stored tables of this node (built-in shards and tracepoint tables) for memory sources.
exec::shard_lookup node_shards(const broker_deps& deps);

}  // namespace wisp::cluster
