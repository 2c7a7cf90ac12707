#pragma once
// df.ctx[...] (facts §2.4): the metadata keys PxL accepts, their aliases, and how a key becomes a
// function of the columns a DataFrame has. The compiler checks keys; the types pass resolves them
// against the parent relation. The functions themselves live in udf_metadata.cpp.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schemas/relation.hpp"

namespace wisp::pxl {

class function_registry;

/// The canonical key of a ctx key or alias ("pod" -> "pod_name", "host" -> "hostname"), or
/// nullopt for a key PxL does not know.
std::optional<std::string_view> canonical_metadata_key(std::string_view key);

/// Every key with its aliases, for diagnostics: "container_id, ..., pod_name (pod), ...".
std::string describe_metadata_keys();

/// How a canonical key is computed over a relation.
struct metadata_lookup {
  std::string function;                  // registry name; empty: the column args[0] itself
  std::vector<std::string> arg_columns;  // columns of the relation passed to `function`
};

/// The computation of `key` (canonical) over `rel`, by the first rule that applies:
/// 1. the relation has a column named `key`: that column;
/// 2. `upid_to_pod_name` on a relation with `local_addr` and `time_` is Pixie's fallback
///    `_upid_to_podname_local_addr_fallback(upid, local_addr, time_)`;
/// 3. `<c>_to_<key>(c)` for the first key column c the relation has (upid, pod_id, pod_name,
///    service_id, service_name, replicaset_*, deployment_*, container_*) that the registry has
///    such a function for;
/// 4. node_name and hostname: `_exec_hostname()` (the host this query runs on).
/// nullopt when none applies.
std::optional<metadata_lookup> resolve_metadata(std::string_view key, const schemas::relation& rel,
                                                const function_registry& funcs);

/// The columns that would let `key` resolve (rule 3), for the hint of a failed resolution.
std::vector<std::string> metadata_key_columns(std::string_view key, const function_registry& funcs);

}  // namespace wisp::pxl
