#include "cluster/metadata/metadata_store.hpp"

#include <algorithm>
#include <tuple>
#include <mutex>

namespace wisp::cluster::metadata {
namespace {

std::string key(std::string_view ns, std::string_view name) {
  std::string k(ns);
  k += '/';
  k += name;
  return k;
}

template <class T>
std::optional<T> find_copy(const std::unordered_map<std::string, T>& m, std::string_view uid) {
  auto it = m.find(std::string(uid));
  if (it == m.end()) return std::nullopt;
  return it->second;
}

template <class T>
std::optional<T> via_index(const std::unordered_map<std::string, std::string>& index,
                           const std::unordered_map<std::string, T>& m, std::string_view k) {
  auto it = index.find(std::string(k));
  if (it == index.end()) return std::nullopt;
  return find_copy(m, it->second);
}

}  // namespace

void metadata_store::upsert(k8s_object obj) {
  std::unique_lock lock{mu_};
  std::visit(
      [&](auto& o) {
        using T = std::decay_t<decltype(o)>;
        std::string uid = o.meta.uid;
        if constexpr (std::is_same_v<T, pod_info>) {
          pods_[uid] = std::move(o);
          index_locked(resource_kind::pods);
        } else if constexpr (std::is_same_v<T, service_info>) {
          services_[uid] = std::move(o);
          index_locked(resource_kind::services);
        } else if constexpr (std::is_same_v<T, endpoints_info>) {
          endpoints_[uid] = std::move(o);
        } else if constexpr (std::is_same_v<T, node_info>) {
          nodes_[uid] = std::move(o);
        } else {
          namespaces_[uid] = std::move(o);
        }
      },
      obj);
}

bool metadata_store::remove(resource_kind k, std::string_view uid_view) {
  std::unique_lock lock{mu_};
  std::string uid(uid_view);
  bool erased = false;
  switch (k) {
    case resource_kind::pods: erased = pods_.erase(uid) > 0; break;
    case resource_kind::services: erased = services_.erase(uid) > 0; break;
    case resource_kind::endpoints: erased = endpoints_.erase(uid) > 0; break;
    case resource_kind::nodes: erased = nodes_.erase(uid) > 0; break;
    case resource_kind::namespaces: erased = namespaces_.erase(uid) > 0; break;
  }
  if (erased) index_locked(k);
  return erased;
}

void metadata_store::replace_all(resource_kind k, std::vector<k8s_object> objs) {
  std::unique_lock lock{mu_};
  auto fill = [&](auto& map) {
    using T = typename std::decay_t<decltype(map)>::mapped_type;
    map.clear();
    for (auto& o : objs)
      if (auto* x = std::get_if<T>(&o)) {
        std::string uid = x->meta.uid;
        map[uid] = std::move(*x);
      }
  };
  switch (k) {
    case resource_kind::pods: fill(pods_); break;
    case resource_kind::services: fill(services_); break;
    case resource_kind::endpoints: fill(endpoints_); break;
    case resource_kind::nodes: fill(nodes_); break;
    case resource_kind::namespaces: fill(namespaces_); break;
  }
  index_locked(k);
}

void metadata_store::index_locked(resource_kind k) {
  if (k == resource_kind::pods) {
    pod_ip_.clear();
    container_pod_.clear();
    pod_name_.clear();
    for (auto& [uid, p] : pods_) {
      pod_name_[key(p.meta.ns, p.meta.name)] = uid;
      for (auto& c : p.containers)
        if (!c.id.empty()) container_pod_[c.id] = uid;
      if (p.host_network) continue;
      for (auto& ip : p.pod_ips) {
        auto [it, fresh] = pod_ip_.try_emplace(ip, uid);
        if (!fresh && p.phase == "Running") it->second = uid;
      }
    }
  } else if (k == resource_kind::services) {
    service_name_.clear();
    service_ip_.clear();
    for (auto& [uid, s] : services_) {
      service_name_[key(s.meta.ns, s.meta.name)] = uid;
      for (auto& ip : s.cluster_ips) service_ip_[ip] = uid;
    }
  }
}

std::size_t metadata_store::size(resource_kind k) const {
  std::shared_lock lock{mu_};
  switch (k) {
    case resource_kind::pods: return pods_.size();
    case resource_kind::services: return services_.size();
    case resource_kind::endpoints: return endpoints_.size();
    case resource_kind::nodes: return nodes_.size();
    case resource_kind::namespaces: return namespaces_.size();
  }
  return 0;
}

std::optional<pod_info> metadata_store::pod_by_uid(std::string_view uid) const {
  std::shared_lock lock{mu_};
  return find_copy(pods_, uid);
}

std::optional<pod_info> metadata_store::pod_by_name(std::string_view ns,
                                                    std::string_view name) const {
  std::shared_lock lock{mu_};
  return via_index(pod_name_, pods_, key(ns, name));
}

std::optional<pod_info> metadata_store::pod_by_ip(std::string_view ip) const {
  std::shared_lock lock{mu_};
  return via_index(pod_ip_, pods_, ip);
}

std::optional<pod_info> metadata_store::pod_by_container_id(std::string_view id) const {
  std::shared_lock lock{mu_};
  return via_index(container_pod_, pods_, id);
}

std::vector<service_info> metadata_store::services_for_pod(std::string_view pod_uid) const {
  std::shared_lock lock{mu_};
  std::vector<service_info> out;
  auto pod = pods_.find(std::string(pod_uid));
  for (auto& [uid, e] : endpoints_) {
    bool match = std::any_of(e.addresses.begin(), e.addresses.end(), [&](const auto& a) {
      if (!a.pod_uid.empty()) return a.pod_uid == pod_uid;
      return pod != pods_.end() && !pod->second.host_network &&
             std::find(pod->second.pod_ips.begin(), pod->second.pod_ips.end(), a.ip) !=
                 pod->second.pod_ips.end();
    });
    if (!match) continue;
    if (auto s = via_index(service_name_, services_, key(e.meta.ns, e.meta.name)))
      out.push_back(std::move(*s));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.meta.ns, a.meta.name) < std::tie(b.meta.ns, b.meta.name);
  });
  return out;
}

std::optional<service_info> metadata_store::service_by_uid(std::string_view uid) const {
  std::shared_lock lock{mu_};
  return find_copy(services_, uid);
}

std::optional<service_info> metadata_store::service_by_name(std::string_view ns,
                                                            std::string_view name) const {
  std::shared_lock lock{mu_};
  return via_index(service_name_, services_, key(ns, name));
}

std::optional<service_info> metadata_store::service_by_ip(std::string_view ip) const {
  std::shared_lock lock{mu_};
  return via_index(service_ip_, services_, ip);
}

std::optional<node_info> metadata_store::node_by_name(std::string_view name) const {
  std::shared_lock lock{mu_};
  for (auto& [uid, n] : nodes_)
    if (n.meta.name == name) return n;
  return std::nullopt;
}

std::optional<namespace_info> metadata_store::namespace_by_name(std::string_view name) const {
  std::shared_lock lock{mu_};
  for (auto& [uid, n] : namespaces_)
    if (n.meta.name == name) return n;
  return std::nullopt;
}

}  // namespace wisp::cluster::metadata
