#pragma once
// The metadata service of one wispd (agent, broker or standalone): a metadata_store kept current
// by a watch_client, installed as the process-wide provider of the PxL metadata functions
// (store_provider). One call starts it; start-up never waits for the API server (the watch
// threads retry with backoff until it answers). Without an API server the store stays empty and
// the provider still answers what this node's /proc and cgroups tell (upid_to_cmdline,
// upid_to_container_id, upid_to_pod_id).

#include <memory>
#include <optional>
#include <string_view>

#include "cluster/metadata/metadata_store.hpp"
#include "cluster/metadata/store_provider.hpp"
#include "cluster/metadata/watch_client.hpp"

namespace wisp::cluster::metadata {

/// The watch configuration named by wispd's --kube_api: "" = none (nullopt), "in-cluster" = the
/// pod's service account (in_cluster_config), "http://host:port" = plain HTTP without a token
/// (tests, `kubectl proxy`), "https://host:port" = TLS verified against the service-account CA,
/// with its token. An error names the flag value and what is wrong ("parse --kube_api=...: ..."
/// or "use --kube_api=in-cluster: ..."), ready for "cannot " in front.
[[nodiscard]] expected<std::optional<watch_config>> parse_kube_api(std::string_view kube_api);

class metadata_service {
 public:
  /// No `cfg`: no watch, an empty store.
  metadata_service(std::optional<watch_config> cfg, store_provider_options opts);
  /// Uninstalls the provider (if it is still the installed one) and stops the watch threads.
  ~metadata_service();
  metadata_service(const metadata_service&) = delete;
  metadata_service& operator=(const metadata_service&) = delete;

  const metadata_store& store() const { return *store_; }
  const watch_client* client() const { return client_ ? &*client_ : nullptr; }

 private:
  std::shared_ptr<metadata_store> store_;
  std::optional<watch_client> client_;
  std::shared_ptr<const pxl::metadata_provider> provider_;
};

/// Parses `kube_api`, installs the provider and, when `kube_api` names a server, starts watching
/// every resource kind ("": no Kubernetes, the process-only answers above). A `pod_node` (an
/// agent's --kube_node) limits the pods watched to that node's.
[[nodiscard]] expected<std::unique_ptr<metadata_service>> start_metadata_service(
    std::string_view kube_api, std::string_view pod_node = {}, store_provider_options opts = {});

}  // namespace wisp::cluster::metadata
