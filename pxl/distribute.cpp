#include "pxl/distribute.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace wisp::pxl {

namespace {

/// Where a node of the original plan runs.
enum class placement : std::uint8_t {
  agent,   // whole on the agents
  split,   // an agent half (partial aggregate, limit n + 1) and a broker half
  broker,  // whole on the broker
};

bool uses_cluster_metadata(const expression& e) {
  if (e.kind == expression_kind::call && needs_cluster_metadata(e.function)) return true;
  return std::any_of(e.args.begin(), e.args.end(), uses_cluster_metadata);
}

std::string stream_name(node_id id) { return "s" + std::to_string(id); }

class splitter {
 public:
  splitter(const plan& p, const distribute_options& opts) : plan_(p), opts_(opts) {
    for (const auto& n : p.nodes) next_id_ = std::max(next_id_, n.id + 1);
    for (const auto& n : p.nodes) place_[n.id] = place(n);
  }

  distributed_plan run(const std::vector<agent_tables>& agents) {
    distributed_plan out;
    const plan fragment = agent_plan();  // first: it makes the streams the broker reads
    out.broker = broker_plan();
    for (const auto& a : agents) {
      auto mine = prune(fragment, a);
      if (mine.nodes.empty()) continue;
      for (const auto& n : mine.nodes)
        if (const auto* sink = std::get_if<result_sink_op>(&n.op)) out.producers[sink->name].insert(a.asid);
      out.agents.push_back({a.asid, std::move(mine)});
    }
    for (const auto& n : out.broker.nodes)
      if (const auto* src = std::get_if<stream_source_op>(&n.op)) out.producers[src->stream];  // maybe empty
    return out;
  }

 private:
  placement place(const plan_node& n) const {
    auto parents_on_agent = [&] {
      return !n.parents.empty() && std::all_of(n.parents.begin(), n.parents.end(), [&](node_id p) {
               return place_.at(p) == placement::agent;
             });
    };
    if (std::holds_alternative<memory_source_op>(n.op)) return placement::agent;
    const bool on_agent = parents_on_agent();
    if (const auto* map = std::get_if<map_op>(&n.op)) {
      bool ok = on_agent;
      for (const auto& e : map->exprs) ok = ok && !uses_cluster_metadata(e.expr);
      return ok ? placement::agent : placement::broker;
    }
    if (const auto* filter = std::get_if<filter_op>(&n.op))
      return on_agent && !uses_cluster_metadata(filter->predicate) ? placement::agent : placement::broker;
    if (const auto* agg = std::get_if<aggregate_op>(&n.op))
      return on_agent && agg->mode == aggregate_mode::full && opts_.partial_aggregates ? placement::split
                                                                                        : placement::broker;
    if (std::holds_alternative<limit_op>(n.op)) return on_agent ? placement::split : placement::broker;
    return placement::broker;  // joins, unions, table functions, sinks
  }

  bool has_broker_child(node_id id) const {
    for (auto c : plan_.children(id))
      if (place_.at(c) == placement::broker) return true;  // a split child reads it on the agent
    return false;
  }

  // The agents' plan: every agent node, the agent half of every split node, and a sink for each
  // output the broker reads.
  plan agent_plan() {
    plan out;
    for (const auto& n : plan_.nodes) {
      const auto where = place_.at(n.id);
      if (where == placement::broker) continue;
      plan_node copy = n;
      if (where == placement::split) {
        if (auto* agg = std::get_if<aggregate_op>(&copy.op)) {
          agg->mode = aggregate_mode::partial;
          copy.output = partial_aggregate_relation(*agg, plan_.find(n.parents.at(0))->output);
        } else if (auto* limit = std::get_if<limit_op>(&copy.op)) {
          // One more: the broker's limit still sees a cut.
          if (limit->n < std::numeric_limits<std::int64_t>::max()) ++limit->n;
          limit->result_table.clear();
        }
      }
      out.nodes.push_back(copy);
      if (where == placement::split || has_broker_child(n.id)) {
        plan_node sink;
        sink.id = next_id_++;
        sink.parents = {n.id};
        sink.op = result_sink_op{stream_name(n.id)};
        sink.output = copy.output;
        sink.loc = n.loc;
        out.nodes.push_back(std::move(sink));
        agent_outputs_[n.id] = copy.output;
      }
    }
    return out;
  }

  // The broker's plan: its nodes, with each parent that runs on the agents read from its stream.
  plan broker_plan() {
    plan out;
    std::map<node_id, node_id> stream_source_of;  // agent node -> its stream source on the broker
    auto source_for = [&](node_id agent_node) {
      if (auto it = stream_source_of.find(agent_node); it != stream_source_of.end()) return it->second;
      plan_node src;
      src.id = next_id_++;
      src.op = stream_source_op{stream_name(agent_node)};
      src.output = agent_outputs_.at(agent_node);
      src.loc = plan_.find(agent_node)->loc;
      out.nodes.push_back(src);
      stream_source_of[agent_node] = src.id;
      return src.id;
    };
    for (const auto& n : plan_.nodes) {
      const auto where = place_.at(n.id);
      if (where == placement::agent) continue;
      plan_node copy = n;
      if (where == placement::split) {
        copy.parents = {source_for(n.id)};
        if (auto* agg = std::get_if<aggregate_op>(&copy.op)) {
          // The final half reads (groups..., states...) from the stream.
          agg->mode = aggregate_mode::final;
          const auto& in = agent_outputs_.at(n.id);
          for (std::size_t g = 0; g < agg->groups.size(); ++g) agg->groups[g] = g;
          for (std::size_t i = 0; i < agg->aggregates.size(); ++i) {
            auto& arg = agg->aggregates[i].arg;
            const auto col = agg->groups.size() + i;
            arg = expression::column_ref(in.columns[col].name, arg.loc);
            arg.column_index = col;
            arg.type = schemas::data_type::string;
          }
        }
      } else {
        for (auto& p : copy.parents)
          if (place_.at(p) == placement::agent) p = source_for(p);
      }
      out.nodes.push_back(std::move(copy));
    }
    return out;
  }

  // The nodes of `fragment` that agent `a` can run: those whose memory sources it holds. A sink
  // whose input it cannot make is dropped, so the agent does not send that stream.
  static plan prune(const plan& fragment, const agent_tables& a) {
    std::set<node_id> runnable;
    plan out;
    for (const auto& n : fragment.nodes) {
      bool ok = true;
      if (const auto* src = std::get_if<memory_source_op>(&n.op)) ok = a.tables.contains(src->table);
      for (auto p : n.parents) ok = ok && runnable.contains(p);
      if (!ok) continue;
      runnable.insert(n.id);
      out.nodes.push_back(n);
    }
    // Drop what feeds no sink (e.g. one side of a join whose other side this agent lacks is still
    // its own stream, so only dead ends go).
    std::set<node_id> live;
    for (auto it = out.nodes.rbegin(); it != out.nodes.rend(); ++it) {
      if (std::holds_alternative<result_sink_op>(it->op) || live.contains(it->id))
        for (auto p : it->parents) live.insert(p);
      if (std::holds_alternative<result_sink_op>(it->op)) live.insert(it->id);
    }
    std::erase_if(out.nodes, [&](const plan_node& n) { return !live.contains(n.id); });
    return out;
  }

  const plan& plan_;
  const distribute_options& opts_;
  std::map<node_id, placement> place_;
  std::map<node_id, schemas::relation> agent_outputs_;  // agent node -> the stream it sends
  node_id next_id_ = 0;
};

}  // namespace

bool needs_cluster_metadata(std::string_view f) {
  // upid_to_* and the local-address fallback read the agent's own processes (cgroups): they run
  // where the data is. The rest look up pods, services and the like across the cluster.
  static constexpr std::array<std::string_view, 12> prefixes{
      "ip_to_",          "pod_id_to_",         "pod_name_to_",        "service_id_to_",
      "service_name_to_", "container_id_to_",  "container_name_to_",  "replicaset_id_to_",
      "replicaset_name_to_", "deployment_id_to_", "deployment_name_to_", "namespace_name_to_"};
  for (auto p : prefixes)
    if (f.starts_with(p)) return true;
  return f.starts_with("vizier_");
}

distributed_plan distribute(const plan& p, const std::vector<agent_tables>& agents,
                            const distribute_options& opts) {
  return splitter{p, opts}.run(agents);
}

std::string to_string(const distributed_plan& d, const std::vector<agent_tables>& agents) {
  auto name_of = [&](std::uint32_t asid) {
    for (const auto& a : agents)
      if (a.asid == asid) return a.name + " (asid " + std::to_string(asid) + ")";
    return "asid " + std::to_string(asid);
  };
  std::string out = "broker:\n" + to_string(d.broker);
  // Agents whose fragments are the same are listed together.
  std::vector<std::pair<std::string, std::vector<std::uint32_t>>> distinct;
  for (const auto& f : d.agents) {
    auto text = to_string(f.fragment);
    auto it = std::find_if(distinct.begin(), distinct.end(), [&](const auto& e) { return e.first == text; });
    if (it == distinct.end()) distinct.push_back({std::move(text), {f.asid}});
    else it->second.push_back(f.asid);
  }
  for (const auto& [text, asids] : distinct) {
    out += "agents:";
    for (std::size_t i = 0; i < asids.size(); ++i) out += (i ? ", " : " ") + name_of(asids[i]);
    out += "\n" + text;
  }
  std::string pruned;
  for (const auto& a : agents)
    if (std::none_of(d.agents.begin(), d.agents.end(), [&](const auto& f) { return f.asid == a.asid; }))
      pruned += (pruned.empty() ? " " : ", ") + name_of(a.asid);
  if (!pruned.empty()) out += "pruned (none of the query's tables):" + pruned + "\n";
  if (agents.empty()) out += "no agents registered\n";
  return out;
}

}  // namespace wisp::pxl
