#pragma once
// The cross-node aggregation of the cluster benchmark (cluster_bench.cpp): a broker_gateway and
// K agent_gateways in one process, on loopback TCP, speaking the real cluster protocol. A query
// is split with pxl::distribute; the broker sends each agent its fragment (pxl::encode_fragment);
// the agent decodes it against its catalog, runs it with exec::run_plan over its own rows, and
// streams every result batch back through its gateway under credit; the broker runs its plan
// with exec::run_plan over what arrived. The steps are those of wispd's query actor and fragment
// runner without CAF (so the figures are the transport's and the engine's, not the scheduler's).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/exec/run_plan.hpp"
#include "pxl/options.hpp"
#include "pxl/plan.hpp"

namespace wisp::bench {

/// One query over the cluster.
struct aggregation_run {
  double seconds = 0;          // distribute .. broker result (end to end)
  double agents_exec_s = 0;    // CPU time of the agents' run_plan of their fragments, summed
  double broker_exec_s = 0;    // CPU time of the broker plan's run_plan
  std::uint64_t bytes_up = 0;    // agents -> broker, encoded messages (broker's bytes_received)
  std::uint64_t bytes_down = 0;  // broker -> agents: fragments and credits (broker's bytes_sent)
  std::uint64_t messages_up = 0;
  exec::run_result result;
};

class bench_cluster {
 public:
  bench_cluster();
  ~bench_cluster();
  bench_cluster(const bench_cluster&) = delete;
  bench_cluster& operator=(const bench_cluster&) = delete;

  /// A broker and `agents` agents, each holding `rows_per_agent` rows of http_rows_relation()
  /// as table http_events, stored in batches of `batch_rows`; waits until all registered. Empty
  /// on success, else one line: what and why.
  [[nodiscard]] std::string start(std::size_t agents, std::size_t rows_per_agent, std::size_t batch_rows);

  /// The tables every agent holds (for pxl::compile).
  static pxl::table_catalog catalog();

  /// Runs compiled plan `p` across the cluster. Throws std::runtime_error naming the step that
  /// failed (an agent's error, a stream that never ended, the broker's run_plan).
  aggregation_run run(const pxl::plan& p, bool partial_aggregates);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace wisp::bench
