#pragma once
// The metadata_provider the PxL metadata functions consult (pxl/metadata_provider.hpp), backed
// by a metadata_store that a watch_client keeps current, and by /proc for the processes of this
// node (UPID -> /proc/PID/cgroup -> pod uid and container id; /proc/PID/cmdline). Any thread.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "cluster/metadata/metadata_store.hpp"
#include "pxl/metadata_provider.hpp"

namespace wisp::cluster::metadata {

struct store_provider_options {
  std::string proc_root = "/proc";
  /// Processes remembered (UPID -> pod and container); the cache is cleared when it is full.
  std::size_t process_cache_entries = 16384;
};

class store_provider final : public pxl::metadata_provider {
 public:
  store_provider(std::shared_ptr<const metadata_store> store, store_provider_options opts = {});

  std::optional<pxl::k8s_pod_view> pod_by_uid(std::string_view uid) const override;
  std::optional<pxl::k8s_pod_view> pod_by_name(std::string_view ns, std::string_view name) const override;
  std::optional<pxl::k8s_pod_view> pod_by_ip(std::string_view ip) const override;
  std::optional<pxl::k8s_pod_view> pod_by_container_id(std::string_view id) const override;
  std::vector<pxl::k8s_service_view> services_for_pod(std::string_view pod_uid) const override;
  std::optional<pxl::k8s_service_view> service_by_uid(std::string_view uid) const override;
  std::optional<pxl::k8s_service_view> service_by_name(std::string_view ns,
                                                       std::string_view name) const override;
  std::optional<pxl::k8s_service_view> service_by_ip(std::string_view ip) const override;
  std::optional<std::string> namespace_uid(std::string_view name) const override;
  /// A process of another ASID, or one whose /proc entry is gone, is nullopt. A process whose
  /// start time (UPID) differs from /proc's is another process that reused the pid: nullopt.
  std::optional<pxl::process_view> process(std::uint32_t asid, std::uint32_t pid,
                                           std::uint64_t start_ts) const override;

 private:
  struct upid_key {
    std::uint32_t pid;
    std::uint64_t start_ts;
    bool operator==(const upid_key&) const = default;
  };
  struct upid_hash {
    std::size_t operator()(const upid_key& k) const {
      return std::hash<std::uint64_t>{}(k.start_ts * 31 + k.pid);
    }
  };

  std::optional<pxl::process_view> read_process(std::uint32_t pid) const;

  std::shared_ptr<const metadata_store> store_;
  store_provider_options opts_;
  mutable std::mutex mu_;  // guards processes_
  mutable std::unordered_map<upid_key, pxl::process_view, upid_hash> processes_;
};

/// The view of a pod the metadata functions read: start = creation time, stop = deletion time,
/// else (Succeeded/Failed) when its last container finished.
pxl::k8s_pod_view to_view(const pod_info& p);
pxl::k8s_service_view to_view(const service_info& s);

}  // namespace wisp::cluster::metadata
