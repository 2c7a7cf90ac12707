// `wispd`: the Wisp daemon. `--role=standalone` (the default) runs agent and broker in one
// process: the socket tracer and its parsers, the table store, the query broker and the client
// endpoint on loopback. Every flag has an environment equivalent (WISP_<FLAG IN CAPITALS>).
//
// An environment problem found at start-up (not root, no BTF, no tracefs, a port taken) ends the
// program with one line: "wispd: cannot <verb> <object>: <reason> (<what to do>)".

#include <ifaddrs.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <random>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "actors/protocols/parser_actor.hpp"
#include "actors/sources/socket_tracer.hpp"
#include "actors/tables/table_shard.hpp"
#include "actors/exec/memory.hpp"
#include "bpf/environment.hpp"
#include "bpf/socket_tracer_loader.hpp"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/send.hpp"
#include "cluster/client.hpp"
#include "cluster/client_endpoint.hpp"
#include "cluster/metadata/metadata_service.hpp"
#include "cluster/query_broker.hpp"
#include "cluster/wispd_flags.hpp"

namespace {

using namespace wisp;

[[noreturn]] void die(const std::string& line) {
  std::cerr << "wispd: " << line << "\n";
  std::exit(1);
}

void usage() {
  std::cout << "usage: wispd [--flag=value ...]\n\nflags (environment variable WISP_<FLAG>):\n";
  for (const auto& f : cluster::wispd_flags)
    std::cout << "  --" << f.name << " (default " << f.default_value << ")\n      " << f.help << "\n";
}

/// Flag values: defaults, overridden by the environment, overridden by the command line.
std::map<std::string, std::string> parse_flags(int argc, char** argv) {
  std::map<std::string, std::string> v;
  for (const auto& f : cluster::wispd_flags) {
    v[f.name] = f.default_value;
    if (const char* e = std::getenv(cluster::wispd_flag_env_name(f.name).c_str())) v[f.name] = e;
  }
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage();
      std::exit(0);
    }
    const auto eq = a.find('=');
    if (a.rfind("--", 0) != 0 || eq == std::string::npos)
      die("cannot parse argument '" + a + "': flags look like --name=value (see --help)");
    const auto name = a.substr(2, eq - 2);
    if (!v.count(name)) die("cannot parse argument '" + a + "': unknown flag --" + name + " (see --help)");
    v[name] = a.substr(eq + 1);
  }
  return v;
}

std::uint64_t number_flag(const std::map<std::string, std::string>& v, const std::string& name,
                          std::uint64_t min, std::uint64_t max) {
  const auto& s = v.at(name);
  char* end = nullptr;
  errno = 0;
  const auto n = std::strtoull(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0 || n < min || n > max)
    die("cannot use --" + name + "=" + s + ": expected a whole number in [" + std::to_string(min) + ", " +
        std::to_string(max) + "]");
  return n;
}

/// The addresses of this host's interfaces: in standalone mode the "cluster" is this node.
std::vector<std::string> local_addresses() {
  std::vector<std::string> out;
  ifaddrs* ifs = nullptr;
  if (getifaddrs(&ifs) != 0) return out;
  for (auto* i = ifs; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    const auto fam = i->ifa_addr->sa_family;
    if (fam != AF_INET && fam != AF_INET6) continue;
    char host[NI_MAXHOST];
    const socklen_t len = fam == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    if (getnameinfo(i->ifa_addr, len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) == 0) {
      std::string h = host;
      if (const auto pct = h.find('%'); pct != std::string::npos) h.resize(pct);  // fe80::1%eth0
      out.push_back(h);
    }
  }
  freeifaddrs(ifs);
  return out;
}

/// This node as px.GetAgentStatus shows it. The agent id is random per start (there is no
/// cluster to assign one); the ASID is 0, as px.asid() answers until the cluster assigns them.
/// Wisp's probes are CO-RE and need only BTF, but the column keeps Pixie's meaning: whether the
/// running kernel's headers are installed (/lib/modules/<release>/build).
cluster::agent_info this_agent(const std::vector<std::string>& addresses) {
  cluster::agent_info a;
  std::random_device rd;
  auto word = [&rd] { return (static_cast<std::uint64_t>(rd()) << 32) | rd(); };
  a.agent_id = {word(), word()};
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) a.hostname = host;
  // The first non-loopback IPv4 address, else the first non-loopback one, else loopback.
  for (int pass = 0; pass < 2 && a.ip_address.empty(); ++pass)
    for (const auto& ip : addresses) {
      const bool v4 = ip.find(':') == std::string::npos;
      const bool loopback = ip.rfind("127.", 0) == 0 || ip == "::1";
      if (!loopback && (v4 || pass == 1)) {
        a.ip_address = ip;
        break;
      }
    }
  if (a.ip_address.empty()) a.ip_address = "127.0.0.1";
  a.start_time_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  utsname u{};
  std::error_code ec;
  a.kernel_headers_installed =
      uname(&u) == 0 && std::filesystem::exists(std::string{"/lib/modules/"} + u.release + "/build", ec);
  return a;
}

int wait_for_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts so that only sigwait() sees them.
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, nullptr);

  exec::keep_freed_memory_during_queries();  // before any other thread exists
  const auto v = parse_flags(argc, argv);
  if (v.at("role") != "standalone")
    die("cannot run --role=" + v.at("role") + ": this build runs only --role=standalone (agent and broker roles come with the cluster)");

  if (auto env = bpf::check_environment(); !env) die("cannot " + env.error_value().what);
  if (auto kube = cluster::metadata::parse_kube_api(v.at("kube_api")); !kube) die("cannot " + kube.error_value().what);

  const auto ring_mb = number_flag(v, "data_ring_mb", 1, 1024);
  if ((ring_mb & (ring_mb - 1)) != 0) die("cannot use --data_ring_mb=" + v.at("data_ring_mb") + ": must be a power of two");
  // One list for both: the kernel skips copying exactly the client-side connections that the
  // parsers' role policies would drop. The kernel infers the protocols there are parsers for.
  const auto host_addresses = local_addresses();
  bpf::socket_tracer_options tracer_opts;
  tracer_opts.data_ring_bytes = static_cast<std::uint32_t>(ring_mb << 20);
  tracer_opts.local_addresses = host_addresses;
  tracer_opts.protocols = 0;
  tracer_opts.server_side_protocols = 0;
  for (const auto& p : protocols::parsed_protocols()) {
    tracer_opts.protocols |= 1U << p.protocol;
    if (p.server_side_only) tracer_opts.server_side_protocols |= 1U << p.protocol;
  }
  auto loader = bpf::socket_tracer_loader::start(tracer_opts);
  if (!loader) die("cannot start the socket tracer: " + loader.error_value().what);

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", static_cast<std::size_t>(number_flag(v, "scheduler_threads", 1, 64)));
  cfg.set("logger.verbosity", caf::atom("quiet"));
  // The agent works in bursts (one per poll period). After each burst CAF's default has every
  // idle worker sleep-poll 500 times at 50 us before it waits on its condition variable; perf
  // showed those wake-ups costing more agent CPU than the work. Idle workers now go straight to
  // the condition variable, which new work signals.
  cfg.set("work-stealing.moderate-poll-attempts", std::size_t{0});
  caf::actor_system sys{cfg};

  tables::table_store_options store_opts;
  store_opts.total_bytes = number_flag(v, "table_store_limit_mb", 1, 1 << 20) << 20;
  store_opts.http_events_percent = static_cast<unsigned>(number_flag(v, "http_events_percent", 0, 100));
  auto store = tables::spawn_table_store(sys, store_opts);

  protocols::parser_options popts;
  popts.max_body_bytes = number_flag(v, "max_body_bytes", 0, 1 << 20);
  popts.local_addresses = host_addresses;
  sources::parser_pools pools;
  std::vector<protocols::parser_actor> parsers;  // all of them, for the broker's counters
  const auto per_protocol = number_flag(v, "parsers", 1, 64);
  for (const auto& p : protocols::parsed_protocols()) {
    for (std::uint64_t i = 0; i < per_protocol; ++i) {
      auto parser = protocols::spawn_parser(sys, p.protocol, store.shards.at(std::string{p.table}), popts);
      pools[p.protocol].push_back(parser);
      parsers.push_back(std::move(parser));
    }
  }

  sources::socket_tracer_config tracer_config;
  tracer_config.parsers = std::move(pools);
  tracer_config.conn_stats_table = store.shards.at("conn_stats");
  tracer_config.poll_period = std::chrono::milliseconds{number_flag(v, "poll_period_ms", 1, 60000)};
  tracer_config.conn_stats_period = std::chrono::seconds{number_flag(v, "conn_stats_period_s", 1, 3600)};
  auto tracer = sources::spawn_socket_tracer(sys, std::move(*loader), std::move(tracer_config));

  cluster::broker_deps deps;
  deps.tables = store.shards;
  deps.tracers = {tracer};
  deps.parsers = parsers;
  deps.agents = {this_agent(host_addresses)};
  tracepoints::tracepoint_manager_config tp_config;
  tp_config.deploy.asid = static_cast<std::uint32_t>(deps.agents.front().asid);
  tp_config.deploy.max_tracepoints = number_flag(v, "max_tracepoints", 1, WISP_DT_MAX_SLOTS);
  tp_config.deploy.max_events_per_second = number_flag(v, "tracepoint_max_events_per_s", 1, 100'000'000);
  tp_config.deploy.bpftrace_path = v.at("bpftrace");
  tp_config.table_bytes = number_flag(v, "tracepoint_table_mb", 1, 1 << 20) << 20;
  tp_config.tables = deps.dynamic_tables;
  tp_config.board = deps.tracepoint_status;
  auto tracepoint_manager = tracepoints::spawn_tracepoint_manager(sys, std::move(tp_config));
  deps.tracepoint_manager = tracepoint_manager;
  auto broker = cluster::spawn_query_broker(sys, std::move(deps));

  cluster::client_endpoint endpoint;
  if (auto err = endpoint.start(v.at("listen"), [broker](std::uint64_t id, wire::query_request req, cluster::reply_fn reply) {
        caf::anon_send(broker, actors::run_atom::value, id, std::move(req), std::move(reply));
      });
      !err.empty())
    die(err + " (is another wispd running? choose another --listen)");
  // Kubernetes metadata for the pod_*/service_*/ip_to_*/upid_to_* functions (started last: no
  // die() after it while its threads run). Never waits for the API server: the watch threads
  // retry until it answers.
  auto metadata = cluster::metadata::start_metadata_service(v.at("kube_api"));
  if (!metadata) die("cannot " + metadata.error_value().what);

  std::cerr << "wispd: standalone agent running; client endpoint " << v.at("listen") << "\n";
  const int sig = wait_for_signal();
  std::cerr << "wispd: stopping on signal " << sig << "\n";
  caf::anon_send_exit(tracer, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(tracepoint_manager, caf::exit_reason::user_shutdown);
  for (auto& p : parsers) caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
  for (auto& [name, shard] : store.shards) caf::anon_send_exit(shard, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
  return 0;
}
