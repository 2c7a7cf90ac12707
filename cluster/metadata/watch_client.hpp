#pragma once
// Keeps a metadata_store in step with a Kubernetes API server: for each resource kind, LIST
// (/api/v1/<kind>) to load the items and the list's resourceVersion, then WATCH from that version
// (one JSON event per line: ADDED, MODIFIED, DELETED, BOOKMARK, ERROR). A 410 Gone (an ERROR
// event with code 410, or an HTTP 410) means the version is too old: LIST again. A watch that
// ends or breaks is reopened from the last version seen, after a backoff. Malformed event lines
// and oversize lines are counted and skipped.
//
// Threads: start() runs one thread per kind (each holds one long-lived HTTP connection); stop()
// cancels and joins them. run() is the same loop on the caller's thread, for tests and for an
// actor that owns its thread. Counters are atomics readable from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/metadata/http_client.hpp"
#include "cluster/metadata/k8s_objects.hpp"
#include "cluster/metadata/metadata_store.hpp"

namespace wisp::cluster::metadata {

struct watch_config {
  server_address api;          // in a pod: KUBERNETES_SERVICE_HOST:PORT, tls, the SA ca.crt
  std::string token_file;      // bearer token, re-read on every connection (tokens rotate)
  io_timeouts timeouts;        // read timeout must exceed the server's bookmark interval
  http_limits limits;
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30000};
  int watch_timeout_seconds = 600;  // asks the server to end each watch after this long
  std::size_t list_page_size = 500;  // LIST in pages of this many items (limit/continue)
  /// Set (an agent's node name): only the pods scheduled on that node are listed and watched
  /// (fieldSelector=spec.nodeName=...), all an agent's upid_to_* functions need; other kinds
  /// are cluster-wide.
  std::string pod_node;
};

/// Where a pod's service account token and CA are mounted.
inline constexpr const char* service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";

/// What the in-cluster configuration would be, from the environment and the service-account
/// files (KUBERNETES_SERVICE_HOST/PORT, /var/run/secrets/kubernetes.io/serviceaccount/*), or an
/// error naming what is missing.
[[nodiscard]] expected<watch_config> in_cluster_config();

/// Counters of one resource kind.
struct watch_counters {
  std::atomic<std::uint64_t> lists{0};           // successful LISTs
  std::atomic<std::uint64_t> watches{0};         // WATCH requests answered with 200
  std::atomic<std::uint64_t> events{0};          // ADDED/MODIFIED/DELETED applied
  std::atomic<std::uint64_t> bookmarks{0};
  std::atomic<std::uint64_t> gone{0};            // 410s that forced a re-list
  std::atomic<std::uint64_t> reconnects{0};      // watches reopened after an end or a failure
  std::atomic<std::uint64_t> failures{0};        // failed requests (connect, HTTP, framing)
  std::atomic<std::uint64_t> malformed_lines{0};  // events that were not valid JSON or not an event
  std::atomic<std::uint64_t> malformed_objects{0};  // items/objects missing required fields
  std::atomic<std::uint64_t> oversize_lines{0};
};

/// Why one watch request ended.
enum class watch_end { ended, gone, failed, cancelled };

class watch_client {
 public:
  watch_client(watch_config cfg, metadata_store& store);
  ~watch_client();
  watch_client(const watch_client&) = delete;
  watch_client& operator=(const watch_client&) = delete;

  /// Starts one thread per kind in `kinds`.
  void start(const std::vector<resource_kind>& kinds);
  /// Cancels blocked reads and joins the threads. Idempotent.
  void stop();

  /// The list-then-watch loop for one kind on this thread, while keep_going() is true (checked
  /// before each request) and stop() has not been called.
  void run(resource_kind k, const std::function<bool()>& keep_going);

  /// One LIST (all pages) into the store; returns the list's resourceVersion.
  [[nodiscard]] expected<std::string> list(resource_kind k);
  /// One WATCH from `resource_version`, applying events until the stream ends; advances
  /// `resource_version` to the last event or bookmark seen.
  watch_end watch(resource_kind k, std::string& resource_version);

  const watch_counters& counters(resource_kind k) const { return counters_[index(k)]; }
  /// The most recent error of kind `k` ("" if none), for logs and status queries.
  std::string last_error(resource_kind k) const;

 private:
  /// "&fieldSelector=..." for the pods of cfg.pod_node, else "".
  std::string selector(resource_kind k) const;
  static std::size_t index(resource_kind k) { return static_cast<std::size_t>(k); }
  expected<http_response> get(const std::string& target);
  void note_error(resource_kind k, const error& e);
  /// Sleeps for `d` unless stop() is called first.
  void pause(std::chrono::milliseconds d);

  watch_config cfg_;
  metadata_store& store_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  watch_counters counters_[5];
  mutable std::mutex mu_;  // guards last_error_ and the stop wait
  std::condition_variable stop_cv_;
  std::string last_error_[5];
};

}  // namespace wisp::cluster::metadata
