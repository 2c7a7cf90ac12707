#pragma once
// The broker's gateway (design §3): the one owner of the broker's cluster socket. Its thread runs
// the broker_transport, the agent registry (registration, heartbeats, lost and forgotten agents)
// and the routing of query traffic: plan fragments out to agents, batches and ends of stream in
// to the query that asked for them. Credits go back as soon as a batch is handed to its query.
//
// Queries talk to it from any thread: open_query() registers the callbacks (called on the
// gateway thread; they must only hand over, e.g. send a CAF message), send_fragment() queues a
// fragment and wakes the thread; send_tracepoint() sends a pxtrace mutation to agents and
// collects their answers. Nothing blocks on an agent: a lost agent is reported to every
// open query through on_agent_lost.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/agent_registry.hpp"
#include "cluster/broker_transport.hpp"

namespace wisp::cluster {

struct broker_gateway_options {
  broker_options transport;
  registry_options registry;
  std::chrono::milliseconds tick = std::chrono::milliseconds{500};  // how often health is checked
  /// How long agents have to answer a tracepoint request (they wait up to 60 s for their
  /// tracepoint manager); a healthy agent silent that long is given up on.
  std::chrono::milliseconds tracepoint_answer = std::chrono::milliseconds{75'000};
};

/// Where the traffic of one query goes. Called on the gateway thread.
struct query_inbox {
  std::function<void(std::uint32_t asid, const std::string& stream, schemas::row_batch_ptr batch)> on_batch;
  std::function<void(std::uint32_t asid, const cluster_wire::end_of_stream& end)> on_end;
  std::function<void(std::uint32_t asid)> on_agent_lost;
};

using tracepoint_outcome = cluster_wire::tracepoint_outcome;
using tracepoint_done = std::function<void(std::vector<tracepoint_outcome>)>;

/// Counters of the gateway beyond the transport's.
struct gateway_stats {
  transport_stats transport;
  std::uint64_t refused_clients = 0;   // ZAP refusals
  std::uint64_t foreign_asid = 0;      // messages naming an ASID registered on another connection
  std::uint64_t unexpected = 0;        // batches and ends for no open query (late, or unknown)
  std::uint64_t fragments_unsent = 0;  // fragments and tracepoint requests for agents gone or whose queue was full
};

class broker_gateway {
 public:
  broker_gateway();
  ~broker_gateway();  // stops the thread
  broker_gateway(const broker_gateway&) = delete;
  broker_gateway& operator=(const broker_gateway&) = delete;

  /// Binds and starts the thread. Empty on success, else one line: what and why.
  [[nodiscard]] std::string start(broker_gateway_options opts);
  std::string endpoint() const;  // the bound endpoint with its real port

  /// Any thread: the registry's view now.
  std::vector<registered_agent> agents() const;
  gateway_stats stats() const;

  void open_query(std::uint64_t query_id, query_inbox inbox);
  void close_query(std::uint64_t query_id);
  /// Queues a fragment for agent `asid`; false when the agent is not registered.
  bool send_fragment(std::uint32_t asid, cluster_wire::plan_fragment fragment);
  /// Sends `request` (its id is assigned here) to each healthy agent of `asids`; `done` is
  /// called once, on the gateway thread, when each has answered, was lost or let
  /// `tracepoint_answer` pass (its outcome then says so). False, and `done` is not called, when
  /// none of them is healthy.
  bool send_tracepoint(cluster_wire::tracepoint_request request, const std::vector<std::uint32_t>& asids,
                       tracepoint_done done);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace wisp::cluster
