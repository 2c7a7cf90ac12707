// Kubernetes metadata functions answered by the installed metadata_provider (facts §2.4, §7).
//
// Each function is "<key>_to_<property>": a kernel resolves every distinct key of the batch once
// (a pod uid, "namespace/name", an IP, a UPID, ...) to a `subject` (the pod, the process, the
// container, the service it names) and reads the property off it; rows with the same key reuse
// the answer, so a batch costs one provider lookup per distinct key, not per row.
//
// Output formats follow Pixie: pod and service names are "<namespace>/<name>"; an answer with
// several values (a pod behind several services) is a JSON array string, one value is the plain
// string, none is ""; statuses and labels are JSON objects; times are ns since the epoch, 0 when
// unknown. Without a provider every function answers "" / 0 (upid_to_node_name: this host).

#include "pxl/udf_k8s.hpp"

#include <unistd.h>

#include <cctype>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pxl/metadata_provider.hpp"
#include "schemas/json.hpp"

namespace wisp::pxl {

namespace {

using schemas::data_type;
using schemas::uint128;

// ---- Output formats ----

std::string qualified(const std::string& ns, const std::string& name) { return ns + "/" + name; }

std::string json_array(const std::vector<std::string>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    schemas::append_json_string(out, values[i]);
  }
  return out + "]";
}

// "" for none, the value for one, a JSON array for several (facts §2.4).
std::string one_or_array(const std::vector<std::string>& values) {
  if (values.empty()) return {};
  if (values.size() == 1) return values.front();
  return json_array(values);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += out.size() > 1 ? "," : "";
  schemas::append_json_string(out, name);
  out += ':';
  schemas::append_json_string(out, value);
}

std::string pod_status_json(const k8s_pod_view& p) {
  std::string out = "{";
  append_field(out, "phase", p.phase);
  append_field(out, "message", p.message);
  append_field(out, "reason", p.reason);
  out += p.ready ? ",\"ready\":true}" : ",\"ready\":false}";
  return out;
}

// The state as Pixie names it: "Running", "Waiting", "Terminated", else "Unknown".
std::string container_status_json(const k8s_container_view& c) {
  std::string state = c.state.empty() ? std::string{"Unknown"} : c.state;
  state[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(state[0])));
  std::string out = "{";
  append_field(out, "state", state);
  append_field(out, "message", c.message);
  append_field(out, "reason", c.reason);
  return out + "}";
}

std::string labels_json(const std::map<std::string, std::string>& labels) {
  std::string out = "{";
  for (const auto& [k, v] : labels) append_field(out, k, v);
  return out + "}";
}

// ---- Keys: what a row names ----

enum class key {
  pod_uid,          // pod_id_to_*
  pod_name,         // pod_name_to_*: "namespace/name"
  pod_ip,           // ip_to_pod_id
  upid,             // upid_to_*
  container_id,     // container_id_to_*
  service_uid,      // service_id_to_*
  service_name,     // service_name_to_*: "namespace/name"
  any_ip,           // ip_to_service_id: a service's cluster IP, else a pod IP
  namespace_name,   // namespace_name_to_*
};

struct subject {
  std::optional<process_view> proc;
  std::optional<k8s_pod_view> pod;
  std::optional<k8s_container_view> container;
  std::optional<k8s_service_view> service;
  std::string namespace_uid;
};

std::optional<std::pair<std::string_view, std::string_view>> split_qualified(std::string_view s) {
  const auto slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == s.size()) return std::nullopt;
  return std::pair{s.substr(0, slash), s.substr(slash + 1)};
}

std::optional<k8s_container_view> container_in(const k8s_pod_view& pod, std::string_view id) {
  for (const auto& c : pod.containers)
    if (!id.empty() && c.id == id) return c;
  return std::nullopt;
}

template <key K>
subject resolve(const metadata_provider& p, std::string_view k) {
  subject s;
  if constexpr (K == key::pod_uid) {
    s.pod = p.pod_by_uid(k);
  } else if constexpr (K == key::pod_name) {
    if (auto q = split_qualified(k)) s.pod = p.pod_by_name(q->first, q->second);
  } else if constexpr (K == key::pod_ip) {
    s.pod = p.pod_by_ip(k);
  } else if constexpr (K == key::container_id) {
    s.pod = p.pod_by_container_id(k);
    if (s.pod) s.container = container_in(*s.pod, k);
  } else if constexpr (K == key::service_uid) {
    s.service = p.service_by_uid(k);
  } else if constexpr (K == key::service_name) {
    if (auto q = split_qualified(k)) s.service = p.service_by_name(q->first, q->second);
  } else if constexpr (K == key::any_ip) {
    s.service = p.service_by_ip(k);
    if (!s.service) s.pod = p.pod_by_ip(k);
  } else if constexpr (K == key::namespace_name) {
    s.namespace_uid = p.namespace_uid(k).value_or("");
  }
  return s;
}

template <key K>
subject resolve(const metadata_provider& p, uint128 upid) {
  static_assert(K == key::upid);
  subject s;
  s.proc = p.process(static_cast<std::uint32_t>(upid.high >> 32),
                     static_cast<std::uint32_t>(upid.high & 0xFFFFFFFFu), upid.low);
  if (s.proc && !s.proc->pod_uid.empty()) {
    s.pod = p.pod_by_uid(s.proc->pod_uid);
    if (s.pod) s.container = container_in(*s.pod, s.proc->container_id);
  }
  return s;
}

// ---- Properties ----

enum class prop {
  pod_id, pod_name, namespace_, node_name, node_or_host, pod_ip, pod_status, pod_qos,
  pod_labels, service_id, service_name, container_id, container_name, cmdline, status,
  start_time, stop_time, cluster_ip, external_ips, namespace_id,
};

constexpr bool is_time(prop p) { return p == prop::start_time || p == prop::stop_time; }

template <prop P>
using answer_t = std::conditional_t<is_time(P), std::int64_t, std::string>;

template <prop P>
answer_t<P> nothing() {
  if constexpr (P == prop::node_or_host) return this_host_name();
  else return {};
}

template <prop P>
answer_t<P> answer(const metadata_provider& p, const subject& s) {
  const auto* pod = s.pod ? &*s.pod : nullptr;
  const auto* svc = s.service ? &*s.service : nullptr;
  const auto* ctr = s.container ? &*s.container : nullptr;
  if constexpr (P == prop::pod_id) return pod ? pod->uid : s.proc ? s.proc->pod_uid : "";  // the cgroup's
  else if constexpr (P == prop::pod_name) return pod ? qualified(pod->ns, pod->name) : "";
  else if constexpr (P == prop::namespace_) return pod ? pod->ns : svc ? svc->ns : "";
  else if constexpr (P == prop::node_name) return pod ? pod->node_name : "";
  else if constexpr (P == prop::node_or_host) return pod ? pod->node_name : this_host_name();
  else if constexpr (P == prop::pod_ip) return pod && !pod->ips.empty() ? pod->ips.front() : "";
  else if constexpr (P == prop::pod_status) return pod ? pod_status_json(*pod) : "";
  else if constexpr (P == prop::pod_qos) return pod ? pod->qos_class : "";
  else if constexpr (P == prop::pod_labels) return pod ? labels_json(pod->labels) : "";
  else if constexpr (P == prop::service_id || P == prop::service_name) {
    auto name = [](const k8s_service_view& v) {
      return P == prop::service_id ? v.uid : qualified(v.ns, v.name);
    };
    if (svc) return name(*svc);
    if (!pod) return "";
    std::vector<std::string> names;
    for (const auto& v : p.services_for_pod(pod->uid)) names.push_back(name(v));
    return one_or_array(names);
  } else if constexpr (P == prop::container_id) return s.proc ? s.proc->container_id : "";
  else if constexpr (P == prop::container_name) return ctr ? ctr->name : "";
  else if constexpr (P == prop::cmdline) return s.proc ? s.proc->cmdline : "";
  else if constexpr (P == prop::status)
    return ctr ? container_status_json(*ctr) : pod ? pod_status_json(*pod) : "";
  else if constexpr (P == prop::start_time) return ctr ? ctr->start_ns : pod ? pod->start_ns : 0;
  else if constexpr (P == prop::stop_time) return ctr ? ctr->stop_ns : pod ? pod->stop_ns : 0;
  else if constexpr (P == prop::cluster_ip)
    return svc && !svc->cluster_ips.empty() ? svc->cluster_ips.front() : "";
  else if constexpr (P == prop::external_ips) return svc ? json_array(svc->external_ips) : "";
  else if constexpr (P == prop::namespace_id) return s.namespace_uid;
}

// ---- Kernels ----

struct uint128_hash {
  std::size_t operator()(const uint128& u) const {
    return std::hash<std::uint64_t>{}(u.high * 0x9E3779B97F4A7C15ULL ^ u.low);
  }
};

template <key K>
using key_t = std::conditional_t<K == key::upid, uint128, std::string_view>;
template <key K, class V>
using memo_t = std::conditional_t<K == key::upid, std::unordered_map<uint128, V, uint128_hash>,
                                  std::unordered_map<std::string_view, V>>;

constexpr data_type result_type(prop p) { return is_time(p) ? data_type::time64ns : data_type::string; }

// "<key>_to_<property>" over args[0]; further arguments (ip_to_pod_id's time) are not used.
template <key K, prop P>
void property_kernel(std::span<const kernel_arg> args, std::size_t rows, schemas::column& out) {
  constexpr data_type R = result_type(P);
  const auto provider = current_metadata_provider();
  if (!provider) {
    const answer_t<P> none = nothing<P>();
    detail::write_rows<R>(out, rows, [&](std::size_t) -> const answer_t<P>& { return none; });
    return;
  }
  memo_t<K, answer_t<P>> memo;
  detail::with_reader<key_t<K>>(args[0], [&](auto read) {
    detail::write_rows<R>(out, rows, [&](std::size_t i) -> const answer_t<P>& {
      const auto k = read(i);
      auto it = memo.find(k);
      if (it == memo.end()) it = memo.emplace(k, answer<P>(*provider, resolve<K>(*provider, k))).first;
      return it->second;
    });
  });
}

// _upid_to_podname_local_addr_fallback(upid, local_addr, time): the UPID's pod, else the pod
// that owns the connection's local address (Pixie's work-around for processes that exited).
void podname_fallback_kernel(std::span<const kernel_arg> args, std::size_t rows,
                             schemas::column& out) {
  const auto provider = current_metadata_provider();
  if (!provider) {
    for (std::size_t i = 0; i < rows; ++i) out.strings().push_back({});
    return;
  }
  memo_t<key::upid, std::string> by_upid;
  memo_t<key::pod_ip, std::string> by_ip;
  detail::with_reader<uint128>(args[0], [&](auto upid) {
    detail::with_reader<std::string_view>(args[1], [&](auto addr) {
      detail::write_rows<data_type::string>(out, rows, [&](std::size_t i) -> const std::string& {
        auto u = by_upid.find(upid(i));
        if (u == by_upid.end())
          u = by_upid.emplace(upid(i), answer<prop::pod_name>(*provider, resolve<key::upid>(*provider, upid(i)))).first;
        if (!u->second.empty()) return u->second;
        auto a = by_ip.find(addr(i));
        if (a == by_ip.end())
          a = by_ip.emplace(addr(i), answer<prop::pod_name>(*provider, resolve<key::pod_ip>(*provider, addr(i)))).first;
        return a->second;
      });
    });
  });
}

struct named_kernel {
  std::string_view name;
  std::size_t nargs;
  udf_kernel kernel;
};

template <key K, prop P>
constexpr named_kernel k(std::string_view name, std::size_t nargs = 1) {
  return {name, nargs, &property_kernel<K, P>};
}

const named_kernel kernels[] = {
    k<key::upid, prop::cmdline>("upid_to_cmdline"),
    k<key::upid, prop::namespace_>("upid_to_namespace"),
    k<key::upid, prop::pod_id>("upid_to_pod_id"),
    k<key::upid, prop::pod_name>("upid_to_pod_name"),
    k<key::upid, prop::pod_status>("upid_to_pod_status"),
    k<key::upid, prop::pod_qos>("upid_to_pod_qos"),
    k<key::upid, prop::container_id>("upid_to_container_id"),
    k<key::upid, prop::container_name>("upid_to_container_name"),
    k<key::upid, prop::service_id>("upid_to_service_id"),
    k<key::upid, prop::service_name>("upid_to_service_name"),
    k<key::upid, prop::node_or_host>("upid_to_node_name"),
    k<key::pod_uid, prop::pod_name>("pod_id_to_pod_name"),
    k<key::pod_uid, prop::namespace_>("pod_id_to_namespace"),
    k<key::pod_uid, prop::node_name>("pod_id_to_node_name"),
    k<key::pod_uid, prop::service_id>("pod_id_to_service_id"),
    k<key::pod_uid, prop::service_name>("pod_id_to_service_name"),
    k<key::pod_uid, prop::pod_labels>("pod_id_to_pod_labels"),
    k<key::pod_uid, prop::start_time>("pod_id_to_start_time"),
    k<key::pod_uid, prop::stop_time>("pod_id_to_stop_time"),
    k<key::pod_name, prop::pod_id>("pod_name_to_pod_id"),
    k<key::pod_name, prop::namespace_>("pod_name_to_namespace"),
    k<key::pod_name, prop::pod_ip>("pod_name_to_pod_ip"),
    k<key::pod_name, prop::status>("pod_name_to_status"),
    k<key::pod_name, prop::service_id>("pod_name_to_service_id"),
    k<key::pod_name, prop::service_name>("pod_name_to_service_name"),
    k<key::pod_name, prop::start_time>("pod_name_to_start_time"),
    k<key::pod_name, prop::stop_time>("pod_name_to_stop_time"),
    k<key::service_uid, prop::service_name>("service_id_to_service_name"),
    k<key::service_uid, prop::cluster_ip>("service_id_to_cluster_ip"),
    k<key::service_uid, prop::external_ips>("service_id_to_external_ips"),
    k<key::service_name, prop::service_id>("service_name_to_service_id"),
    k<key::service_name, prop::namespace_>("service_name_to_namespace"),
    k<key::container_id, prop::status>("container_id_to_status"),
    k<key::container_id, prop::start_time>("container_id_to_start_time"),
    k<key::container_id, prop::stop_time>("container_id_to_stop_time"),
    k<key::namespace_name, prop::namespace_id>("namespace_name_to_namespace_id"),
    k<key::pod_ip, prop::pod_id>("ip_to_pod_id"),
    k<key::pod_ip, prop::pod_id>("ip_to_pod_id", 2),
    k<key::any_ip, prop::service_id>("ip_to_service_id"),
    {"_upid_to_podname_local_addr_fallback", 3, &podname_fallback_kernel},
};

}  // namespace

const std::string& this_host_name() {
  static const std::string name = [] {
    char buf[256] = {};
    return ::gethostname(buf, sizeof buf - 1) == 0 ? std::string{buf} : std::string{};
  }();
  return name;
}

udf_kernel k8s_metadata_kernel(std::string_view name, std::size_t nargs) {
  for (const auto& e : kernels)
    if (e.name == name && e.nargs == nargs) return e.kernel;
  return nullptr;
}

}  // namespace wisp::pxl
