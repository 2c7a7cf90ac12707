#include "cluster/deploy_manifests.hpp"

#include <algorithm>
#include <map>

#include "cluster/client.hpp"
#include "cluster/curve_keys.hpp"
#include "cluster/wispd_flags.hpp"

namespace wisp::cluster {

namespace {

using placeholders = std::map<std::string, std::string, std::less<>>;

constexpr std::string_view kubernetes_dir = "kubernetes/";
constexpr std::string_view systemd_dir = "systemd/";
constexpr std::size_t max_label_length = 63;  // RFC 1123 label, as Kubernetes names namespaces
constexpr std::size_t max_image_length = 512;

/// Flags that differ between the agent and the broker: the workloads set them, not the ConfigMap.
/// kube_node: each agent's own node (the downward API); the endpoints and key files differ per
/// role (25-keys.yaml).
constexpr std::string_view per_workload_flags[] = {"role",         "listen",   "kube_api",   "kube_node",
                                                   "broker",       "cluster_listen", "key_file", "broker_key",
                                                   "allowed_keys", "allowed_clients"};

/// What the key Secrets hold without --keys: wispd refuses it at start ("not a Z85 CURVE key").
constexpr std::string_view key_placeholder = "REPLACE-ME: render real keys with wisp deploy --keys DIR";

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/// The port of an endpoint ("tcp://127.0.0.1:50300" -> "50300").
std::string port_of(std::string_view endpoint) { return std::string{endpoint.substr(endpoint.rfind(':') + 1)}; }

/// The default value of a wispd flag (wispd_flags.hpp).
std::string_view flag_default(std::string_view name) {
  const auto it = std::ranges::find(wispd_flags, name, [](const wispd_flag& f) { return std::string_view{f.name}; });
  return it == std::end(wispd_flags) ? std::string_view{} : std::string_view{it->default_value};
}

/// A YAML double-quoted scalar.
std::string yaml_quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

/// A client name as an allowlist comment: only characters that need no quoting anywhere.
std::string comment_name(std::string_view name) {
  std::string out;
  for (char c : name)
    if (is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '_') out += c;
  return out;
}

/// One stringData entry: a key file's one line quoted, an allowlist's lines as a literal block.
std::string secret_entry(std::string_view key, const std::vector<std::string>& lines, bool block = false) {
  if (!block) return "  " + std::string{key} + ": " + yaml_quoted(lines.front()) + "\n";
  std::string out = "  " + std::string{key} + ": |\n";
  for (const auto& l : lines) out += "    " + l + "\n";
  return out;
}

struct key_entries {
  std::string comment, broker, agent;
};

/// The Secrets' stringData (25-keys.yaml.in), with the keys or with placeholders.
key_entries render_key_entries(const std::optional<deploy_keys>& keys) {
  key_entries e;
  const std::string ph{key_placeholder};
  if (!keys) {
    e.comment =
        "#\n# PLACEHOLDERS: wispd refuses to start with them (\"not a Z85 CURVE key\"). Render the keys\n"
        "# with `wisp deploy --image IMAGE --keys DIR`: it reads DIR/broker, DIR/agent and the clients'\n"
        "# DIR/NAME.pub, and makes the missing pairs (as `wisp keys NAME --dir DIR` does).";
  } else {
    e.comment =
        "#\n# Rendered by `wisp deploy --keys DIR` from DIR's key files: this file holds secret keys; keep\n"
        "# it out of version control. A client connects with `wisp --key DIR/NAME --server_key\n"
        "# DIR/broker.pub`; add one with `wisp keys NAME --dir DIR` and render again.";
  }
  std::vector<std::string> clients;
  if (keys)
    for (const auto& [name, pub] : keys->clients) clients.push_back(pub + "  # " + comment_name(name));
  else
    clients.push_back(ph);
  e.broker = secret_entry("broker.key", {keys ? keys->broker_secret : ph}) +
             secret_entry("broker.pub", {keys ? keys->broker_public : ph}) +
             secret_entry("allowed_agents", {keys ? keys->agent_public : ph, "# the agents' key (all share one)"}, true) +
             secret_entry("allowed_clients", clients, true);
  e.agent = secret_entry("agent.key", {keys ? keys->agent_secret : ph}) +
            secret_entry("agent.pub", {keys ? keys->agent_public : ph}) +
            secret_entry("broker.pub", {keys ? keys->broker_public : ph});
  e.broker.pop_back();  // the template's line ends it
  e.agent.pop_back();
  return e;
}

/// The ConfigMap's data entries: one WISP_<FLAG> per wispd flag, its help as a comment.
std::string config_entries() {
  std::string out;
  for (const auto& f : wispd_flags) {
    if (std::ranges::find(per_workload_flags, std::string_view{f.name}) != std::end(per_workload_flags)) continue;
    out += std::string{"  # "} + f.help + "\n";
    out += "  " + wispd_flag_env_name(f.name) + ": " + yaml_quoted(f.default_value) + "\n";
  }
  if (!out.empty()) out.pop_back();  // the template's line ends it
  return out;
}

/// Replaces every {{name}} of `text`; an unknown or unclosed placeholder is an error.
std::string fill(std::string_view file, std::string_view text, const placeholders& values, std::string& out) {
  out.clear();
  std::size_t pos = 0;
  while (true) {
    const auto open = text.find("{{", pos);
    out.append(text.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos));
    if (open == std::string_view::npos) return {};
    const auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return std::string{file} + ": unclosed {{ placeholder";
    const auto name = text.substr(open + 2, close - open - 2);
    const auto it = values.find(name);
    if (it == values.end()) return std::string{file} + ": unknown placeholder {{" + std::string{name} + "}}";
    out += it->second;
    pos = close + 2;
  }
}

render_result render_dir(std::string_view dir, const placeholders& values) {
  std::vector<rendered_file> files;
  for (const auto& t : deploy_templates()) {
    if (!t.file.starts_with(dir)) continue;
    rendered_file f;
    f.name = std::string{t.file.substr(dir.size())};
    if (f.name.ends_with(".in")) f.name.resize(f.name.size() - 3);
    if (auto err = fill(t.file, t.text, values, f.text); !err.empty()) return err;
    files.push_back(std::move(f));
  }
  if (files.empty()) return "no templates under deploy/" + std::string{dir} + " were embedded";
  return files;
}

}  // namespace

std::string check_namespace(std::string_view ns) {
  if (ns.empty()) return "the namespace is empty";
  if (ns.size() > max_label_length)
    return "namespace '" + std::string{ns} + "' is longer than " + std::to_string(max_label_length) + " characters";
  for (char c : ns)
    if (!is_lower_alnum(c) && c != '-')
      return "namespace '" + std::string{ns} + "' may hold only a-z, 0-9 and '-' (an RFC 1123 label)";
  if (ns.front() == '-' || ns.back() == '-')
    return "namespace '" + std::string{ns} + "' must start and end with a letter or digit";
  return {};
}

std::string check_image(std::string_view image) {
  if (image.empty()) return "the image is empty";
  if (image.size() > max_image_length)
    return "image '" + std::string{image} + "' is longer than " + std::to_string(max_image_length) + " characters";
  for (char c : image) {
    const bool ok = is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '_' || c == '/' ||
                    c == ':' || c == '@';
    if (!ok) return "image '" + std::string{image} + "' holds '" + std::string(1, c) + "' (use registry/name:tag or name@digest)";
  }
  if (!is_lower_alnum(image.front()))
    return "image '" + std::string{image} + "' must start with a lower-case letter or digit";
  return {};
}

std::string check_wispd_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return "the wispd path '" + std::string{path} + "' is not absolute";
  for (char c : path)
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\'' || c == '\\' || c == '%' || c == '$')
      return "the wispd path '" + std::string{path} + "' holds a character systemd would read specially";
  return {};
}

render_result render_kubernetes(std::string_view ns, std::string_view image, const std::optional<deploy_keys>& keys) {
  if (auto err = check_namespace(ns); !err.empty()) return err;
  if (auto err = check_image(image); !err.empty()) return err;
  if (keys) {
    std::vector<const std::string*> all{&keys->broker_public, &keys->broker_secret, &keys->agent_public, &keys->agent_secret};
    for (const auto& c : keys->clients) all.push_back(&c.second);
    for (const auto* k : all)
      if (!z85_key_bytes(*k)) return "a key for the Secrets is not a Z85 CURVE key (40 characters)";
  }
  auto secrets = render_key_entries(keys);
  return render_dir(kubernetes_dir, {{"namespace", std::string{ns}},
                                     {"image", std::string{image}},
                                     {"client_port", port_of(default_endpoint)},
                                     {"cluster_port", port_of(flag_default("cluster_listen"))},
                                     {"config", config_entries()},
                                     {"keys_comment", std::move(secrets.comment)},
                                     {"broker_key_entries", std::move(secrets.broker)},
                                     {"agent_key_entries", std::move(secrets.agent)}});
}

render_result render_systemd_unit(std::string_view wispd_path) {
  if (auto err = check_wispd_path(wispd_path); !err.empty()) return err;
  return render_dir(systemd_dir, {{"wispd_path", std::string{wispd_path}}});
}

}  // namespace wisp::cluster
