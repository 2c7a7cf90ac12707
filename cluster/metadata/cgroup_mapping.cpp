#include "cluster/metadata/cgroup_mapping.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace wisp::cluster::metadata {
namespace {

// Runtime ids are hex (64 characters for containerd, CRI-O and Docker); shorter ones are
// accepted down to Docker's short-id length.
constexpr std::size_t min_container_id = 12;
constexpr std::size_t max_container_id = 128;

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view x) {
  return s.size() >= x.size() && s.substr(s.size() - x.size()) == x;
}

// 8-4-4-4-12 hex digits with '-' (cgroupfs) or '_' (systemd unit names cannot hold '-' as data).
std::optional<std::string> pod_uid(std::string_view s) {
  if (s.size() != 36) return std::nullopt;
  std::string out(s);
  for (std::size_t i = 0; i < out.size(); ++i) {
    bool sep = i == 8 || i == 13 || i == 18 || i == 23;
    if (sep) {
      if (out[i] != '-' && out[i] != '_') return std::nullopt;
      out[i] = '-';
    } else if (!is_hex(out.substr(i, 1))) {
      return std::nullopt;
    }
  }
  return out;
}

// The uid of a pod cgroup segment: "pod<uid>" (cgroupfs) or "kubepods[-<qos>]-pod<uid>.slice"
// (systemd; a kubelet with a cgroup root such as kind's prefixes it: "kubelet-kubepods-...").
std::optional<std::string> pod_segment(std::string_view seg) {
  if (starts_with(seg, "pod")) return pod_uid(seg.substr(3));
  if (seg.find("kubepods") != std::string_view::npos && ends_with(seg, ".slice")) {
    auto at = seg.rfind("-pod");
    if (at == std::string_view::npos) return std::nullopt;
    return pod_uid(seg.substr(at + 4, seg.size() - at - 4 - 6));
  }
  return std::nullopt;
}

// The container id of a segment: "<id>" (cgroupfs) or "<runtime>-<id>.scope" (systemd).
std::optional<std::string> container_segment(std::string_view seg) {
  if (ends_with(seg, ".scope")) {
    seg.remove_suffix(6);
    if (starts_with(seg, "crio-conmon-")) return std::nullopt;  // CRI-O's monitor, not the container
    auto dash = seg.rfind('-');
    if (dash == std::string_view::npos) return std::nullopt;
    auto runtime = seg.substr(0, dash);
    if (runtime != "cri-containerd" && runtime != "crio" && runtime != "docker") return std::nullopt;
    seg = seg.substr(dash + 1);
  }
  if (seg.size() < min_container_id || seg.size() > max_container_id || !is_hex(seg))
    return std::nullopt;
  return std::string(seg);
}

}  // namespace

std::optional<pod_container> parse_cgroup_path(std::string_view path) {
  std::vector<std::string_view> segs;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto seg = path.substr(0, slash);
    if (!seg.empty()) segs.push_back(seg);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  bool under_kubepods = false;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (segs[i].find("kubepods") != std::string_view::npos) under_kubepods = true;
    if (!under_kubepods) continue;
    auto uid = pod_segment(segs[i]);
    if (!uid) continue;
    pod_container out{*uid, ""};
    if (i + 1 < segs.size()) {
      auto id = container_segment(segs[i + 1]);
      if (!id) return std::nullopt;  // some other cgroup inside the pod's: not a container we know
      out.container_id = *id;
    }
    return out;
  }
  return std::nullopt;
}

std::optional<pod_container> parse_proc_cgroup(std::string_view contents) {
  std::vector<std::string_view> v1_paths;
  std::optional<std::string_view> v2_path;
  while (!contents.empty()) {
    auto nl = contents.find('\n');
    auto line = contents.substr(0, nl);
    contents.remove_prefix(nl == std::string_view::npos ? contents.size() : nl + 1);
    // hierarchy-id:controllers:path; the path itself may contain ':'.
    auto c1 = line.find(':');
    if (c1 == std::string_view::npos) continue;
    auto c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    auto path = line.substr(c2 + 1);
    if (line.substr(0, c1) == "0" && c2 == c1 + 1)
      v2_path = path;
    else
      v1_paths.push_back(path);
  }
  if (v2_path)
    if (auto r = parse_cgroup_path(*v2_path)) return r;
  for (auto p : v1_paths)
    if (auto r = parse_cgroup_path(p)) return r;
  return std::nullopt;
}

expected<std::optional<pod_container>> read_pid_cgroup(pid_t pid, const std::string& proc_root) {
  std::string file = proc_root + "/" + std::to_string(pid) + "/cgroup";
  std::ifstream in{file};
  if (!in) return error{"read " + file + ": " + std::strerror(errno), 0};
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_proc_cgroup(ss.str());
}

}  // namespace wisp::cluster::metadata
