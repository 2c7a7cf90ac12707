#pragma once
// Which pod and container a process belongs to, from its cgroup path (/proc/PID/cgroup). The
// kubelet names a pod's cgroup after the pod uid and the runtime names the container's cgroup
// after the container id, in one of two layouts:
//   systemd driver: .../kubepods.slice/kubepods-burstable.slice/
//                   kubepods-burstable-pod<uid with _>.slice/cri-containerd-<id>.scope
//                   (crio-<id>.scope for CRI-O, docker-<id>.scope for Docker/cri-dockerd)
//   cgroupfs driver: .../kubepods/burstable/pod<uid>/<id>  (besteffort likewise; guaranteed
//                   pods sit directly under kubepods)
// Both appear under cgroup v2 (the "0::" line) and v1 (one line per hierarchy). Pure functions
// except read_pid_cgroup; any thread.

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "cluster/metadata/error.hpp"

namespace wisp::cluster::metadata {

struct pod_container {
  std::string pod_uid;       // dashed form, as in metadata.uid
  std::string container_id;  // runtime id, as in containerStatuses[].containerID after "://";
                             // empty for a process in the pod's cgroup but in no container's
  bool operator==(const pod_container&) const = default;
};

/// The pod and container of one cgroup path, or nullopt when the path is not a pod's.
std::optional<pod_container> parse_cgroup_path(std::string_view path);

/// The pod and container named by the contents of a /proc/PID/cgroup file: the v2 line first,
/// then the v1 lines in order. nullopt when no line names a pod (a host process).
std::optional<pod_container> parse_proc_cgroup(std::string_view contents);

/// Reads <proc_root>/<pid>/cgroup and parses it. An error when the file cannot be read (the
/// process is gone, or no permission).
[[nodiscard]] expected<std::optional<pod_container>> read_pid_cgroup(
    pid_t pid, const std::string& proc_root = "/proc");

}  // namespace wisp::cluster::metadata
