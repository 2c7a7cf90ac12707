#pragma once
// tracefs availability. Attaching `tracepoint/...` programs needs the tracepoint ids that libbpf
// reads from tracefs; on a fresh machine of this fleet tracefs is not mounted.

#include <string>

#include "bpf/error.hpp"

namespace wisp::bpf {

inline constexpr const char* tracefs_mount_point = "/sys/kernel/tracing";
inline constexpr const char* tracefs_debugfs_path = "/sys/kernel/debug/tracing";

/// Returns the tracefs root that has an `events` directory: /sys/kernel/tracing, else
/// /sys/kernel/debug/tracing, else mounts tracefs at /sys/kernel/tracing (needs root) and returns
/// that. Any thread; call once at start-up before attaching tracepoints.
[[nodiscard]] expected<std::string> ensure_tracefs();

}  // namespace wisp::bpf
