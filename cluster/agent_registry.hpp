#pragma once
// The broker's registry of agents (design §1, issue 6 item 1): ASIDs, what each agent holds,
// heartbeats, and the health that px.GetAgentStatus shows. An agent is healthy while it sends
// heartbeats, lost after `lost_after` without one (queries stop waiting for it), and forgotten
// after `forget_after` (its ASID may then be reused). A broker restart forgets everyone: agents
// whose heartbeats the registry does not know are told to register again, and ask for the ASID
// they held, which they get back unless another agent took it meanwhile.
//
// Pure logic, no threads: the broker gateway owns one and calls it with the current time.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "schemas/cluster_wire.hpp"

namespace wisp::cluster {

enum class agent_health : std::uint8_t { healthy, lost };
const char* to_string(agent_health h);  // Pixie's AGENT_STATE_HEALTHY / AGENT_STATE_UNRESPONSIVE

struct registered_agent {
  std::uint32_t asid = 0;
  std::string peer;      // the transport identity its messages come from
  std::string peer_key;  // CURVE public key (Z85); empty without CURVE
  cluster_wire::register_request info;
  std::int64_t registered_ns = 0;
  std::int64_t last_heartbeat_ns = 0;
  std::uint64_t heartbeats = 0;
  std::vector<wire::loss_counter> losses;  // from the last heartbeat
  std::vector<cluster_wire::tracepoint_info> tracepoints;  // from the last heartbeat or tracepoint reply
  agent_health health = agent_health::healthy;
};

/// The cluster's tracepoints, one per name, as px.GetTracepointStatus shows them on a broker:
/// RUNNING when it runs on any agent (else the most hopeful state: PENDING, FAILED, TERMINATED),
/// its tables on every agent, and each agent's message prefixed with its host name.
std::vector<cluster_wire::tracepoint_info> cluster_tracepoints(const std::vector<registered_agent>& agents);

struct registry_options {
  std::chrono::nanoseconds lost_after = std::chrono::seconds{10};
  std::chrono::nanoseconds forget_after = std::chrono::minutes{5};
  std::size_t max_agents = 4096;
};

class agent_registry {
 public:
  explicit agent_registry(registry_options opts = {}) : opts_(opts) {}

  /// A Register message. The reply carries the ASID, or asid 0 and the reason.
  cluster_wire::register_reply on_register(const std::string& peer, const std::string& peer_key,
                                           const cluster_wire::register_request& r, std::int64_t now_ns);

  /// A Heartbeat from `peer` claiming `asid`. False when the registry does not know that agent
  /// on that connection: it must register again.
  bool on_heartbeat(const std::string& peer, std::uint32_t asid, const cluster_wire::heartbeat& h,
                    std::int64_t now_ns);

  /// A TracepointReply from `peer`: the agent's tracepoints, and the table the tracepoint made
  /// (known at once, before the agent registers again with it). False as for on_heartbeat.
  bool on_tracepoint_reply(const std::string& peer, std::uint32_t asid, const cluster_wire::tracepoint_reply& r);

  /// True when `asid` is registered on connection `peer` (messages naming another agent's ASID
  /// are dropped).
  bool is_peer_of(const std::string& peer, std::uint32_t asid) const;

  struct tick_result {
    std::vector<std::uint32_t> lost;                                   // newly lost
    std::vector<std::pair<std::uint32_t, std::string>> forgotten;      // (asid, peer)
  };
  /// Marks agents lost and forgets long-lost ones.
  tick_result tick(std::int64_t now_ns);

  const registered_agent* find(std::uint32_t asid) const;
  std::vector<registered_agent> agents() const;  // by ASID

 private:
  registry_options opts_;
  std::map<std::uint32_t, registered_agent> by_asid_;
};

}  // namespace wisp::cluster
