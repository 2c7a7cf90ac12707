#include "cluster/agent_registry.hpp"

#include <algorithm>

namespace wisp::cluster {

const char* to_string(agent_health h) {
  return h == agent_health::healthy ? "AGENT_STATE_HEALTHY" : "AGENT_STATE_UNRESPONSIVE";
}

namespace {

int state_rank(const std::string& state) {
  if (state == "RUNNING") return 0;
  if (state == "PENDING") return 1;
  if (state == "FAILED") return 2;
  return 3;
}

}  // namespace

std::vector<cluster_wire::tracepoint_info> cluster_tracepoints(const std::vector<registered_agent>& agents) {
  std::vector<cluster_wire::tracepoint_info> out;
  for (const auto& a : agents)
    for (const auto& t : a.tracepoints) {
      auto it = std::find_if(out.begin(), out.end(), [&](const auto& o) { return o.name == t.name; });
      if (it == out.end()) {
        it = out.insert(out.end(), t);
        it->message.clear();
        it->tables.clear();
      } else if (state_rank(t.state) < state_rank(it->state)) {
        it->state = t.state;
        it->id = t.id;
      }
      if (!t.message.empty()) it->message += (it->message.empty() ? "" : "; ") + a.info.hostname + ": " + t.message;
      for (const auto& table : t.tables)
        if (std::find(it->tables.begin(), it->tables.end(), table) == it->tables.end()) it->tables.push_back(table);
    }
  return out;
}

cluster_wire::register_reply agent_registry::on_register(const std::string& peer, const std::string& peer_key,
                                                         const cluster_wire::register_request& r,
                                                         std::int64_t now_ns) {
  // The same agent again (a reconnect, or a re-registration after a broker restart): its ASID.
  std::optional<std::uint32_t> asid;
  for (auto& [a, agent] : by_asid_)
    if (agent.info.agent_id == r.agent_id) asid = a;
  if (!asid && r.requested_asid != 0 && !by_asid_.contains(r.requested_asid)) asid = r.requested_asid;
  if (!asid) {
    if (by_asid_.size() >= opts_.max_agents)
      return {0, r.agent_id, "the broker already has " + std::to_string(opts_.max_agents) + " agents"};
    std::uint32_t next = 1;
    while (by_asid_.contains(next)) ++next;
    asid = next;
  }
  auto& agent = by_asid_[*asid];
  const bool fresh = agent.asid == 0;
  agent.asid = *asid;
  agent.peer = peer;
  agent.peer_key = peer_key;
  agent.info = r;
  if (fresh) agent.registered_ns = now_ns;
  agent.last_heartbeat_ns = now_ns;
  agent.health = agent_health::healthy;
  return {*asid, r.agent_id, {}};
}

bool agent_registry::on_heartbeat(const std::string& peer, std::uint32_t asid, const cluster_wire::heartbeat& h,
                                  std::int64_t now_ns) {
  auto it = by_asid_.find(asid);
  if (it == by_asid_.end() || it->second.peer != peer) return false;
  auto& agent = it->second;
  agent.last_heartbeat_ns = now_ns;
  ++agent.heartbeats;
  agent.losses = h.losses;
  agent.tracepoints = h.tracepoints;
  agent.health = agent_health::healthy;
  return true;
}

bool agent_registry::on_tracepoint_reply(const std::string& peer, std::uint32_t asid,
                                         const cluster_wire::tracepoint_reply& r) {
  auto it = by_asid_.find(asid);
  if (it == by_asid_.end() || it->second.peer != peer) return false;
  auto& agent = it->second;
  agent.tracepoints = r.tracepoints;
  if (r.table) {
    auto& tables = agent.info.tables;
    auto same = std::find_if(tables.begin(), tables.end(), [&](const auto& t) { return t.name == r.table->name; });
    if (same == tables.end())
      tables.push_back(*r.table);
    else
      *same = *r.table;
  }
  return true;
}

bool agent_registry::is_peer_of(const std::string& peer, std::uint32_t asid) const {
  auto it = by_asid_.find(asid);
  return it != by_asid_.end() && it->second.peer == peer;
}

agent_registry::tick_result agent_registry::tick(std::int64_t now_ns) {
  tick_result out;
  for (auto it = by_asid_.begin(); it != by_asid_.end();) {
    auto& agent = it->second;
    const auto silent = now_ns - agent.last_heartbeat_ns;
    if (silent >= opts_.forget_after.count()) {
      out.forgotten.emplace_back(agent.asid, agent.peer);
      it = by_asid_.erase(it);
      continue;
    }
    if (silent >= opts_.lost_after.count() && agent.health == agent_health::healthy) {
      agent.health = agent_health::lost;
      out.lost.push_back(agent.asid);
    }
    ++it;
  }
  return out;
}

const registered_agent* agent_registry::find(std::uint32_t asid) const {
  auto it = by_asid_.find(asid);
  return it == by_asid_.end() ? nullptr : &it->second;
}

std::vector<registered_agent> agent_registry::agents() const {
  std::vector<registered_agent> out;
  for (const auto& [asid, a] : by_asid_) out.push_back(a);
  return out;
}

}  // namespace wisp::cluster
