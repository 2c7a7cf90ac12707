#pragma once
// Start-up checks for the BPF socket tracer, each with one clear reason. Called once by wispd's
// main before the tracer loads; a failure ends the program with
// "wispd: cannot <verb> <object>: <reason> (<what to do>)" built from `error::what`.

#include "bpf/error.hpp"

namespace wisp::bpf {

inline constexpr const char* kernel_btf_path = "/sys/kernel/btf/vmlinux";

/// The effective capabilities include CAP_BPF (or CAP_SYS_ADMIN) and CAP_PERFMON (or
/// CAP_SYS_ADMIN): loading tracing programs and reading user memory needs both.
[[nodiscard]] status check_privileges();

/// The running kernel exposes its BTF (CO-RE relocations need it).
[[nodiscard]] status check_kernel_btf();

/// All checks in order: privileges, BTF, tracefs (mounting it if needed).
[[nodiscard]] status check_environment();

}  // namespace wisp::bpf
