#pragma once
// The deployment files that `wisp deploy` prints or writes: the Kubernetes manifests (namespace,
// RBAC, flags ConfigMap, the key Secrets, broker Deployment and Service, agent DaemonSet) and the
// systemd unit.
// Their templates (deploy/kubernetes/*.yaml.in, deploy/systemd/*.in) are compiled into the binary
// by cmake/embed_scripts.cmake; rendering fills their {{placeholders}}. Pure functions, no I/O.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wisp::cluster {

/// One embedded template: its path under deploy/ and its text.
struct deploy_template {
  std::string_view file;  // "kubernetes/40-agent.yaml.in"
  std::string_view text;
};

/// Every embedded template, sorted by path (so the manifests come in the order to apply them).
std::span<const deploy_template> deploy_templates();

inline constexpr std::string_view default_deploy_namespace = "wisp";
inline constexpr std::string_view default_wispd_path = "/usr/local/bin/wispd";

/// A rendered file: its name without the directory and the ".in" ("40-agent.yaml"), its text.
struct rendered_file {
  std::string name;
  std::string text;
};

/// The rendered files, or why they could not be rendered (one line naming the bad value).
using render_result = std::variant<std::vector<rendered_file>, std::string>;

/// Each returns an empty string when the value is usable, else what is wrong with it.
/// A namespace is an RFC 1123 label (what Kubernetes accepts): 1-63 of a-z, 0-9, '-', starting
/// and ending with a letter or digit.
std::string check_namespace(std::string_view ns);
/// An image reference: registry/path:tag or @digest characters only, nothing YAML would read
/// differently (no spaces, quotes, '#', braces).
std::string check_image(std::string_view image);
/// An absolute path without whitespace, as systemd's ExecStart= takes it unquoted.
std::string check_wispd_path(std::string_view path);

/// What the key Secrets hold (Z85 keys). All agents share one key pair: a DaemonSet mounts one
/// Secret on every node.
struct deploy_keys {
  std::string broker_public, broker_secret;
  std::string agent_public, agent_secret;
  std::vector<std::pair<std::string, std::string>> clients;  // name, public key
};

/// The Kubernetes manifests for namespace `ns` running `image`, in the order to apply them.
/// Without keys the Secrets hold placeholders that wispd refuses at start, and say how to make
/// real ones.
[[nodiscard]] render_result render_kubernetes(std::string_view ns, std::string_view image,
                                              const std::optional<deploy_keys>& keys = std::nullopt);

/// The systemd unit (wispd.service) running the wispd binary at `wispd_path`.
[[nodiscard]] render_result render_systemd_unit(std::string_view wispd_path);

}  // namespace wisp::cluster
