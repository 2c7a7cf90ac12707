#include "cluster/deploy_keys.hpp"

#include <algorithm>
#include <system_error>

#include "cluster/curve_keys.hpp"

namespace wisp::cluster {

namespace {

namespace fs = std::filesystem;

/// DIR/NAME's pair: read when both files exist, generated when neither does, else an error.
std::optional<curve_keypair> pair_of(const fs::path& dir, std::string_view name, std::vector<std::string>& made,
                                     std::string& err) {
  const auto base = dir / std::string{name};
  std::error_code ec;
  const bool has_secret = fs::exists(base.string() + ".key", ec);
  const bool has_public = fs::exists(base.string() + ".pub", ec);
  if (has_secret && has_public) return read_keypair(base, err);
  if (has_secret || has_public) {
    err = base.string() + (has_secret ? ".pub" : ".key") + " is missing while " + base.string() +
          (has_secret ? ".key" : ".pub") + " exists (remove both to make a new pair)";
    return std::nullopt;
  }
  auto keys = generate_keypair(err);
  if (!keys) return std::nullopt;
  if (err = write_keypair(dir, std::string{name}, *keys); !err.empty()) return std::nullopt;
  made.push_back(base.string());
  return keys;
}

}  // namespace

std::variant<deploy_keys, std::string> load_or_make_deploy_keys(const fs::path& dir, std::vector<std::string>& made) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "cannot create " + dir.string() + ": " + ec.message();
  std::string err;
  deploy_keys out;
  auto broker = pair_of(dir, deploy_broker_key_name, made, err);
  if (!broker) return err;
  auto agent = pair_of(dir, deploy_agent_key_name, made, err);
  if (!agent) return err;
  out.broker_public = broker->public_z85;
  out.broker_secret = broker->secret_z85;
  out.agent_public = agent->public_z85;
  out.agent_secret = agent->secret_z85;

  auto client_names = [&]() -> std::optional<std::vector<std::string>> {
    std::vector<std::string> names;
    for (fs::directory_iterator it{dir, ec}, end; !ec && it != end; it.increment(ec)) {
      const auto& p = it->path();
      if (p.extension() != ".pub") continue;
      auto stem = p.stem().string();
      if (stem != deploy_broker_key_name && stem != deploy_agent_key_name) names.push_back(std::move(stem));
    }
    if (ec) {
      err = "cannot list " + dir.string() + ": " + ec.message();
      return std::nullopt;
    }
    std::ranges::sort(names);
    return names;
  };
  auto names = client_names();
  if (!names) return err;
  if (names->empty()) {
    if (!pair_of(dir, deploy_first_client_name, made, err)) return err;
    names->push_back(std::string{deploy_first_client_name});
  }
  for (const auto& name : *names) {
    auto pub = read_key_file(dir / (name + ".pub"), err);
    if (!pub) return err;
    out.clients.emplace_back(name, std::move(*pub));
  }
  return out;
}

}  // namespace wisp::cluster
