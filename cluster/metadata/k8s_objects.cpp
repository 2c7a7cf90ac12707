#include "cluster/metadata/k8s_objects.hpp"

#include <charconv>
#include <chrono>
#include <initializer_list>
#include <limits>

namespace wisp::cluster::metadata {
namespace {

namespace json = pxl::json;
using json::value_ref;

std::optional<value_ref> at(const value_ref& v, std::initializer_list<std::string_view> path) {
  value_ref cur = v;
  for (auto key : path) {
    if (cur.kind != json::kind::object) return std::nullopt;
    std::optional<value_ref> next;
    json::for_each_member(cur, [&](std::string_view k, const value_ref& m) {
      if (!json::key_equals(k, key)) return true;
      next = m;
      return false;
    });
    if (!next) return std::nullopt;
    cur = *next;
  }
  return cur;
}

// The string at `path`, or "" when absent, null or not a string.
std::string str(const value_ref& v, std::initializer_list<std::string_view> path) {
  auto s = at(v, path);
  return s && s->kind == json::kind::string ? json::decode_string(s->raw) : std::string{};
}

std::int64_t time_ns(const value_ref& v, std::initializer_list<std::string_view> path) {
  return parse_rfc3339(str(v, path)).value_or(0);
}

template <class F>
void each(const value_ref& v, std::initializer_list<std::string_view> path, F&& f) {
  auto a = at(v, path);
  if (!a || a->kind != json::kind::array) return;
  json::for_each_element(*a, [&](const value_ref& e) {
    f(e);
    return true;
  });
}

std::map<std::string, std::string> string_map(const value_ref& v,
                                              std::initializer_list<std::string_view> path) {
  std::map<std::string, std::string> out;
  auto m = at(v, path);
  if (!m || m->kind != json::kind::object) return out;
  json::for_each_member(*m, [&](std::string_view k, const value_ref& val) {
    if (val.kind == json::kind::string)
      out.emplace(json::decode_string(k), json::decode_string(val.raw));
    return true;
  });
  return out;
}

expected<object_meta> decode_meta(resource_kind kind, const value_ref& obj) {
  if (obj.kind != json::kind::object)
    return error{std::string(collection_name(kind)) + " item: not a JSON object", 0};
  object_meta m;
  m.uid = str(obj, {"metadata", "uid"});
  m.name = str(obj, {"metadata", "name"});
  if (m.uid.empty() || m.name.empty())
    return error{std::string(collection_name(kind)) + " item \"" + m.name +
                     "\": metadata.uid and metadata.name are required",
                 0};
  m.ns = str(obj, {"metadata", "namespace"});
  m.resource_version = str(obj, {"metadata", "resourceVersion"});
  m.creation_ns = time_ns(obj, {"metadata", "creationTimestamp"});
  m.deletion_ns = time_ns(obj, {"metadata", "deletionTimestamp"});
  m.labels = string_map(obj, {"metadata", "labels"});
  return m;
}

container_info decode_container_status(const value_ref& cs) {
  container_info c;
  c.name = str(cs, {"name"});
  std::string id = str(cs, {"containerID"});
  if (auto sep = id.find("://"); sep != std::string::npos) {
    c.runtime = id.substr(0, sep);
    c.id = id.substr(sep + 3);
  } else {
    c.id = id;
  }
  for (auto st : {"running", "waiting", "terminated"}) {
    if (at(cs, {"state", st})) {
      c.state = st;
      c.reason = str(cs, {"state", st, "reason"});
      c.message = str(cs, {"state", st, "message"});
      break;
    }
  }
  c.start_ns = time_ns(cs, {"state", "running", "startedAt"});
  if (c.start_ns == 0) c.start_ns = time_ns(cs, {"state", "terminated", "startedAt"});
  c.stop_ns = time_ns(cs, {"state", "terminated", "finishedAt"});
  return c;
}

pod_info decode_pod(object_meta meta, const value_ref& obj) {
  pod_info p;
  p.meta = std::move(meta);
  p.node_name = str(obj, {"spec", "nodeName"});
  auto hn = at(obj, {"spec", "hostNetwork"});
  p.host_network = hn && hn->kind == json::kind::boolean && hn->raw == "true";
  p.host_ip = str(obj, {"status", "hostIP"});
  each(obj, {"status", "podIPs"}, [&](const value_ref& e) {
    if (auto ip = str(e, {"ip"}); !ip.empty()) p.pod_ips.push_back(std::move(ip));
  });
  if (p.pod_ips.empty())
    if (auto ip = str(obj, {"status", "podIP"}); !ip.empty()) p.pod_ips.push_back(std::move(ip));
  p.phase = str(obj, {"status", "phase"});
  p.reason = str(obj, {"status", "reason"});
  p.message = str(obj, {"status", "message"});
  each(obj, {"status", "conditions"}, [&](const value_ref& c) {
    if (str(c, {"type"}) == "Ready") p.ready = str(c, {"status"}) == "True";
  });
  p.qos_class = str(obj, {"status", "qosClass"});
  p.start_ns = time_ns(obj, {"status", "startTime"});
  for (auto list : {"initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"})
    each(obj, {"status", list},
         [&](const value_ref& cs) { p.containers.push_back(decode_container_status(cs)); });
  return p;
}

service_info decode_service(object_meta meta, const value_ref& obj) {
  service_info s;
  s.meta = std::move(meta);
  s.type = str(obj, {"spec", "type"});
  auto add_ip = [&](std::string ip) {
    if (!ip.empty() && ip != "None") s.cluster_ips.push_back(std::move(ip));
  };
  each(obj, {"spec", "clusterIPs"},
       [&](const value_ref& e) { add_ip(e.kind == json::kind::string ? json::decode_string(e.raw) : ""); });
  if (s.cluster_ips.empty()) add_ip(str(obj, {"spec", "clusterIP"}));
  each(obj, {"spec", "externalIPs"}, [&](const value_ref& e) {
    if (e.kind == json::kind::string) s.external_ips.push_back(json::decode_string(e.raw));
  });
  each(obj, {"status", "loadBalancer", "ingress"}, [&](const value_ref& e) {
    if (auto ip = str(e, {"ip"}); !ip.empty()) s.external_ips.push_back(std::move(ip));
  });
  s.selector = string_map(obj, {"spec", "selector"});
  return s;
}

endpoints_info decode_endpoints(object_meta meta, const value_ref& obj) {
  endpoints_info e;
  e.meta = std::move(meta);
  each(obj, {"subsets"}, [&](const value_ref& subset) {
    for (auto list : {"addresses", "notReadyAddresses"})
      each(subset, {list}, [&](const value_ref& a) {
        endpoint_address addr;
        addr.ip = str(a, {"ip"});
        if (str(a, {"targetRef", "kind"}) == "Pod") addr.pod_uid = str(a, {"targetRef", "uid"});
        if (!addr.ip.empty()) e.addresses.push_back(std::move(addr));
      });
  });
  return e;
}

node_info decode_node(object_meta meta, const value_ref& obj) {
  node_info n;
  n.meta = std::move(meta);
  each(obj, {"status", "addresses"}, [&](const value_ref& a) {
    n.addresses.emplace_back(str(a, {"type"}), str(a, {"address"}));
  });
  n.pod_cidr = str(obj, {"spec", "podCIDR"});
  return n;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + n, out);
  return ec == std::errc{} && p == s.data() + pos + n;
}

}  // namespace

std::string_view collection_name(resource_kind k) {
  switch (k) {
    case resource_kind::pods: return "pods";
    case resource_kind::services: return "services";
    case resource_kind::endpoints: return "endpoints";
    case resource_kind::nodes: return "nodes";
    case resource_kind::namespaces: return "namespaces";
  }
  return "unknown";
}

std::optional<std::int64_t> parse_rfc3339(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) ||
      s[7] != '-' || !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' ||
      !digits(s, 17, 2, sec))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t frac_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::int64_t scale = 100'000'000;
    std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_ns += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om))
      return std::nullopt;
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  std::int64_t days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  // Nanoseconds since the epoch fit int64 from 1677 to 2262; a time outside is malformed here.
  constexpr std::int64_t max_secs = std::numeric_limits<std::int64_t>::max() / 1'000'000'000 - 1;
  if (secs > max_secs || secs < -max_secs) return std::nullopt;
  return secs * 1'000'000'000 + frac_ns;
}

expected<k8s_object> decode_object(resource_kind k, const value_ref& obj) {
  auto meta = decode_meta(k, obj);
  if (!meta) return meta.error_value();
  switch (k) {
    case resource_kind::pods: return k8s_object{decode_pod(std::move(*meta), obj)};
    case resource_kind::services: return k8s_object{decode_service(std::move(*meta), obj)};
    case resource_kind::endpoints: return k8s_object{decode_endpoints(std::move(*meta), obj)};
    case resource_kind::nodes: return k8s_object{decode_node(std::move(*meta), obj)};
    case resource_kind::namespaces: {
      namespace_info n;
      n.meta = std::move(*meta);
      n.phase = str(obj, {"status", "phase"});
      return k8s_object{std::move(n)};
    }
  }
  return error{"unknown resource kind", 0};
}

const object_meta& meta_of(const k8s_object& o) {
  return std::visit([](const auto& x) -> const object_meta& { return x.meta; }, o);
}

}  // namespace wisp::cluster::metadata
