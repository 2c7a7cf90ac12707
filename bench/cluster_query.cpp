#include "bench/cluster_query.hpp"

#include <time.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "bench/cluster_rows.hpp"
#include "cluster/agent_gateway.hpp"
#include "cluster/broker_gateway.hpp"
#include "pxl/distribute.hpp"
#include "pxl/fragment_codec.hpp"
#include "pxl/functions.hpp"

namespace wisp::bench {

namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;
constexpr auto patience = 60s;  // for registrations and a query's streams
constexpr const char* table_name = "http_events";

double seconds_since(clock::time_point t0) { return std::chrono::duration<double>(clock::now() - t0).count(); }

/// CPU time of the calling thread (agents share the machine's CPUs, so their wall times overlap).
std::int64_t thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// One agent: its rows, its gateway, and a worker thread that runs the fragments the gateway
/// hands over (the gateway thread must only hand them over).
struct bench_agent {
  std::string id;
  exec::table_provider tables;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<cluster_wire::plan_fragment> fragments;
  bool stopping = false;
  std::atomic<std::int64_t> exec_ns{0};
  std::thread worker;
  cluster::agent_gateway gateway;  // last: destroyed first, so its thread stops before the rest

  ~bench_agent() {
    {
      std::lock_guard lock{mutex};
      stopping = true;
    }
    wake.notify_all();
    if (worker.joinable()) worker.join();
  }

  std::string start(const std::string& broker, std::size_t rows, std::size_t batch_rows, std::uint64_t seed) {
    auto& t = tables[table_name];
    t.rel = http_rows_relation();
    t.batches = make_http_rows(rows, batch_rows, seed);
    worker = std::thread{[this] { work(); }};
    cluster::agent_gateway_options o;
    o.transport.broker_endpoint = broker;
    o.describe = [this] {
      cluster_wire::register_request r;
      r.agent_id = id;
      r.hostname = "bench-" + id;
      r.tables = {{table_name, http_rows_relation()}};
      return r;
    };
    o.on_fragment = [this](cluster_wire::plan_fragment f) {
      {
        std::lock_guard lock{mutex};
        fragments.push_back(std::move(f));
      }
      wake.notify_all();
    };
    return gateway.start(std::move(o));
  }

  void work() {
    for (;;) {
      cluster_wire::plan_fragment f;
      {
        std::unique_lock lock{mutex};
        wake.wait(lock, [this] { return stopping || !fragments.empty(); });
        if (stopping) return;
        f = std::move(fragments.front());
        fragments.pop_front();
      }
      run_fragment(f);
    }
  }

  // As cluster/fragment_runner does: decode against our catalog, run, stream each sink back.
  void run_fragment(const cluster_wire::plan_fragment& f) {
    const cluster_wire::stream_id base{f.query_id, f.fragment_id, {}};
    auto fail = [&](const std::string& why) {
      gateway.end_stream({base, 0, wire::status::exec_error, "agent " + id + ": " + why, {}});
    };
    std::string err;
    auto plan = pxl::decode_fragment(f.plan, pxl::function_registry::builtin(), bench_cluster::catalog(), err);
    if (!plan) return fail("refused its plan fragment: " + err);
    const auto t0 = thread_cpu_ns();
    auto r = exec::run_plan(*plan, tables);
    exec_ns += thread_cpu_ns() - t0;
    if (!r.ok()) return fail("run_plan: " + r.error);
    for (auto& table : r.tables) {
      auto s = base;
      s.sink = table.name;
      for (auto& b : table.batches) gateway.send_batch(s, std::move(b));
      gateway.end_stream({s, 0, wire::status::ok, {}, {}});
    }
  }
};

/// What one query's streams brought to the broker (filled on the broker gateway's thread).
struct stream_collector {
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, std::vector<schemas::row_batch_ptr>> batches;  // by stream
  std::size_t ends = 0;
  std::string error;

  cluster::query_inbox inbox() {
    return {[this](std::uint32_t, const std::string& stream, schemas::row_batch_ptr b) {
              std::lock_guard lock{mutex};
              batches[stream].push_back(std::move(b));
            },
            [this](std::uint32_t asid, const cluster_wire::end_of_stream& e) {
              {
                std::lock_guard lock{mutex};
                ++ends;
                if (e.code != wire::status::ok && error.empty())
                  error = "ASID " + std::to_string(asid) + " ended stream '" + e.stream.sink + "' with: " + e.error;
              }
              changed.notify_all();
            },
            [this](std::uint32_t asid) {
              {
                std::lock_guard lock{mutex};
                if (error.empty()) error = "agent ASID " + std::to_string(asid) + " was lost";
              }
              changed.notify_all();
            }};
  }
};

}  // namespace

struct bench_cluster::impl {
  cluster::broker_gateway broker;
  std::vector<std::unique_ptr<bench_agent>> agents;
  std::uint64_t next_query = 1;

  ~impl() { agents.clear(); }  // agents stop before the broker
};

bench_cluster::bench_cluster() : impl_(std::make_unique<impl>()) {}
bench_cluster::~bench_cluster() = default;

pxl::table_catalog bench_cluster::catalog() {
  pxl::table_catalog c;
  c.find = [](std::string_view name) -> std::optional<schemas::relation> {
    if (name == table_name) return http_rows_relation();
    return std::nullopt;
  };
  c.names = [] { return std::vector<std::string>{table_name}; };
  c.desc = [](std::string_view) { return std::string{}; };
  return c;
}

std::string bench_cluster::start(std::size_t agents, std::size_t rows_per_agent, std::size_t batch_rows) {
  auto& d = *impl_;
  cluster::broker_gateway_options bo;
  bo.transport.endpoint = "tcp://127.0.0.1:*";
  if (auto e = d.broker.start(std::move(bo)); !e.empty()) return "broker: " + e;
  for (std::size_t i = 0; i < agents; ++i) {
    auto a = std::make_unique<bench_agent>();
    a->id = "agent-" + std::to_string(i);
    if (auto e = a->start(d.broker.endpoint(), rows_per_agent, batch_rows, 1000 + i); !e.empty())
      return a->id + ": " + e;
    d.agents.push_back(std::move(a));
  }
  const auto until = clock::now() + patience;
  for (;;) {
    bool all = d.broker.agents().size() == agents;
    for (const auto& a : d.agents) all = all && a->gateway.stats().asid != 0;
    if (all) return {};
    if (clock::now() > until) return "agents did not all register within 60 s";
    std::this_thread::sleep_for(10ms);
  }
}

aggregation_run bench_cluster::run(const pxl::plan& p, bool partial_aggregates) {
  auto& d = *impl_;
  const auto query_id = d.next_query++;
  stream_collector collected;
  d.broker.open_query(query_id, collected.inbox());
  const auto before = d.broker.stats().transport;
  for (auto& a : d.agents) a->exec_ns = 0;

  aggregation_run out;
  const auto t0 = clock::now();
  std::vector<pxl::agent_tables> agent_tables;
  for (const auto& r : d.broker.agents()) agent_tables.push_back({r.asid, r.info.hostname, {table_name}});
  const auto split = pxl::distribute(p, agent_tables, {partial_aggregates});
  for (const auto& f : split.agents) {
    std::string err;
    auto bytes = pxl::encode_fragment(f.fragment, err);
    if (!bytes) throw std::runtime_error("encode_fragment: " + err);
    if (!d.broker.send_fragment(f.asid, {query_id, 0, std::move(*bytes)}))
      throw std::runtime_error("send_fragment: ASID " + std::to_string(f.asid) + " is not registered");
  }
  std::size_t expected_ends = 0;
  for (const auto& [stream, asids] : split.producers) expected_ends += asids.size();

  exec::table_provider arrived;
  {
    std::unique_lock lock{collected.mutex};
    if (!collected.changed.wait_for(lock, patience,
                                    [&] { return collected.ends >= expected_ends || !collected.error.empty(); }))
      throw std::runtime_error("only " + std::to_string(collected.ends) + " of " + std::to_string(expected_ends) +
                               " streams ended within 60 s");
    if (!collected.error.empty()) throw std::runtime_error(collected.error);
    for (const auto& n : split.broker.nodes)
      if (const auto* s = std::get_if<pxl::stream_source_op>(&n.op))
        arrived[s->stream] = {n.output, std::move(collected.batches[s->stream])};
  }
  const auto t_broker = thread_cpu_ns();
  out.result = exec::run_plan(split.broker, arrived);
  out.broker_exec_s = static_cast<double>(thread_cpu_ns() - t_broker) / 1e9;
  out.seconds = seconds_since(t0);
  if (!out.result.ok()) throw std::runtime_error("broker run_plan: " + out.result.error);
  d.broker.close_query(query_id);

  // The gateway copies its transport's counters after each message it handles: let it catch up.
  std::this_thread::sleep_for(50ms);
  const auto after = d.broker.stats().transport;
  out.bytes_up = after.bytes_received - before.bytes_received;
  out.bytes_down = after.bytes_sent - before.bytes_sent;
  out.messages_up = after.received - before.received;
  for (const auto& a : d.agents) out.agents_exec_s += static_cast<double>(a->exec_ns.load()) / 1e9;
  return out;
}

}  // namespace wisp::bench
