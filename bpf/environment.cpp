#include "bpf/environment.hpp"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "bpf/tracefs.hpp"

namespace wisp::bpf {
namespace {

// CAP_BPF and CAP_PERFMON are newer than some libc headers.
constexpr int cap_perfmon = 38;
constexpr int cap_bpf = 39;

bool has_cap(const __user_cap_data_struct (&data)[_LINUX_CAPABILITY_U32S_3], int cap) {
  constexpr int bits = 32;
  return (data[cap / bits].effective & (1U << (cap % bits))) != 0;
}

}  // namespace

status check_privileges() {
  __user_cap_header_struct hdr{};
  hdr.version = _LINUX_CAPABILITY_VERSION_3;
  hdr.pid = 0;
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (::syscall(SYS_capget, &hdr, data) != 0) {
    int e = errno;
    return error{std::string{"read process capabilities: "} + std::strerror(e), e};
  }
  bool admin = has_cap(data, CAP_SYS_ADMIN);
  if (!admin && !(has_cap(data, cap_bpf) && has_cap(data, cap_perfmon)))
    return error{"load BPF programs: missing CAP_BPF/CAP_PERFMON or CAP_SYS_ADMIN "
                 "(run as root)",
                 EPERM};
  return ok();
}

status check_kernel_btf() {
  if (::access(kernel_btf_path, R_OK) != 0) {
    int e = errno;
    return error{std::string{"read kernel BTF "} + kernel_btf_path + ": " + std::strerror(e) +
                     " (needs a kernel built with CONFIG_DEBUG_INFO_BTF=y)",
                 e};
  }
  return ok();
}

status check_environment() {
  if (auto s = check_privileges(); !s)
    return s;
  if (auto s = check_kernel_btf(); !s)
    return s;
  if (auto t = ensure_tracefs(); !t)
    return t.error_value();
  return ok();
}

}  // namespace wisp::bpf
