#pragma once
// The Kubernetes objects the metadata service keeps, reduced to the fields Pixie's metadata
// functions need (pod_*, service_*, ip_to_*, upid_to_*; facts §2.4 and §7), and their decoding
// from the API's JSON (core/v1 Pod, Service, Endpoints, Node, Namespace). Pure functions; any
// thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cluster/metadata/error.hpp"
#include "pxl/json.hpp"

namespace wisp::cluster::metadata {

enum class resource_kind : std::uint8_t { pods, services, endpoints, nodes, namespaces };
inline constexpr resource_kind all_resource_kinds[] = {
    resource_kind::namespaces, resource_kind::nodes, resource_kind::pods, resource_kind::services,
    resource_kind::endpoints};

/// "pods", "services", ...: the collection's name in /api/v1/<name>.
std::string_view collection_name(resource_kind k);

struct object_meta {
  std::string uid;
  std::string name;
  std::string ns;  // empty for nodes and namespaces
  std::string resource_version;
  std::int64_t creation_ns = 0;  // metadata.creationTimestamp, ns since the epoch; 0 if absent
  std::int64_t deletion_ns = 0;  // metadata.deletionTimestamp; 0 if absent
  std::map<std::string, std::string> labels;
};

struct container_info {
  std::string id;       // runtime id without its "containerd://" / "cri-o://" / "docker://" prefix
  std::string runtime;  // "containerd", "cri-o", "docker", ... ; empty before the container runs
  std::string name;
  std::string state;  // "running", "waiting", "terminated"
  std::string reason;   // of the waiting or terminated state
  std::string message;
  std::int64_t start_ns = 0;
  std::int64_t stop_ns = 0;
};

struct pod_info {
  object_meta meta;
  std::string node_name;
  std::string host_ip;
  std::vector<std::string> pod_ips;  // status.podIPs (or status.podIP)
  bool host_network = false;
  std::string phase;     // Pending, Running, Succeeded, Failed, Unknown
  std::string reason;    // status.reason, status.message
  std::string message;
  bool ready = false;    // the Ready condition is True
  std::string qos_class;
  std::int64_t start_ns = 0;  // status.startTime
  std::vector<container_info> containers;  // regular, init and ephemeral container statuses
};

struct service_info {
  object_meta meta;
  std::string type;                      // ClusterIP, NodePort, LoadBalancer, ExternalName
  std::vector<std::string> cluster_ips;  // spec.clusterIPs (or spec.clusterIP); "None" dropped
  std::vector<std::string> external_ips;
  std::map<std::string, std::string> selector;
};

struct endpoint_address {
  std::string ip;
  std::string pod_uid;  // targetRef.uid when targetRef.kind is Pod
};

/// Endpoints share the service's namespace and name.
struct endpoints_info {
  object_meta meta;
  std::vector<endpoint_address> addresses;  // ready and not-ready addresses of every subset
};

struct node_info {
  object_meta meta;
  std::vector<std::pair<std::string, std::string>> addresses;  // (type, address), e.g. InternalIP
  std::string pod_cidr;
};

struct namespace_info {
  object_meta meta;
  std::string phase;
};

using k8s_object = std::variant<pod_info, service_info, endpoints_info, node_info, namespace_info>;

/// Decodes one API object of kind `k`. Errors name the missing or mistyped field; unknown
/// fields are ignored (the API adds fields over time).
[[nodiscard]] expected<k8s_object> decode_object(resource_kind k, const pxl::json::value_ref& obj);

/// RFC 3339 ("2024-05-01T10:00:00Z", fractional seconds and offsets allowed) to ns since the
/// epoch; nullopt if malformed.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

const object_meta& meta_of(const k8s_object& o);

}  // namespace wisp::cluster::metadata
