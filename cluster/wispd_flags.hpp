#pragma once
// The flags of `wispd`, one table: wispd parses them (wispd_main.cpp) and `wisp deploy` renders
// them into the ConfigMap of the Kubernetes manifests (deploy_manifests.cpp). Every flag has an
// environment equivalent, WISP_<NAME IN CAPITALS>.

#include <cctype>
#include <string>
#include <string_view>

#include "cluster/client.hpp"

namespace wisp::cluster {

struct wispd_flag {
  const char* name;
  const char* default_value;
  const char* help;
};

inline constexpr wispd_flag wispd_flags[] = {
    {"role", "standalone", "standalone (agent and broker in one process), agent (one per node: tracers and tables) or broker (one per cluster: agents' registry, planner, client endpoint)"},
    {"listen", default_endpoint, "client endpoint (ZeroMQ; standalone and broker); a non-loopback address needs --key_file and --allowed_clients"},
    {"broker", "", "agent: the broker's cluster endpoint, e.g. tcp://wisp-broker:50400"},
    {"cluster_listen", "tcp://127.0.0.1:50400", "broker: where agents connect (ZeroMQ); a non-loopback address needs --key_file"},
    {"key_file", "", "this process's CURVE key pair DIR/NAME (DIR/NAME.key and DIR/NAME.pub, made by `wisp keys`): it encrypts the client endpoint, the broker's agent endpoint and an agent's link to the broker; empty: no encryption, loopback only"},
    {"broker_key", "", "agent: the broker's public key file (NAME.pub); needed with --key_file"},
    {"allowed_keys", "", "broker: the allowlist of agent public keys (one Z85 key per line); needed with --key_file"},
    {"allowed_clients", "", "standalone and broker: the allowlist of client public keys (`wisp --key`'s NAME.pub, one Z85 key per line); needed with --key_file. A list apart from --allowed_keys: an agent's key cannot run queries, a client's key cannot register as an agent"},
    {"tracepoint_clients", "", "standalone and broker: of the --allowed_clients keys, the ones that may deploy and delete tracepoints (same file format); empty: every allowed client may"},
    {"heartbeat_ms", "2000", "agent: milliseconds between heartbeats to the broker"},
    {"agent_lost_s", "10", "broker: seconds without a heartbeat before an agent is lost (queries stop waiting for it)"},
    {"agent_forget_s", "300", "broker: seconds without a heartbeat before a lost agent is forgotten"},
    {"table_store_limit_mb", "1280", "memory budget of all tables together, MiB"},
    {"http_events_percent", "40", "share of the table budget that http_events gets, percent"},
    {"max_body_bytes", "512", "body columns are truncated to this many bytes"},
    {"poll_period_ms", "100", "how often the socket tracer drains its ring buffers"},
    {"parsers", "1", "number of parser actors per protocol"},
    {"conn_stats_period_s", "10", "seconds between conn_stats rows (Pixie: 10)"},
    {"data_ring_mb", "16", "size of the socket data ring buffer, MiB (a power of two)"},
    {"trace_netns", "", "self: trace only the processes of wispd's own network namespace (several agents on one kernel, as the cluster tests run them); empty: every process of the host"},
    {"scheduler_threads", "2", "CAF scheduler threads"},
    {"max_tracepoints", "32", "dynamic tracepoints (pxtrace) running at once"},
    {"tracepoint_max_events_per_s", "200000", "a tracepoint over this event rate is detached and reported"},
    {"tracepoint_table_mb", "64", "memory budget of each tracepoint's table, MiB"},
    {"bpftrace", "", "the bpftrace executable for pxtrace bpftrace programs (empty: bpftrace on PATH)"},
    {"kube_api", "", "Kubernetes API server: empty = none, `in-cluster` = the service account's, or http(s)://host:port"},
    {"kube_node", "", "this node's Kubernetes name: with --kube_api, watch only the pods scheduled on it (agents)"},
};

/// The environment variable of flag `name`: "table_store_limit_mb" -> "WISP_TABLE_STORE_LIMIT_MB".
inline std::string wispd_flag_env_name(std::string_view name) {
  std::string out = "WISP_";
  for (char c : name) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace wisp::cluster
