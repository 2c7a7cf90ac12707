// Cluster benchmark (issue 6, item 8), in one run:
//   1. A cross-node aggregation (count, errors, mean and quantiles of latency, bytes by service
//      and path) over K agents' http_events-like rows, planned by pxl::distribute with partial
//      aggregates pushed down to the agents and without (agents ship the rows, the broker
//      aggregates everything), both through real gateways on loopback TCP (cluster_query.hpp).
//      End-to-end latency (median of --repeat runs, the modes alternating) and the bytes the
//      transport moved; the two modes' results must be the same or the run fails.
//   2. Batch throughput of agent_gateway -> broker_gateway against raw ZeroMQ DEALER -> ROUTER
//      with messages of the same size on the same link, with and without CURVE
//      (transport_throughput.hpp).
//
// Usage: wisp_cluster_bench [--agents 3,8] [--rows N] [--batch-rows N] [--repeat R] [--mib M]
//                           [--no-curve] [--write PATH] [--script PATH]
//   --rows: rows per agent; --mib: MiB streamed per throughput measurement
//   --write: replace the "Cluster:" section of PATH (e.g. bench/README.md)
//   --script: run another PxL script over the same http_events table instead of the built-in one

#include <sys/utsname.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.hpp"
#include "bench/cluster_query.hpp"
#include "bench/cluster_rows.hpp"
#include "bench/transport_throughput.hpp"
#include "pxl/compile.hpp"

namespace {

using namespace wisp;

struct options {
  std::vector<std::size_t> agents{3, 8};
  std::size_t rows = 500'000;
  std::size_t batch_rows = 8192;
  int repeat = 5;
  std::size_t mib = 128;
  bool curve = true;
  std::string write_path;
  std::string script_path;  // --script: another script over the same table
};

[[noreturn]] void fail(const std::string& what) {
  std::cerr << "wisp_cluster_bench: " << what << "\n";
  std::exit(1);
}

std::size_t positive(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  const auto n = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n == 0) fail(flag + " takes a positive integer, not '" + v + "'");
  return n;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) fail("flag " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--agents") {
      o.agents.clear();
      std::stringstream list{next()};
      for (std::string k; std::getline(list, k, ',');) o.agents.push_back(positive(a, k));
      if (o.agents.empty()) fail("--agents takes a comma-separated list of agent counts");
    } else if (a == "--rows") {
      o.rows = positive(a, next());
    } else if (a == "--batch-rows") {
      o.batch_rows = positive(a, next());
    } else if (a == "--repeat") {
      o.repeat = static_cast<int>(positive(a, next()));
    } else if (a == "--mib") {
      o.mib = positive(a, next());
    } else if (a == "--no-curve") {
      o.curve = false;
    } else if (a == "--write") {
      o.write_path = next();
    } else if (a == "--script") {
      o.script_path = next();
    } else {
      fail("unknown flag '" + a +
           "' (use --agents K,K, --rows N, --batch-rows N, --repeat R, --mib M, --no-curve, --write PATH, --script PATH)");
    }
  }
  if (!o.write_path.empty() && !o.script_path.empty()) fail("--write records the built-in script only");
  return o;
}

const char* const builtin_script =
    "import px\n"
    "df = px.DataFrame(table='http_events')\n"
    "df.failure = df.resp_status >= 400\n"
    "df = df.groupby(['service', 'req_path']).agg(\n"
    "    requests=('latency', px.count),\n"
    "    errors=('failure', px.sum),\n"
    "    latency_mean=('latency', px.mean),\n"
    "    latency_quantiles=('latency', px.quantiles),\n"
    "    bytes_total=('resp_body_size', px.sum),\n"
    ")\n"
    "px.display(df, 'http_stats')\n";

std::string script_text(const options& opts) {
  if (opts.script_path.empty()) return builtin_script;
  std::ifstream in{opts.script_path};
  if (!in) fail("cannot read " + opts.script_path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pxl::plan compile_script(const options& opts) {
  pxl::compile_options o;
  o.file = opts.script_path.empty() ? "cluster_bench.pxl" : opts.script_path;
  o.now_ns = std::numeric_limits<std::int64_t>::max() / 2;
  o.max_output_rows_per_table = 1'000'000;
  o.tables = bench::bench_cluster::catalog();
  auto r = pxl::compile(script_text(opts), o);
  if (!r.ok()) fail("compile: " + pxl::to_string(r.diagnostics.front()));
  return std::move(r.plan);
}

// ---- the two modes must give the same rows ----

/// A row's exact values (everything but float64) as text, and its float64 values.
using rows_by_key = std::map<std::string, std::vector<double>>;

rows_by_key rows_of(const exec::result_table& t) {
  rows_by_key out;
  for (const auto& b : t.batches) {
    for (std::size_t i = 0; i < b->num_rows(); ++i) {
      std::string key;
      std::vector<double> floats;
      for (const auto& c : b->columns) {
        switch (c.type()) {
          case schemas::data_type::float64:
            floats.push_back(c.floats()[i]);
            break;
          case schemas::data_type::string:
            key += std::string{c.strings().at(i)};
            break;
          case schemas::data_type::int64:
          case schemas::data_type::time64ns:
            key += std::to_string(c.ints()[i]);
            break;
          case schemas::data_type::boolean:
            key += c.bools()[i] ? "true" : "false";
            break;
          case schemas::data_type::uint128:
            key += std::to_string(c.uint128s()[i].high) + ":" + std::to_string(c.uint128s()[i].low);
            break;
          case schemas::data_type::unknown:
            break;
        }
        key += '\x1f';
      }
      if (!out.emplace(std::move(key), std::move(floats)).second) fail("a result row appears twice");
    }
  }
  return out;
}

/// Same tables, same rows; float64 values within 1e-9 relative (partial sums add in another order).
void check_same_rows(std::size_t k, const exec::run_result& pushed, const exec::run_result& full) {
  const auto where = std::to_string(k) + " agents: ";
  if (pushed.tables.size() != full.tables.size()) fail(where + "the two modes return different tables");
  for (std::size_t t = 0; t < pushed.tables.size(); ++t) {
    const auto a = rows_of(pushed.tables[t]), b = rows_of(full.tables[t]);
    if (a.size() != b.size())
      fail(where + "table " + pushed.tables[t].name + " has " + std::to_string(a.size()) + " rows with pushdown, " +
           std::to_string(b.size()) + " without");
    for (const auto& [key, fa] : a) {
      auto it = b.find(key);
      if (it == b.end()) fail(where + "a row with pushdown differs without it in an exact column: " + key);
      for (std::size_t i = 0; i < fa.size(); ++i)
        if (std::abs(fa[i] - it->second[i]) > 1e-9 * std::max(1.0, std::abs(fa[i])))
          fail(where + "float column " + std::to_string(i) + " of row " + key + " differs");
    }
  }
}

// ---- measurements ----

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct mode_figures {
  double latency_s = 0, agents_exec_s = 0, broker_exec_s = 0;
  std::uint64_t bytes_up = 0, bytes_down = 0, messages_up = 0;
};

struct aggregation_figures {
  std::size_t agents = 0, groups = 0;
  mode_figures pushed, full;
};

mode_figures summarize(const std::vector<bench::aggregation_run>& runs) {
  std::vector<double> lat, agents, broker;
  for (const auto& r : runs) {
    lat.push_back(r.seconds);
    agents.push_back(r.agents_exec_s);
    broker.push_back(r.broker_exec_s);
  }
  // Bytes vary only by the heartbeats that fall in a run: the median run's are shown.
  std::vector<std::uint64_t> up, down, msgs;
  for (const auto& r : runs) {
    up.push_back(r.bytes_up);
    down.push_back(r.bytes_down);
    msgs.push_back(r.messages_up);
  }
  std::sort(up.begin(), up.end());
  std::sort(down.begin(), down.end());
  std::sort(msgs.begin(), msgs.end());
  return {median(lat), median(agents), median(broker), up[up.size() / 2], down[down.size() / 2], msgs[msgs.size() / 2]};
}

aggregation_figures measure_aggregation(const options& o, const pxl::plan& plan, std::size_t k) {
  std::cerr << k << " agents x " << o.rows << " rows...\n";
  bench::bench_cluster cluster;
  if (auto e = cluster.start(k, o.rows, o.batch_rows); !e.empty()) fail(e);
  std::vector<bench::aggregation_run> pushed, full;
  try {
    for (int i = 0; i < o.repeat; ++i) {
      pushed.push_back(cluster.run(plan, true));
      full.push_back(cluster.run(plan, false));
      check_same_rows(k, pushed.back().result, full.back().result);
    }
  } catch (const std::exception& e) {
    fail(std::to_string(k) + " agents: " + e.what());
  }
  aggregation_figures f{k, pushed.front().result.tables.at(0).num_rows(), summarize(pushed), summarize(full)};
  if (f.groups == 0) fail("the aggregation returned no rows");
  return f;
}

struct throughput_figures {
  std::string batch;
  std::size_t rows_per_batch = 0;
  bool curve = false;
  bench::throughput ours, raw;
  bench::codec_cost codec;
};

bench::throughput median_of(std::vector<bench::throughput> v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.seconds < b.seconds; });
  return v[v.size() / 2];
}

throughput_figures measure_throughput(const options& o, std::size_t batch_bytes, const std::string& label, bool curve) {
  std::cerr << "throughput, " << label << (curve ? " batches, CURVE...\n" : " batches...\n");
  const auto batch = bench::http_batch_of_bytes(batch_bytes);
  const auto count = std::max<std::size_t>(16, (o.mib << 20) / batch->byte_size());
  const auto bytes = bench::encoded_batch_bytes(batch);
  std::vector<bench::throughput> ours, raw;
  try {
    for (int i = 0; i < 3; ++i) {  // alternating, so that a busy moment hits both
      ours.push_back(bench::gateway_throughput(batch, count, curve));
      raw.push_back(bench::raw_zmq_throughput(bytes, count, curve));
    }
    return {label, batch->num_rows(), curve, median_of(ours), median_of(raw), bench::batch_codec_cost(batch, 20)};
  } catch (const std::exception& e) {
    fail("throughput " + label + ": " + e.what());
  }
}

// ---- report ----

std::string fmt(double v, int prec = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

std::string mib(std::uint64_t bytes) {
  if (bytes < (1u << 20)) return fmt(static_cast<double>(bytes) / 1024, 1) + " KiB";
  return fmt(static_cast<double>(bytes) / (1 << 20), 2) + " MiB";
}

std::string machine() {
  utsname u{};
  ::uname(&u);
  const auto now = std::time(nullptr);
  char day[32];
  std::strftime(day, sizeof day, "%Y-%m-%d", std::gmtime(&now));
  std::string load = "?";
  if (std::ifstream f{"/proc/loadavg"}; f) f >> load;
  return std::string{day} + " on " + u.nodename + " (" + std::to_string(std::thread::hardware_concurrency()) +
         " CPUs, kernel " + u.release + ", 1-minute load average " + load + " at the end of the run)";
}

std::string command(int argc, char** argv) {
  std::string c = "build/bench/wisp_cluster_bench";
  for (int i = 1; i < argc; ++i) c += std::string{" "} + argv[i];
  return c;
}

std::string report(const options& o, const std::string& cmd, const std::vector<aggregation_figures>& aggs,
                   const std::vector<throughput_figures>& tps) {
  std::ostringstream s;
  s << "## Cluster: cross-node aggregation and transport throughput\n\n"
    << "Measured " << machine() << " with `" << cmd << "`. Broker and agents are one process on\n"
    << "loopback TCP, each agent with its own gateway and ZeroMQ context; all share the machine's CPUs.\n\n"
    << "### Cross-node aggregation (" << o.rows << " rows per agent, batches of " << o.batch_rows << " rows)\n\n"
    << "Script: count, errors, mean and quantiles of latency and total bytes by service and path\n"
    << "(`cluster_bench.cpp`). Median of " << o.repeat << " runs per mode, alternating; the two modes'\n"
    << "rows are checked to be the same in every run. Bytes are the encoded messages the broker's\n"
    << "transport received (up) and sent (down: fragments, credits), heartbeats included.\n\n"
    << "| agents | groups | mode | latency | agents' run_plan CPU (sum) | broker's run_plan CPU | bytes up | messages up | bytes down |\n"
    << "|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& a : aggs) {
    for (const auto* m : {&a.pushed, &a.full}) {
      s << "| " << a.agents << " | " << a.groups << " | " << (m == &a.pushed ? "partial aggregates on agents" : "rows to broker")
        << " | " << fmt(m->latency_s * 1e3, 1) << " ms | " << fmt(m->agents_exec_s * 1e3, 1) << " ms | "
        << fmt(m->broker_exec_s * 1e3, 1) << " ms | " << mib(m->bytes_up) << " | " << m->messages_up << " | "
        << mib(m->bytes_down) << " |\n";
    }
  }
  s << "\n| agents | latency, pushdown / rows to broker | bytes up, pushdown / rows to broker |\n|---|---|---|\n";
  for (const auto& a : aggs)
    s << "| " << a.agents << " | **" << fmt(a.pushed.latency_s / a.full.latency_s, 3) << "** | **"
      << fmt(static_cast<double>(a.pushed.bytes_up) / static_cast<double>(a.full.bytes_up), 5) << "** |\n";
  s << "\n### Batch throughput, agent_gateway -> broker_gateway vs. raw ZeroMQ (" << o.mib << " MiB per run)\n\n"
    << "Ours: row batches encoded, verified, decoded and handed to the query, under the default credit\n"
    << "window (8 batches per stream). Raw: DEALER -> ROUTER messages of the same encoded size, no\n"
    << "encoding, no credits. Median of 3 runs each, alternating. Encode and decode: the cluster\n"
    << "codec alone on one batch message (best of 20, one thread; decode includes the Verifier).\n\n"
    << "| batch | rows per batch | message bytes | CURVE | ours batches/s | ours MB/s | raw msgs/s | raw MB/s | ours / raw | encode | decode |\n"
    << "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& t : tps)
    s << "| " << t.batch << " | " << t.rows_per_batch << " | " << t.ours.message_bytes << " | " << (t.curve ? "yes" : "no")
      << " | " << fmt(t.ours.per_second(), 0) << " | " << fmt(t.ours.mb_per_second(), 0) << " | "
      << fmt(t.raw.per_second(), 0) << " | " << fmt(t.raw.mb_per_second(), 0) << " | **"
      << fmt(t.ours.mb_per_second() / t.raw.mb_per_second(), 3) << "** | " << fmt(t.codec.encode_s * 1e6, 0)
      << " us | " << fmt(t.codec.decode_s * 1e6, 0) << " us |\n";
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  const auto plan = compile_script(o);
  std::vector<aggregation_figures> aggs;
  for (auto k : o.agents) aggs.push_back(measure_aggregation(o, plan, k));
  std::vector<throughput_figures> tps;
  for (bool curve : {false, true}) {
    if (curve && !o.curve) continue;
    tps.push_back(measure_throughput(o, 64 << 10, "64 KiB", curve));
    tps.push_back(measure_throughput(o, 1 << 20, "1 MiB", curve));
  }
  const auto text = report(o, command(argc, argv), aggs, tps);
  std::cout << text;
  if (!o.write_path.empty() && !bench::write_section(o.write_path, "## Cluster:", text))
    fail("cannot write " + o.write_path);
  return 0;
}
