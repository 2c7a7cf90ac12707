#include "cluster/metadata/store_provider.hpp"

#include "schemas/node_asid.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <sstream>

#include "cluster/metadata/cgroup_mapping.hpp"

namespace wisp::cluster::metadata {

namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in) return std::nullopt;
  return std::string{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

// Field 22 of /proc/PID/stat: the start time in clock ticks since boot, as in a UPID. The
// command (field 2) may hold spaces and parentheses, so fields are counted after the last ')'.
std::optional<std::uint64_t> start_ticks(const std::string& stat) {
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest{stat.substr(close + 1)};
  std::string field;
  for (int i = 3; i <= 22; ++i)
    if (!(rest >> field)) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (ec != std::errc{} || p != field.data() + field.size()) return std::nullopt;
  return v;
}

// /proc/PID/cmdline: NUL-separated arguments, joined by spaces.
std::string joined_cmdline(std::string raw) {
  while (!raw.empty() && raw.back() == '\0') raw.pop_back();
  std::replace(raw.begin(), raw.end(), '\0', ' ');
  return raw;
}

}  // namespace

pxl::k8s_pod_view to_view(const pod_info& p) {
  pxl::k8s_pod_view v;
  v.uid = p.meta.uid;
  v.name = p.meta.name;
  v.ns = p.meta.ns;
  v.node_name = p.node_name;
  v.ips = p.pod_ips;
  v.phase = p.phase;
  v.reason = p.reason;
  v.message = p.message;
  v.ready = p.ready;
  v.qos_class = p.qos_class;
  v.start_ns = p.meta.creation_ns;
  v.stop_ns = p.meta.deletion_ns;
  if (v.stop_ns == 0 && (p.phase == "Succeeded" || p.phase == "Failed"))
    for (const auto& c : p.containers) v.stop_ns = std::max(v.stop_ns, c.stop_ns);
  v.labels = p.meta.labels;
  for (const auto& c : p.containers)
    v.containers.push_back({c.id, c.name, c.state, c.reason, c.message, c.start_ns, c.stop_ns});
  return v;
}

pxl::k8s_service_view to_view(const service_info& s) {
  return {s.meta.uid, s.meta.name, s.meta.ns, s.cluster_ips, s.external_ips};
}

namespace {
// The view of an object the store may not have.
template <class T>
auto as_view(const std::optional<T>& o) -> std::optional<decltype(to_view(*o))> {
  if (!o) return std::nullopt;
  return to_view(*o);
}
}  // namespace

store_provider::store_provider(std::shared_ptr<const metadata_store> store, store_provider_options opts)
    : store_(std::move(store)), opts_(std::move(opts)) {}

std::optional<pxl::k8s_pod_view> store_provider::pod_by_uid(std::string_view uid) const {
  return as_view(store_->pod_by_uid(uid));
}

std::optional<pxl::k8s_pod_view> store_provider::pod_by_name(std::string_view ns,
                                                             std::string_view name) const {
  return as_view(store_->pod_by_name(ns, name));
}

std::optional<pxl::k8s_pod_view> store_provider::pod_by_ip(std::string_view ip) const {
  return as_view(store_->pod_by_ip(ip));
}

std::optional<pxl::k8s_pod_view> store_provider::pod_by_container_id(std::string_view id) const {
  return as_view(store_->pod_by_container_id(id));
}

std::vector<pxl::k8s_service_view> store_provider::services_for_pod(std::string_view pod_uid) const {
  std::vector<pxl::k8s_service_view> out;
  for (const auto& s : store_->services_for_pod(pod_uid)) out.push_back(to_view(s));
  return out;
}

std::optional<pxl::k8s_service_view> store_provider::service_by_uid(std::string_view uid) const {
  return as_view(store_->service_by_uid(uid));
}

std::optional<pxl::k8s_service_view> store_provider::service_by_name(std::string_view ns,
                                                                     std::string_view name) const {
  return as_view(store_->service_by_name(ns, name));
}

std::optional<pxl::k8s_service_view> store_provider::service_by_ip(std::string_view ip) const {
  return as_view(store_->service_by_ip(ip));
}

std::optional<std::string> store_provider::namespace_uid(std::string_view name) const {
  auto n = store_->namespace_by_name(name);
  if (!n) return std::nullopt;
  return n->meta.uid;
}

std::optional<pxl::process_view> store_provider::process(std::uint32_t asid, std::uint32_t pid,
                                                         std::uint64_t start_ts) const {
  // Only this node's UPIDs name processes readable under proc_root.
  if (asid != schemas::node_asid() || pid == 0) return std::nullopt;
  const upid_key key{pid, start_ts};
  {
    std::lock_guard lock{mu_};
    if (auto it = processes_.find(key); it != processes_.end()) return it->second;
  }
  const std::string dir = opts_.proc_root + "/" + std::to_string(pid);
  if (start_ts != 0) {
    auto stat = read_file(dir + "/stat");
    if (!stat || start_ticks(*stat) != start_ts) return std::nullopt;  // gone, or the pid reused
  }
  auto proc = read_process(pid);
  if (!proc) return std::nullopt;
  std::lock_guard lock{mu_};
  if (processes_.size() >= opts_.process_cache_entries) processes_.clear();
  processes_.emplace(key, *proc);
  return proc;
}

std::optional<pxl::process_view> store_provider::read_process(std::uint32_t pid) const {
  auto cg = read_pid_cgroup(static_cast<pid_t>(pid), opts_.proc_root);
  if (!cg) return std::nullopt;
  pxl::process_view v;
  if (*cg) {
    v.pod_uid = (*cg)->pod_uid;
    v.container_id = (*cg)->container_id;
  }
  v.cmdline = joined_cmdline(read_file(opts_.proc_root + "/" + std::to_string(pid) + "/cmdline").value_or(""));
  return v;
}

}  // namespace wisp::cluster::metadata
