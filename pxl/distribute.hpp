#pragma once
// The planner's split of a typed plan across a cluster (design §6, issue 6 item 3): what runs on
// every agent that has the data, and what runs once on the broker.
//
// On the agents: memory sources, and the filters and maps over them that need no cluster-wide
// metadata (ip_to_pod_*, pod_*, service_*, ...: the broker's metadata service answers those);
// then, where such a chain ends in an aggregate, its `partial` half, and where it ends in a limit,
// a limit of n + 1 (one more row than asked, so the broker still sees that rows were cut). Every
// edge from agent to broker becomes a stream: a result_sink named after it in the agent's
// fragment, a stream_source of the same name in the broker's plan. On the broker: the `final`
// aggregates, the limits again, joins, unions, table functions, result sinks, and everything
// downstream of them.
//
// An agent gets the part of the fragment whose tables it holds; an agent holding none of the
// query's tables gets nothing (it is pruned), and a stream that no agent can produce is empty.
// Pure functions of their inputs; any thread.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "pxl/plan.hpp"

namespace wisp::pxl {

/// An agent as the planner sees it: its ASID and the tables it holds.
struct agent_tables {
  std::uint32_t asid = 0;
  std::string name;  // for --explain and warnings (hostname)
  std::set<std::string, std::less<>> tables;
};

/// The part of the plan one agent runs. Its result sinks are the streams it sends.
struct agent_fragment {
  std::uint32_t asid = 0;
  plan fragment;
};

struct distributed_plan {
  plan broker;                          // reads the streams through stream_source nodes
  std::vector<agent_fragment> agents;   // in the order of the agents given; pruned ones absent
  /// Per stream: the ASIDs that send it (each ends it with one end of stream).
  std::map<std::string, std::set<std::uint32_t>> producers;
};

struct distribute_options {
  /// Aggregate partially on the agents (the default). Off: agents send the aggregate's input
  /// rows and the broker aggregates them in full (for the benchmark and as a fallback).
  bool partial_aggregates = true;
};

/// True for a function that needs the cluster-wide metadata service, so runs on the broker.
bool needs_cluster_metadata(std::string_view function);

/// Splits typed plan `p` (pxl::compile succeeded) for `agents`.
distributed_plan distribute(const plan& p, const std::vector<agent_tables>& agents,
                            const distribute_options& opts = {});

/// For `wisp run --explain`: the broker's plan, then each distinct agent fragment with the
/// agents it goes to, then the agents pruned.
std::string to_string(const distributed_plan& d, const std::vector<agent_tables>& agents);

}  // namespace wisp::pxl
