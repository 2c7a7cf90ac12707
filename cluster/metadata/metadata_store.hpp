#pragma once
// The in-memory picture of the cluster that the watch client keeps current: pods, services,
// endpoints, nodes and namespaces by uid, with the indexes the metadata functions need
// (ip -> pod, ip -> service, container id -> pod, pod -> services, ns/name -> object).
// Thread-safe: the watch threads write, any thread reads; readers get copies.

#include <cstddef>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cluster/metadata/k8s_objects.hpp"

namespace wisp::cluster::metadata {

class metadata_store {
 public:
  /// Adds or replaces the object with the same uid (ADDED, MODIFIED).
  void upsert(k8s_object obj);
  /// Removes the object of kind `k` with `uid` (DELETED); false if it was not there.
  bool remove(resource_kind k, std::string_view uid);
  /// Replaces every object of kind `k` (the items of a LIST, after start-up or a 410 Gone).
  void replace_all(resource_kind k, std::vector<k8s_object> objs);

  std::size_t size(resource_kind k) const;

  std::optional<pod_info> pod_by_uid(std::string_view uid) const;
  std::optional<pod_info> pod_by_name(std::string_view ns, std::string_view name) const;
  /// The pod with this IP. Host-network pods share their node's IP and are not indexed; when
  /// several pods had the IP (a terminated pod and its successor), the running one wins.
  std::optional<pod_info> pod_by_ip(std::string_view ip) const;
  /// The pod running the container with this runtime id (no "containerd://" prefix).
  std::optional<pod_info> pod_by_container_id(std::string_view id) const;
  /// The services whose endpoints include the pod (by targetRef uid, else by pod IP), sorted by
  /// namespace/name.
  std::vector<service_info> services_for_pod(std::string_view pod_uid) const;
  std::optional<service_info> service_by_uid(std::string_view uid) const;
  std::optional<service_info> service_by_name(std::string_view ns, std::string_view name) const;
  /// The service with this cluster IP (ip_to_service_id).
  std::optional<service_info> service_by_ip(std::string_view ip) const;
  std::optional<node_info> node_by_name(std::string_view name) const;
  std::optional<namespace_info> namespace_by_name(std::string_view name) const;

 private:
  template <class T>
  using by_uid = std::unordered_map<std::string, T>;

  void index_locked(resource_kind k);

  mutable std::shared_mutex mu_;
  by_uid<pod_info> pods_;
  by_uid<service_info> services_;
  by_uid<endpoints_info> endpoints_;
  by_uid<node_info> nodes_;
  by_uid<namespace_info> namespaces_;
  // Indexes, rebuilt for a kind after each change of that kind: O(objects of the kind) per
  // event, simple and always consistent; make them incremental if large clusters need it.
  std::unordered_map<std::string, std::string> pod_ip_;         // ip -> pod uid
  std::unordered_map<std::string, std::string> container_pod_;  // container id -> pod uid
  std::unordered_map<std::string, std::string> pod_name_;       // ns/name -> pod uid
  std::unordered_map<std::string, std::string> service_name_;   // ns/name -> service uid
  std::unordered_map<std::string, std::string> service_ip_;     // cluster ip -> service uid
};

}  // namespace wisp::cluster::metadata
