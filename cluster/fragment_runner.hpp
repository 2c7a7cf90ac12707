#pragma once
// The agent's side of distributed queries (design §6 step 3): the fragment runner decodes each
// plan fragment the broker sends (pxl/fragment_codec.hpp checks it against this agent's tables
// and functions), spawns its operator actors over the local table shards, and streams every
// result sink of the fragment to the broker through the agent gateway, ending each stream with
// its status, through the agent's gateway actor. A fragment that cannot be decoded or started is answered with one end of stream
// that names no sink and carries the reason, so the broker stops waiting for this agent at once.
//
// It also carries out the broker's tracepoint requests: it decodes the mutation the broker
// compiled (pxl/mutation_codec.hpp), hands it to the agent's tracepoint manager and answers with
// the outcome, the table the tracepoint writes and the agent's tracepoints.
//
// Also here: the loss poller, which keeps the node's loss counters current for the gateway's
// heartbeats (the gateway thread must not wait on actors).

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "actors/exec/operator_actor.hpp"
#include "cluster/gateway_actor.hpp"
#include "cluster/query_broker.hpp"
#include "pxl/options.hpp"

namespace wisp::cluster {

using fragment_runner_actor =
    caf::typed_actor<caf::reacts_to<actors::run_atom, cluster_wire::plan_fragment>,
                     caf::reacts_to<tracepoints::upsert_atom, cluster_wire::tracepoint_request>>;

struct fragment_runner_deps {
  broker_deps node;  // the tables, tracers, parsers and tracepoints of this agent
  agent_gateway_actor gateway;
};

fragment_runner_actor spawn_fragment_runner(caf::actor_system& sys, fragment_runner_deps deps);

/// The node's latest loss counters; any thread.
class loss_snapshot {
 public:
  void set(std::vector<wire::loss_counter> v) {
    std::lock_guard lock{mutex_};
    counters_ = std::move(v);
  }
  std::vector<wire::loss_counter> get() const {
    std::lock_guard lock{mutex_};
    return counters_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<wire::loss_counter> counters_;
};

/// Asks the node's sources for their loss counters every `period` into `out`.
caf::actor spawn_loss_poller(caf::actor_system& sys, broker_deps node, std::shared_ptr<loss_snapshot> out,
                             std::chrono::milliseconds period);

/// The tables this agent holds (built-in and tracepoint-made) and their relations, for its
/// registration, and the catalog fragments are checked against.
std::vector<cluster_wire::table_info> node_tables(const broker_deps& node);
pxl::table_catalog node_catalog(const broker_deps& node);
/// The agent's tracepoints as published by its manager, for heartbeats and tracepoint replies.
std::vector<cluster_wire::tracepoint_info> node_tracepoints(const broker_deps& node);

}  // namespace wisp::cluster
