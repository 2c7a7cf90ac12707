#pragma once
// The agent's gateway (design §3): the one owner of the agent's cluster socket. Its thread runs
// the agent_transport: it registers with the broker (again after the broker restarts, asking for
// the ASID it held), sends a heartbeat with the agent's loss counters every `heartbeat`, hands
// plan fragments and tracepoint requests to the agent's runner, sends its tracepoint replies, and sends the runner's result streams as the
// broker's credits allow.
//
// Streams are queued here until credit arrives (backpressure: the broker never receives more
// than its window per stream). The queue of one query is bounded (`max_queued_bytes`): a stream
// that would exceed it is cut, and its end of stream says so (counted). A stream whose credits
// do not come back within `stall_timeout` (the broker is gone) is dropped, counted. A broker that
// refuses the agent's key, or a handshake that fails otherwise, is reported through on_problem.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/agent_transport.hpp"

namespace wisp::cluster {

struct agent_gateway_options {
  agent_options transport;
  std::chrono::milliseconds heartbeat = std::chrono::seconds{2};
  std::chrono::seconds stall_timeout{30};
  std::size_t max_queued_bytes = 256u << 20;
  /// What to register with (tables, host...); called on the gateway thread at each registration
  /// and each heartbeat (the agent registers again when its list of tables changed).
  std::function<cluster_wire::register_request()> describe;
  /// The agent's loss counters for heartbeats; called on the gateway thread, must not block.
  std::function<std::vector<wire::loss_counter>()> losses;
  /// The agent's tracepoints for heartbeats; called on the gateway thread, must not block.
  std::function<std::vector<cluster_wire::tracepoint_info>()> tracepoints;
  /// A plan fragment / a tracepoint request from the broker; called on the gateway thread, must
  /// only hand it over.
  std::function<void(cluster_wire::plan_fragment)> on_fragment;
  std::function<void(cluster_wire::tracepoint_request)> on_tracepoint;
  /// A problem the operator must fix (the broker refuses this agent's key); called on the
  /// gateway thread, at most once a minute per kind.
  std::function<void(const std::string&)> on_problem;
};

struct agent_gateway_stats {
  transport_stats transport;
  std::uint32_t asid = 0;  // 0: not registered (yet, or the broker forgot us)
  std::uint64_t registrations = 0;
  std::uint64_t heartbeats = 0;
  std::uint64_t batches_cut = 0;      // batches not sent: their query's queue was full
  std::uint64_t streams_dropped = 0;  // streams given up: no credit within stall_timeout
};

class agent_gateway {
 public:
  agent_gateway();
  ~agent_gateway();  // stops the thread
  agent_gateway(const agent_gateway&) = delete;
  agent_gateway& operator=(const agent_gateway&) = delete;

  [[nodiscard]] std::string start(agent_gateway_options opts);

  /// Any thread: queue a batch of a stream / its end (after its batches).
  void send_batch(const cluster_wire::stream_id& stream, schemas::row_batch_ptr batch);
  void end_stream(cluster_wire::end_of_stream end);
  /// Any thread: queue the answer to a tracepoint request (sent once registered).
  void send_reply(cluster_wire::tracepoint_reply reply);

  agent_gateway_stats stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace wisp::cluster
