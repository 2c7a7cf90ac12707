#include "pxl/metadata.hpp"

#include <array>
#include <utility>

#include "pxl/functions.hpp"

namespace wisp::pxl {

namespace {

using schemas::data_type;

struct key_alias {
  std::string_view alias;
  std::string_view key;
};

// Facts §2.4, in Pixie's order; a key is its own alias.
constexpr std::array canonical_keys{
    std::string_view{"container_id"},    std::string_view{"service_id"},
    std::string_view{"pod_id"},          std::string_view{"deployment_id"},
    std::string_view{"replicaset_id"},   std::string_view{"service_name"},
    std::string_view{"pod_name"},        std::string_view{"deployment_name"},
    std::string_view{"namespace"},       std::string_view{"replicaset_name"},
    std::string_view{"node_name"},       std::string_view{"hostname"},
    std::string_view{"container_name"},  std::string_view{"cmdline"},
    std::string_view{"asid"},            std::string_view{"pid"}};

constexpr std::array aliases{
    key_alias{"replica_set_id", "replicaset_id"}, key_alias{"service", "service_name"},
    key_alias{"pod", "pod_name"},                 key_alias{"deployment", "deployment_name"},
    key_alias{"replica_set", "replicaset_name"},  key_alias{"replicaset", "replicaset_name"},
    key_alias{"node", "node_name"},               key_alias{"host", "hostname"},
    key_alias{"container", "container_name"},     key_alias{"cmd", "cmdline"}};

// Columns that identify an entity, in the order they are tried (upid is the usual one).
struct key_column {
  std::string_view name;
  data_type type;
};
constexpr std::array key_columns{
    key_column{"upid", data_type::uint128},          key_column{"pod_id", data_type::string},
    key_column{"pod_name", data_type::string},       key_column{"service_id", data_type::string},
    key_column{"service_name", data_type::string},   key_column{"replicaset_id", data_type::string},
    key_column{"replicaset_name", data_type::string}, key_column{"deployment_id", data_type::string},
    key_column{"deployment_name", data_type::string}, key_column{"container_id", data_type::string},
    key_column{"container_name", data_type::string}};

bool has_column(const schemas::relation& rel, std::string_view name, data_type type) {
  auto idx = rel.index_of(name);
  return idx && rel.columns[*idx].type == type;
}

std::string function_for(std::string_view column, std::string_view key) {
  return std::string{column} + "_to_" + std::string{key};
}

}  // namespace

std::optional<std::string_view> canonical_metadata_key(std::string_view key) {
  for (auto k : canonical_keys)
    if (k == key) return k;
  for (const auto& a : aliases)
    if (a.alias == key) return a.key;
  return std::nullopt;
}

std::string describe_metadata_keys() {
  std::string out;
  for (auto k : canonical_keys) {
    out += (out.empty() ? "" : ", ") + std::string{k};
    std::string names;
    for (const auto& a : aliases)
      if (a.key == k) names += (names.empty() ? "" : ", ") + std::string{a.alias};
    if (!names.empty()) out += " (" + names + ")";
  }
  return out;
}

std::optional<metadata_lookup> resolve_metadata(std::string_view key, const schemas::relation& rel,
                                                const function_registry& funcs) {
  if (rel.index_of(key)) return metadata_lookup{{}, {std::string{key}}};
  if (key == "pod_name" && has_column(rel, "upid", data_type::uint128) &&
      has_column(rel, "local_addr", data_type::string) &&
      has_column(rel, "time_", data_type::time64ns)) {
    // Pixie's work-around for processes that exit before their pod is known.
    return metadata_lookup{"_upid_to_podname_local_addr_fallback", {"upid", "local_addr", "time_"}};
  }
  for (const auto& c : key_columns) {
    if (!has_column(rel, c.name, c.type)) continue;
    auto fn = function_for(c.name, key);
    std::array<data_type, 1> args{c.type};
    if (funcs.find_udf(fn, args) != nullptr) return metadata_lookup{fn, {std::string{c.name}}};
  }
  if (key == "node_name" || key == "hostname") return metadata_lookup{"_exec_hostname", {}};
  return std::nullopt;
}

std::vector<std::string> metadata_key_columns(std::string_view key, const function_registry& funcs) {
  std::vector<std::string> out;
  for (const auto& c : key_columns) {
    std::array<data_type, 1> args{c.type};
    if (funcs.find_udf(function_for(c.name, key), args) != nullptr) out.emplace_back(c.name);
  }
  return out;
}

}  // namespace wisp::pxl
