#pragma once
// The processes a tracepoint target selects on this node, read from /proc: by pid, by
// executable (every process whose /proc/PID/exe is that file, compared by device and inode, so
// that a path through a symlink or another name still matches), by UPID (pid and start time),
// and a shared object mapped by one process. Kubernetes targets need the metadata service
// (issue 6) and are refused with that reason. No CAF.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bpf/error.hpp"
#include "pxl/mutation.hpp"

namespace wisp::tracepoints {

struct traced_process {
  std::int32_t pid = 0;
  std::uint64_t start_ticks = 0;  // field 22 of /proc/PID/stat: with the pid, the process's identity
  std::string binary;             // the file to attach to (the executable or the shared object)

  friend bool operator==(const traced_process&, const traced_process&) = default;
};

/// The processes `target` selects now (possibly none). Errors: a target kind this node cannot
/// resolve, a shared object the process does not map.
[[nodiscard]] bpf::expected<std::vector<traced_process>> select_processes(
    const pxl::trace_target& target, std::uint32_t asid, const std::string& proc_root = "/proc");

/// Field 22 of /proc/PID/stat (start time in clock ticks), or nullopt when the process is gone.
std::optional<std::uint64_t> process_start_ticks(std::int32_t pid, const std::string& proc_root = "/proc");

}  // namespace wisp::tracepoints
