#include "bpf/tracefs.hpp"

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace wisp::bpf {
namespace {

bool has_events(const std::string& root) {
  struct stat st {};
  return ::stat((root + "/events").c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

expected<std::string> ensure_tracefs() {
  for (const char* root : {tracefs_mount_point, tracefs_debugfs_path})
    if (has_events(root))
      return std::string{root};
  if (::mount("nodev", tracefs_mount_point, "tracefs", 0, nullptr) != 0) {
    int e = errno;
    return error{std::string{"mount tracefs at "} + tracefs_mount_point + ": " + std::strerror(e) +
                     " (run as root, or mount it: mount -t tracefs nodev " +
                     tracefs_mount_point + ")",
                 e};
  }
  if (!has_events(tracefs_mount_point))
    return error{std::string{"find tracepoint events under "} + tracefs_mount_point +
                     ": tracefs mounted but has no events directory",
                 ENOENT};
  return std::string{tracefs_mount_point};
}

}  // namespace wisp::bpf
