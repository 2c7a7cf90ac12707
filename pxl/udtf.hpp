#pragma once
// Table functions (UDTFs, facts §7 "UDTFs (vizier/funcs)"): `px.GetSchemas()` and friends yield
// a DataFrame whose rows come from the node's own state (the table catalog, the function
// registry, the agents), not from a stored table. This is their catalogue: arguments and output
// relation, which the compiler and the types pass use. The rows are made by the exec engine
// (actors/exec/udtf_source.hpp). Immutable, shared by all threads.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pxl/scalar.hpp"
#include "schemas/relation.hpp"

namespace wisp::pxl {

struct udtf_arg {
  std::string name;
  schemas::data_type type = schemas::data_type::unknown;
  std::optional<scalar> default_value;  // none: required
};

struct udtf_def {
  std::string name;      // as called: px.<name>
  std::string executor;  // where it runs; in Wisp always the broker (Pixie: "one Kelvin")
  std::vector<udtf_arg> args;
  schemas::relation output;
};

/// Every UDTF Wisp runs.
const std::vector<udtf_def>& builtin_udtfs();
/// The UDTF called `name`, or nullptr.
const udtf_def* find_udtf(std::string_view name);
/// True for Pixie's UDTFs that Wisp does not run yet (GetTracepointStatus, ...): calling one is a
/// "not implemented in Wisp yet" error rather than "unknown function".
bool is_pending_udtf(std::string_view name);

}  // namespace wisp::pxl
