// `wispd`: the Wisp daemon (design §1). `--role=standalone` (the default) runs agent and broker
// in one process: the socket tracer and its parsers, the table store, the tracepoint manager, the
// query broker and the client endpoint on loopback. `--role=agent` runs the node's part (tracers,
// tables, tracepoints) and serves plan fragments from the broker through its gateway;
// `--role=broker` runs the agents' registry, the planner and the client endpoint, and no BPF.
// Every flag has an environment equivalent (WISP_<FLAG IN CAPITALS>).
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
#include "cluster/agent_gateway.hpp"
#include "cluster/broker_gateway.hpp"
#include "cluster/client_endpoint.hpp"
#include "cluster/curve_keys.hpp"
#include "cluster/fragment_runner.hpp"
#include "cluster/metadata/metadata_service.hpp"
#include "cluster/query_broker.hpp"
#include "cluster/wispd_flags.hpp"
#include "schemas/types.hpp"

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
/// cluster to assign one); the ASID is 0 until a broker assigns one (schemas/node_asid.hpp).
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
  a.start_time_ns = schemas::wall_clock_ns();
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

/// This process's CURVE key pair (--key_file), if any.
std::optional<cluster::curve_keypair> own_keys(const std::map<std::string, std::string>& v) {
  if (v.at("key_file").empty()) return std::nullopt;
  std::string err;
  auto keys = cluster::read_keypair(v.at("key_file"), err);
  if (!keys) die("cannot read --key_file=" + v.at("key_file") + ": " + err + " (make one with `wisp keys NAME`)");
  return keys;
}

/// What a node that traces runs (standalone and agent): the socket tracer, its parsers, the table
/// store and the tracepoint manager. `actors` collects what to stop at exit.
cluster::broker_deps start_node(caf::actor_system& sys, const std::map<std::string, std::string>& v,
                                const std::vector<std::string>& host_addresses, std::unique_ptr<bpf::socket_tracer_loader> loader,
                                std::vector<caf::actor>& actors) {
  tables::table_store_options store_opts;
  store_opts.total_bytes = number_flag(v, "table_store_limit_mb", 1, 1 << 20) << 20;
  store_opts.http_events_percent = static_cast<unsigned>(number_flag(v, "http_events_percent", 0, 100));
  auto store = tables::spawn_table_store(sys, store_opts);

  protocols::parser_options popts;
  popts.max_body_bytes = number_flag(v, "max_body_bytes", 0, 1 << 20);
  popts.local_addresses = host_addresses;
  sources::parser_pools pools;
  std::vector<protocols::parser_actor> parsers;  // all of them, for the loss counters
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
  auto tracer = sources::spawn_socket_tracer(sys, std::move(loader), std::move(tracer_config));

  cluster::broker_deps deps;
  deps.tables = store.shards;
  deps.tracers = {tracer};
  deps.parsers = parsers;
  deps.agents = {this_agent(host_addresses)};
  tracepoints::tracepoint_manager_config tp_config;
  tp_config.deploy.max_tracepoints = number_flag(v, "max_tracepoints", 1, WISP_DT_MAX_SLOTS);
  tp_config.deploy.max_events_per_second = number_flag(v, "tracepoint_max_events_per_s", 1, 100'000'000);
  tp_config.deploy.bpftrace_path = v.at("bpftrace");
  tp_config.table_bytes = number_flag(v, "tracepoint_table_mb", 1, 1 << 20) << 20;
  tp_config.tables = deps.dynamic_tables;
  tp_config.board = deps.tracepoint_status;
  auto tracepoint_manager = tracepoints::spawn_tracepoint_manager(sys, std::move(tp_config));
  deps.tracepoint_manager = tracepoint_manager;

  actors.push_back(caf::actor_cast<caf::actor>(tracer));
  actors.push_back(caf::actor_cast<caf::actor>(tracepoint_manager));
  for (auto& p : parsers) actors.push_back(caf::actor_cast<caf::actor>(p));
  for (auto& [name, shard] : store.shards) actors.push_back(caf::actor_cast<caf::actor>(shard));
  return deps;
}

/// An allowlist flag's file, which --key_file requires (`who` names the keys it lists).
cluster::key_allowlist allowlist_flag(const std::map<std::string, std::string>& v, const std::string& name,
                                      const std::string& who) {
  if (v.at(name).empty()) die("cannot use --key_file without --" + name + ": no " + who + " could connect");
  std::string err;
  auto allowed = cluster::read_allowlist(v.at(name), err);
  if (!allowed) die("cannot read --" + name + "=" + v.at(name) + ": " + err);
  return std::move(*allowed);
}

/// Logs the refused clients at 1, 2, 4, 8, ... refusals: an operator sees the first at once,
/// and a client retrying in a loop cannot flood the log.
void log_refused_clients(const std::string& listen, bool keyed, std::uint64_t total) {
  if ((total & (total - 1)) != 0) return;
  std::cerr << "wispd: refused clients on " << listen << ": " << total << " so far ("
            << (keyed ? "failed CURVE handshakes: a key not on --allowed_clients, a client without keys or with "
                        "the wrong server key"
                      : "clients that offered CURVE keys to this key-less endpoint")
            << ")\n";
}

/// The client endpoint's options (standalone and broker), read and checked before BPF loads: a
/// CURVE server admitting the --allowed_clients keys with --key_file (and letting the
/// --tracepoint_clients ones deploy tracepoints), else loopback only.
cluster::client_endpoint_options client_endpoint_flags(const std::map<std::string, std::string>& v) {
  cluster::client_endpoint_options o;
  o.endpoint = v.at("listen");
  o.server_keys = own_keys(v);
  if (o.server_keys) o.allowed_clients = allowlist_flag(v, "allowed_clients", "client");
  if (!v.at("tracepoint_clients").empty()) {
    if (!o.server_keys) die("cannot use --tracepoint_clients without --key_file: without keys clients have no identity");
    o.tracers = allowlist_flag(v, "tracepoint_clients", "client");
  }
  if (auto err = cluster::check_client_endpoint_options(o); !err.empty()) die(err);
  o.on_refused = [listen = o.endpoint, keyed = o.server_keys.has_value()](std::uint64_t total) {
    log_refused_clients(listen, keyed, total);
  };
  return o;
}

/// Starts the client endpoint that hands requests to the query broker.
void serve_clients(cluster::client_endpoint& endpoint, cluster::client_endpoint_options o,
                   cluster::query_broker_actor broker) {
  if (auto err = endpoint.start(std::move(o), [broker](std::uint64_t id, wire::query_request req,
                                                       cluster::client_identity client, cluster::reply_fn reply) {
        caf::anon_send(broker, actors::run_atom::value, id, std::move(req), std::move(client), std::move(reply));
      });
      !err.empty())
    die(err + " (is another wispd running? choose another --listen)");
}

/// The agent's link to the broker: registration with this node's tables, heartbeats with its
/// loss counters and tracepoints, and fragments and tracepoint requests to the fragment runner.
std::shared_ptr<cluster::agent_gateway> start_agent_gateway(caf::actor_system& sys,
                                                             const std::map<std::string, std::string>& v,
                                                             const cluster::broker_deps& deps,
                                                             std::vector<caf::actor>& actors) {
  if (v.at("broker").empty()) die("cannot run --role=agent: no --broker endpoint (e.g. --broker=tcp://wisp-broker:50400)");
  auto gateway = std::make_shared<cluster::agent_gateway>();
  auto gateway_actor = cluster::spawn_agent_gateway_actor(sys, gateway);
  auto runner = cluster::spawn_fragment_runner(sys, {deps, gateway_actor});
  auto losses = std::make_shared<cluster::loss_snapshot>();
  const auto heartbeat = std::chrono::milliseconds{number_flag(v, "heartbeat_ms", 100, 600'000)};
  actors.push_back(caf::actor_cast<caf::actor>(runner));
  actors.push_back(caf::actor_cast<caf::actor>(gateway_actor));
  actors.push_back(cluster::spawn_loss_poller(sys, deps, losses, heartbeat));

  cluster::agent_gateway_options o;
  o.transport.broker_endpoint = v.at("broker");
  o.transport.client_keys = own_keys(v);
  if (o.transport.client_keys) {
    std::string err;
    auto pub = cluster::read_key_file(v.at("broker_key"), err);
    if (!pub) die("cannot read --broker_key=" + v.at("broker_key") + ": " + err + " (the broker's NAME.pub)");
    o.transport.broker_public_z85 = *pub;
  }
  o.heartbeat = heartbeat;
  const auto& self = deps.agents.front();
  utsname u{};
  const std::string kernel = uname(&u) == 0 ? u.release : "";
  o.describe = [self, kernel, deps] {
    cluster_wire::register_request r;
    r.agent_id = schemas::to_string(self.agent_id);
    r.hostname = self.hostname;
    r.kernel_release = kernel;
    r.tables = cluster::node_tables(deps);
    r.ip_address = self.ip_address;
    r.start_time_ns = self.start_time_ns;
    r.kernel_headers_installed = self.kernel_headers_installed;
    return r;
  };
  o.losses = [losses] { return losses->get(); };
  o.on_fragment = [runner](cluster_wire::plan_fragment f) { caf::anon_send(runner, actors::run_atom::value, std::move(f)); };
  o.tracepoints = [deps] { return cluster::node_tracepoints(deps); };
  o.on_problem = [](const std::string& what) { std::cerr << "wispd: " << what << "\n"; };
  o.on_tracepoint = [runner](cluster_wire::tracepoint_request r) {
    caf::anon_send(runner, tracepoints::upsert_atom::value, std::move(r));
  };
  if (auto err = gateway->start(std::move(o)); !err.empty()) die("cannot start the agent gateway: " + err);
  return gateway;
}

/// The broker's gateway: where agents connect.
std::shared_ptr<cluster::broker_gateway> start_broker_gateway(const std::map<std::string, std::string>& v) {
  cluster::broker_gateway_options o;
  o.transport.endpoint = v.at("cluster_listen");
  o.transport.server_keys = own_keys(v);
  if (o.transport.server_keys) o.transport.allowed_agents = allowlist_flag(v, "allowed_keys", "agent");
  o.registry.lost_after = std::chrono::seconds{number_flag(v, "agent_lost_s", 1, 3600)};
  o.registry.forget_after = std::chrono::seconds{number_flag(v, "agent_forget_s", 1, 86400)};
  if (o.registry.forget_after < o.registry.lost_after) die("cannot use --agent_forget_s below --agent_lost_s");
  auto gateway = std::make_shared<cluster::broker_gateway>();
  if (auto err = gateway->start(std::move(o)); !err.empty())
    die("cannot listen for agents on " + v.at("cluster_listen") + ": " + err);
  return gateway;
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
  const auto& role = v.at("role");
  if (role != "standalone" && role != "agent" && role != "broker")
    die("cannot run --role=" + role + ": the roles are standalone, agent and broker");
  const bool traces = role != "broker";
  if (auto kube = cluster::metadata::parse_kube_api(v.at("kube_api")); !kube) die("cannot " + kube.error_value().what);

  std::optional<cluster::client_endpoint_options> client_options;
  if (role != "agent") client_options = client_endpoint_flags(v);

  std::unique_ptr<bpf::socket_tracer_loader> loader;
  const auto host_addresses = local_addresses();
  if (traces) {
    if (auto env = bpf::check_environment(); !env) die("cannot " + env.error_value().what);
    const auto ring_mb = number_flag(v, "data_ring_mb", 1, 1024);
    if ((ring_mb & (ring_mb - 1)) != 0) die("cannot use --data_ring_mb=" + v.at("data_ring_mb") + ": must be a power of two");
    // One list for both: the kernel skips copying exactly the client-side connections that the
    // parsers' role policies would drop. The kernel infers the protocols there are parsers for.
    bpf::socket_tracer_options tracer_opts;
    tracer_opts.data_ring_bytes = static_cast<std::uint32_t>(ring_mb << 20);
    tracer_opts.local_addresses = host_addresses;
    if (v.at("trace_netns") == "self") {
      tracer_opts.only_netns = bpf::netns_inode();
      if (tracer_opts.only_netns == 0) die("cannot use --trace_netns=self: /proc/self/ns/net cannot be read");
    } else if (!v.at("trace_netns").empty()) {
      die("cannot use --trace_netns=" + v.at("trace_netns") + ": the values are `self` and empty");
    }
    tracer_opts.protocols = 0;
    tracer_opts.server_side_protocols = 0;
    for (const auto& p : protocols::parsed_protocols()) {
      tracer_opts.protocols |= 1U << p.protocol;
      if (p.server_side_only) tracer_opts.server_side_protocols |= 1U << p.protocol;
    }
    auto started = bpf::socket_tracer_loader::start(tracer_opts);
    if (!started) die("cannot start the socket tracer: " + started.error_value().what);
    loader = std::move(*started);
  }

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", static_cast<std::size_t>(number_flag(v, "scheduler_threads", 1, 64)));
  cfg.set("logger.verbosity", caf::atom("quiet"));
  // The agent works in bursts (one per poll period). After each burst CAF's default has every
  // idle worker sleep-poll 500 times at 50 us before it waits on its condition variable; perf
  // showed those wake-ups costing more agent CPU than the work. Idle workers now go straight to
  // the condition variable, which new work signals.
  cfg.set("work-stealing.moderate-poll-attempts", std::size_t{0});
  caf::actor_system sys{cfg};

  std::vector<caf::actor> actors;  // stopped at exit
  cluster::broker_deps deps;
  if (traces) deps = start_node(sys, v, host_addresses, std::move(loader), actors);
  cluster::client_endpoint endpoint;
  std::shared_ptr<cluster::agent_gateway> agent_gateway;
  if (role == "agent") {
    agent_gateway = start_agent_gateway(sys, v, deps, actors);
    std::cerr << "wispd: agent running; broker " << v.at("broker") << "\n";
  } else {
    if (role == "broker") {
      deps.gateway = start_broker_gateway(v);
      deps.gateway_actor = cluster::spawn_broker_gateway_actor(sys, deps.gateway);
      actors.push_back(caf::actor_cast<caf::actor>(*deps.gateway_actor));
      std::cerr << "wispd: broker running; agents connect to " << deps.gateway->endpoint() << "\n";
    }
    auto broker = cluster::spawn_query_broker(sys, deps);
    actors.push_back(caf::actor_cast<caf::actor>(broker));
    serve_clients(endpoint, std::move(*client_options), broker);
    std::cerr << "wispd: " << role << (role == "standalone" ? " agent" : "") << " running; client endpoint "
              << v.at("listen") << "\n";
  }
  // Kubernetes metadata for the pod_*/service_*/ip_to_*/upid_to_* functions (started last: no
  // die() after it while its threads run). Never waits for the API server: the watch threads
  // retry until it answers. Without one, /proc and cgroups still answer upid_to_cmdline,
  // upid_to_container_id and upid_to_pod_id.
  auto metadata = cluster::metadata::start_metadata_service(v.at("kube_api"), v.at("kube_node"));
  if (!metadata) die("cannot " + metadata.error_value().what);
  const int sig = wait_for_signal();
  std::cerr << "wispd: stopping on signal " << sig << "\n";
  for (auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  return 0;
}
