#pragma once
// Where the Kubernetes metadata functions (pod_*, service_*, ip_to_*, upid_to_*, ctx[...]) get
// their answers: one process-wide provider, installed once at start-up by whoever watches the
// cluster (cluster/metadata's store_provider) and read by the UDF kernels, which are plain
// function pointers and cannot carry state. No provider installed: every such function answers
// "" / 0, as Pixie does on a host without Kubernetes.
//
// The views are the fields the functions need, copied out of the provider's store, so a lookup
// never holds a lock while a kernel works. Any thread.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wisp::pxl {

struct k8s_container_view {
  std::string id;     // runtime id, without "containerd://"
  std::string name;
  std::string state;  // "running", "waiting", "terminated", or empty
  std::string reason;
  std::string message;
  std::int64_t start_ns = 0;
  std::int64_t stop_ns = 0;
};

struct k8s_pod_view {
  std::string uid;
  std::string name;
  std::string ns;
  std::string node_name;
  std::vector<std::string> ips;
  std::string phase;  // Pending, Running, Succeeded, Failed, Unknown
  std::string reason;
  std::string message;
  bool ready = false;  // the Ready condition
  std::string qos_class;
  std::int64_t start_ns = 0;  // creation time
  std::int64_t stop_ns = 0;   // deletion time, else when its last container finished; 0 if alive
  std::map<std::string, std::string> labels;
  std::vector<k8s_container_view> containers;
};

struct k8s_service_view {
  std::string uid;
  std::string name;
  std::string ns;
  std::vector<std::string> cluster_ips;
  std::vector<std::string> external_ips;
};

/// A process of this node, from its UPID: its pod and container (from the cgroup path) and its
/// command line. pod_uid is empty for a process outside any pod.
struct process_view {
  std::string pod_uid;
  std::string container_id;
  std::string cmdline;  // arguments joined by spaces
};

class metadata_provider {
 public:
  virtual ~metadata_provider() = default;

  virtual std::optional<k8s_pod_view> pod_by_uid(std::string_view uid) const = 0;
  virtual std::optional<k8s_pod_view> pod_by_name(std::string_view ns, std::string_view name) const = 0;
  virtual std::optional<k8s_pod_view> pod_by_ip(std::string_view ip) const = 0;
  /// The pod running the container with this runtime id.
  virtual std::optional<k8s_pod_view> pod_by_container_id(std::string_view id) const = 0;
  /// The services whose endpoints include the pod, sorted by namespace/name.
  virtual std::vector<k8s_service_view> services_for_pod(std::string_view pod_uid) const = 0;
  virtual std::optional<k8s_service_view> service_by_uid(std::string_view uid) const = 0;
  virtual std::optional<k8s_service_view> service_by_name(std::string_view ns,
                                                          std::string_view name) const = 0;
  /// The service with this cluster IP.
  virtual std::optional<k8s_service_view> service_by_ip(std::string_view ip) const = 0;
  /// The uid of the namespace called `name`.
  virtual std::optional<std::string> namespace_uid(std::string_view name) const = 0;
  /// The process (asid, pid, start time) of a UPID, when it runs on this node and still exists.
  virtual std::optional<process_view> process(std::uint32_t asid, std::uint32_t pid,
                                              std::uint64_t start_ts) const = 0;
};

/// Installs `p` for every kernel from now on (nullptr: back to "" / 0). Kernels that already
/// hold the previous provider finish their batch with it.
void set_metadata_provider(std::shared_ptr<const metadata_provider> p);
/// The installed provider, or nullptr.
std::shared_ptr<const metadata_provider> current_metadata_provider();

}  // namespace wisp::pxl
