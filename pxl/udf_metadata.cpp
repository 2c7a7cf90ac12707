// Metadata UDFs (facts §7 "Metadata") and host functions.
//
// Kubernetes metadata (pods, services, namespaces, IP -> pod maps, UPID -> pod) is answered by
// the process-wide metadata_provider (pxl/metadata_provider.hpp) that wispd installs when it
// watches a Kubernetes API server (--kube_api); the kernels are in udf_k8s.cpp. Without a
// provider, and for what no provider knows yet (replica sets, deployments, owner references,
// container names as keys, vizier_*), every function keeps Pixie's signature and answers what
// Pixie answers on a host without Kubernetes: "" for names and IDs, 0 for times, so community
// scripts compile and run (issue 3). Host-level answers are real: the host name, the CPU count,
// reverse DNS.

#include <netdb.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "pxl/functions.hpp"
#include "schemas/node_asid.hpp"
#include "pxl/udf_k8s.hpp"

namespace wisp::pxl {

namespace {

using schemas::data_type;
using st = schemas::semantic_type;
using namespace signature_types;

// Writes the type's zero value ("" / 0 / false) for every row, whatever the arguments.
template <data_type R>
void no_metadata_kernel(std::span<const kernel_arg>, std::size_t rows, schemas::column& out) {
  if constexpr (R == data_type::string) {
    for (std::size_t i = 0; i < rows; ++i) out.strings().push_back({});
  } else if constexpr (R == data_type::boolean) {
    out.bools().assign(rows, 0);
  } else {
    out.ints().assign(rows, 0);
  }
}

struct metadata_fn {
  std::string name;
  std::vector<data_type> args;
  data_type result;
  st semantic = st::st_none;
};

udf_kernel no_metadata(data_type r) {
  switch (r) {
    case data_type::string: return &no_metadata_kernel<data_type::string>;
    case data_type::boolean: return &no_metadata_kernel<data_type::boolean>;
    default: return &no_metadata_kernel<data_type::int64>;
  }
}

// The property functions "<key>_to_<property>" of facts §7, by key type.
std::vector<metadata_fn> metadata_functions() {
  std::vector<metadata_fn> fns;
  auto semantic_of = [](std::string_view property) {
    if (property.ends_with("pod_name")) return st::st_pod_name;
    if (property.ends_with("service_name")) return st::st_service_name;
    if (property.ends_with("namespace")) return st::st_namespace_name;
    if (property.ends_with("node_name")) return st::st_node_name;
    if (property.ends_with("container_name")) return st::st_container_name;
    if (property == "pod_status") return st::st_pod_status;
    return st::st_none;
  };
  auto add = [&](std::string_view key, std::initializer_list<const char*> properties,
                 std::vector<data_type> args) {
    for (const char* p : properties) {
      std::string_view prop{p};
      bool is_time = prop.ends_with("start_time") || prop.ends_with("stop_time");
      fns.push_back({std::string{key} + "_to_" + std::string{prop}, args, is_time ? t_ : s_,
                     semantic_of(prop)});
    }
  };
  add("upid", {"cmdline", "namespace", "pod_id", "pod_name", "pod_status", "pod_qos", "node_name",
               "container_id", "container_name", "service_id", "service_name", "replicaset_id",
               "replicaset_name", "deployment_id", "deployment_name"},
      {u_});
  add("pod_id", {"pod_name", "namespace", "node_name", "service_id", "service_name", "pod_labels",
                 "owner_references", "replicaset_id", "replicaset_name", "deployment_id",
                 "deployment_name", "start_time", "stop_time"},
      {s_});
  add("pod_name", {"pod_id", "namespace", "pod_ip", "status", "service_id", "service_name",
                   "owner_references", "replicaset_id", "replicaset_name", "deployment_id",
                   "deployment_name", "start_time", "stop_time"},
      {s_});
  add("service_id", {"service_name", "cluster_ip", "external_ips"}, {s_});
  add("service_name", {"service_id", "namespace"}, {s_});
  add("container_id", {"status", "start_time", "stop_time"}, {s_});
  add("container_name", {"container_id", "start_time", "stop_time"}, {s_});
  add("replicaset_id", {"replicaset_name", "namespace", "owner_references", "status",
                        "deployment_id", "deployment_name", "start_time", "stop_time"},
      {s_});
  add("replicaset_name", {"replicaset_id", "namespace", "owner_references", "status",
                          "deployment_id", "deployment_name", "start_time", "stop_time"},
      {s_});
  add("deployment_id", {"deployment_name", "namespace", "status", "start_time", "stop_time"}, {s_});
  add("deployment_name", {"deployment_id", "namespace", "status", "start_time", "stop_time"}, {s_});
  add("namespace_name", {"namespace_id"}, {s_});
  fns.push_back({"_upid_to_podname_local_addr_fallback", {u_, s_, t_}, s_, st::st_pod_name});
  fns.push_back({"ip_to_pod_id", {s_}, s_});
  fns.push_back({"ip_to_pod_id", {s_, t_}, s_});
  fns.push_back({"ip_to_service_id", {s_}, s_});
  fns.push_back({"vizier_id", {}, s_});
  fns.push_back({"vizier_name", {}, s_});
  fns.push_back({"vizier_namespace", {}, s_});
  fns.push_back({"shared_libraries", {u_}, s_});
  return fns;
}

struct hostname_op {
  std::string_view operator()() const { return this_host_name(); }
  std::string_view operator()(schemas::uint128) const { return this_host_name(); }
};
struct num_cpus_op {
  std::int64_t operator()() const { return static_cast<std::int64_t>(std::thread::hardware_concurrency()); }
};
// This agent's short id: 0 until the cluster assigns ASIDs.
struct asid_op {
  std::int64_t operator()() const { return schemas::node_asid(); }
};
struct cidrs_op {
  std::string_view operator()() const { return "[]"; }
};

// Reverse DNS with a process-wide LRU cache (Pixie: 1024 entries), since a lookup may take a
// resolver round trip. A name that does not resolve is answered with the address itself.
class reverse_dns_cache {
 public:
  static constexpr std::size_t capacity = 1024;

  std::string lookup(std::string_view ip) {
    std::string key{ip};
    {
      std::lock_guard lock{mu_};
      if (auto it = index_.find(key); it != index_.end()) {
        order_.splice(order_.begin(), order_, it->second);
        return it->second->second;
      }
    }
    std::string name = resolve(key);
    std::lock_guard lock{mu_};
    if (index_.contains(key)) return name;
    order_.emplace_front(key, name);
    index_[key] = order_.begin();
    if (order_.size() > capacity) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
    return name;
  }

 private:
  static std::string resolve(const std::string& ip) {
    sockaddr_storage addr{};
    socklen_t len = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      len = sizeof *v4;
    } else if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      len = sizeof *v6;
    } else {
      return ip;
    }
    char host[NI_MAXHOST];
    if (getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, nullptr, 0,
                    NI_NAMEREQD) != 0)
      return ip;
    return host;
  }

  std::mutex mu_;
  std::list<std::pair<std::string, std::string>> order_;  // most recent first
  std::unordered_map<std::string, std::list<std::pair<std::string, std::string>>::iterator> index_;
};

struct nslookup_op {
  std::string buf;
  std::string_view operator()(std::string_view ip) {
    static reverse_dns_cache cache;
    buf = cache.lookup(ip);
    return buf;
  }
};

}  // namespace

void register_metadata_udfs(function_registry& r) {
  for (auto& f : metadata_functions()) {
    udf_kernel k = k8s_metadata_kernel(f.name, f.args.size());
    r.add(udf_def{f.name, f.args, f.result,
                  f.semantic == st::st_none ? semantic_rule::none : semantic_rule::fixed,
                  k != nullptr ? k : no_metadata(f.result), f.semantic, false, nullptr});
  }
  // Where the query runs: never folded at compile time (an agent answers for itself).
  auto node_local = [](udf_def f) {
    f.node_local = true;
    return f;
  };
  r.add(node_local(make_udf<s_, hostname_op>("_exec_hostname")));
  r.add(make_udf<s_, hostname_op, u_>("upid_to_hostname"));
  r.add(node_local(make_udf<i_, num_cpus_op>("_exec_host_num_cpus")));
  r.add(node_local(make_udf<i_, asid_op>("asid", semantic_rule::fixed, st::st_asid)));
  r.add(make_udf<s_, cidrs_op>("get_cidrs"));
  r.add(make_udf<s_, nslookup_op, s_>("nslookup"));
}

}  // namespace wisp::pxl
