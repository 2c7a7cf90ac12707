#pragma once
// The CURVE keys that `wisp deploy --keys DIR` puts into the Kubernetes Secrets: DIR/broker and
// DIR/agent key pairs, and every other DIR/NAME.pub as an allowed client (DIR/client is made
// when there is none). Missing pairs are generated (`wisp keys` files: NAME.key 0600 and
// NAME.pub); existing ones are read, never overwritten. File I/O; the rendering stays pure
// (deploy_manifests.hpp).

#include <filesystem>
#include <string>
#include <variant>

#include "cluster/deploy_manifests.hpp"

namespace wisp::cluster {

inline constexpr std::string_view deploy_broker_key_name = "broker";
inline constexpr std::string_view deploy_agent_key_name = "agent";
inline constexpr std::string_view deploy_first_client_name = "client";

/// The keys of DIR, or one line naming the file and what is wrong. `made` lists the key pairs
/// generated now (their DIR/NAME), for the caller to report.
[[nodiscard]] std::variant<deploy_keys, std::string> load_or_make_deploy_keys(const std::filesystem::path& dir,
                                                                              std::vector<std::string>& made);

}  // namespace wisp::cluster
