#pragma once
// TraceProgram's selectors (facts §2.8): a bpftrace program may be restricted to kernels at or
// above `min_kernel`, at or below `max_kernel` (both "x.y.z", compared numerically, bounds
// included), and to the host named `host_name`. A selector that is absent (nullopt) places no
// condition; one given empty or unparsable is an error. Pure apart from this_host(); any thread.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bpf/error.hpp"

namespace wisp::bpftrace {

struct kernel_version {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint32_t patch = 0;
  friend auto operator<=>(const kernel_version&, const kernel_version&) = default;
};
std::string to_string(const kernel_version& v);

/// Exactly "x.y.z" (decimal, each below 2^31).
[[nodiscard]] bpf::expected<kernel_version> parse_kernel_version(std::string_view text);
/// The leading "x.y[.z]" of a uname release such as "6.1.0-13-amd64" (missing patch: 0).
[[nodiscard]] bpf::expected<kernel_version> parse_kernel_release(std::string_view release);

struct host_facts {
  kernel_version kernel;
  std::string host_name;
};
/// This machine's kernel (uname release) and host name.
[[nodiscard]] bpf::expected<host_facts> this_host();

struct selector_verdict {
  bool matches = true;
  std::string reason;  // why not, e.g. "kernel 6.1.0 is above max_kernel 5.18.0"
};

/// Errors: a selector given empty, a version that is not "x.y.z", min_kernel above max_kernel.
[[nodiscard]] bpf::expected<selector_verdict> check_kernel_selectors(
    std::optional<std::string_view> min_kernel, std::optional<std::string_view> max_kernel,
    std::optional<std::string_view> host_name, const host_facts& host);
/// The same on this host.
[[nodiscard]] bpf::expected<selector_verdict> check_kernel_selectors(
    std::optional<std::string_view> min_kernel, std::optional<std::string_view> max_kernel,
    std::optional<std::string_view> host_name);

}  // namespace wisp::bpftrace
