#include "actors/sources/bpftrace/selectors.hpp"

#include <sys/utsname.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>

namespace wisp::bpftrace {

std::string to_string(const kernel_version& v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch);
}

namespace {

constexpr std::uint32_t max_component = std::numeric_limits<std::int32_t>::max();

/// Reads one decimal component at `p`; advances it.
std::optional<std::uint32_t> component(std::string_view s, std::size_t& p) {
  std::uint32_t v = 0;
  const char* first = s.data() + p;
  auto r = std::from_chars(first, s.data() + s.size(), v, 10);
  if (r.ec != std::errc{} || v > max_component) return std::nullopt;
  p = static_cast<std::size_t>(r.ptr - s.data());
  return v;
}

bpf::error bad_version(std::string_view what, std::string_view text) {
  return {std::string{what} + " \"" + std::string{text} + "\": not a kernel version x.y.z", EINVAL};
}

bpf::expected<std::optional<kernel_version>> bound(std::string_view name,
                                                   std::optional<std::string_view> text) {
  if (!text) return std::optional<kernel_version>{};
  if (text->empty()) return bpf::error{std::string{name} + " is empty", EINVAL};
  auto v = parse_kernel_version(*text);
  if (!v) return bad_version(name, *text);
  return std::optional<kernel_version>{*v};
}

}  // namespace

bpf::expected<kernel_version> parse_kernel_version(std::string_view text) {
  kernel_version v;
  std::size_t p = 0;
  std::uint32_t* parts[] = {&v.major, &v.minor, &v.patch};
  for (std::size_t i = 0; i < 3; ++i) {
    if (i > 0) {
      if (p >= text.size() || text[p] != '.') return bad_version("version", text);
      ++p;
    }
    auto c = component(text, p);
    if (!c) return bad_version("version", text);
    *parts[i] = *c;
  }
  if (p != text.size()) return bad_version("version", text);
  return v;
}

bpf::expected<kernel_version> parse_kernel_release(std::string_view release) {
  kernel_version v;
  std::size_t p = 0;
  auto major = component(release, p);
  if (!major || p >= release.size() || release[p] != '.')
    return bpf::error{"kernel release \"" + std::string{release} + "\": no x.y version", EINVAL};
  ++p;
  auto minor = component(release, p);
  if (!minor)
    return bpf::error{"kernel release \"" + std::string{release} + "\": no x.y version", EINVAL};
  v.major = *major;
  v.minor = *minor;
  if (p < release.size() && release[p] == '.') {
    ++p;
    if (auto patch = component(release, p)) v.patch = *patch;
  }
  return v;
}

bpf::expected<host_facts> this_host() {
  utsname u{};
  if (::uname(&u) != 0) {
    const int e = errno;
    return bpf::error{std::string{"uname: "} + std::strerror(e), e};
  }
  auto kernel = parse_kernel_release(u.release);
  if (!kernel) return kernel.error_value();
  return host_facts{*kernel, u.nodename};
}

bpf::expected<selector_verdict> check_kernel_selectors(std::optional<std::string_view> min_kernel,
                                                       std::optional<std::string_view> max_kernel,
                                                       std::optional<std::string_view> host_name,
                                                       const host_facts& host) {
  auto min = bound("min_kernel", min_kernel);
  if (!min) return min.error_value();
  auto max = bound("max_kernel", max_kernel);
  if (!max) return max.error_value();
  if (host_name && host_name->empty()) return bpf::error{"host_name is empty", EINVAL};
  if (*min && *max && **min > **max)
    return bpf::error{"min_kernel " + to_string(**min) + " is above max_kernel " +
                          to_string(**max) + ": no kernel matches",
                      EINVAL};
  const std::string kernel = "kernel " + to_string(host.kernel);
  if (*min && host.kernel < **min)
    return selector_verdict{false, kernel + " is below min_kernel " + to_string(**min)};
  if (*max && host.kernel > **max)
    return selector_verdict{false, kernel + " is above max_kernel " + to_string(**max)};
  if (host_name && *host_name != host.host_name)
    return selector_verdict{false, "host " + host.host_name + " is not " + std::string{*host_name}};
  return selector_verdict{};
}

bpf::expected<selector_verdict> check_kernel_selectors(std::optional<std::string_view> min_kernel,
                                                       std::optional<std::string_view> max_kernel,
                                                       std::optional<std::string_view> host_name) {
  auto host = this_host();
  if (!host) return host.error_value();
  return check_kernel_selectors(min_kernel, max_kernel, host_name, *host);
}

}  // namespace wisp::bpftrace
