#pragma once
// The function registry: every scalar UDF and aggregate UDA PxL knows, with its overloads by
// argument types and the implementation the exec engine calls. Adding a function is one entry in
// functions.cpp (see README.md). The registry is immutable after construction and shared by all
// threads.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pxl/kernels.hpp"
#include "schemas/types.hpp"

namespace wisp::pxl {

/// One-letter names of the data types, for the tables of function signatures in functions.cpp
/// and udf_*.cpp (`make_udf<s_, op, s_, i_>("substring")` reads like the signature).
namespace signature_types {
inline constexpr auto b_ = schemas::data_type::boolean;
inline constexpr auto i_ = schemas::data_type::int64;
inline constexpr auto f_ = schemas::data_type::float64;
inline constexpr auto s_ = schemas::data_type::string;
inline constexpr auto t_ = schemas::data_type::time64ns;
inline constexpr auto u_ = schemas::data_type::uint128;
}  // namespace signature_types


/// How a function's result semantic type follows from its arguments'.
enum class semantic_rule : std::uint8_t {
  none,              // ST_NONE
  same_as_args,      // the common semantic type of the non-ST_NONE args, else ST_NONE
  duration_of_args,  // ST_DURATION_NS (e.g. time - time)
  fixed,             // the definition's `semantic_value` (casts such as px.Bytes, typed results)
  quantiles_of_arg,  // ST_DURATION_NS_QUANTILES for a ST_DURATION_NS arg, else ST_QUANTILES
};

/// A problem with a constant argument found at compile time (an invalid literal regex, an
/// unparsable duration): the argument's position and the message.
struct constant_problem {
  std::size_t arg = 0;
  std::string message;
};
/// Checks the constant arguments of a call (nullptr for the non-constant ones).
using constant_check =
    std::optional<constant_problem> (*)(std::span<const scalar* const> constants);

struct udf_def {
  std::string name;
  std::vector<schemas::data_type> args;
  schemas::data_type result = schemas::data_type::unknown;
  semantic_rule semantic = semantic_rule::none;
  udf_kernel kernel = nullptr;
  schemas::semantic_type semantic_value = schemas::semantic_type::st_none;  // rule `fixed`
  /// A semantic-type cast: the result is the argument's values unchanged, so the types pass
  /// replaces the call by its argument (with the new semantic type) and nothing runs.
  bool is_cast = false;
  constant_check check = nullptr;  // optional
  /// Its value depends on the node that evaluates it (the host name, the ASID): the compiler
  /// never folds a call of it into a constant, which the broker would compute for every agent.
  bool node_local = false;
};

/// The definition of a row function (see kernels.hpp's row_kernel): `make_udf<R, Op, A...>`.
template <schemas::data_type R, class Op, schemas::data_type... A>
udf_def make_udf(std::string name, semantic_rule rule = semantic_rule::none,
                 schemas::semantic_type value = schemas::semantic_type::st_none) {
  return {std::move(name), {A...}, R, rule, &row_kernel<R, Op, A...>, value, false, nullptr};
}

/// Per-group states of one aggregate, stored columnar (one slot per group). The aggregate
/// operator owns one per aggregate expression; update runs once per batch.
class uda_states {
 public:
  virtual ~uda_states() = default;
  /// Grows to `groups` slots; new slots hold the empty state.
  virtual void resize(std::size_t groups) = 0;
  /// Folds row i of `arg` into slot group_of_row[i].
  virtual void update(std::span<const std::uint32_t> group_of_row, const schemas::column& arg) = 0;
  /// Folds `other` (same uda) in: its slot g goes to slot target[g]. Used to merge partial
  /// aggregates computed elsewhere.
  virtual void merge(const uda_states& other, std::span<const std::uint32_t> target) = 0;
  /// Appends one final value per slot, in slot order, to `out` (of the uda's result type).
  virtual void finalize(schemas::column& out) const = 0;
  /// Appends each slot's state, in slot order, to `out` (a STRING column): what a partial
  /// aggregate sends to the final one. Little-endian binary; the first two bytes name the UDA
  /// (state kind, argument type) so that a state is never read as another UDA's.
  virtual void serialize(schemas::column& out) const = 0;
  /// Replaces the states by those in `in` (a STRING column written by serialize of the same
  /// UDA): slot i holds row i. A malformed row (bytes from another node: wrong kind, truncated,
  /// trailing bytes, impossible values) leaves its slot empty and sets bad[i] = 1 (`bad` is
  /// resized to in.size()); `error` gets the first one's reason. Returns the number of bad rows.
  /// Never allocates more than the input's size justifies.
  virtual std::size_t deserialize(const schemas::column& in, std::vector<std::uint8_t>& bad,
                                  std::string& error) = 0;
};

struct uda_def {
  std::string name;
  schemas::data_type arg = schemas::data_type::unknown;
  schemas::data_type result = schemas::data_type::unknown;
  semantic_rule semantic = semantic_rule::none;
  std::unique_ptr<uda_states> (*make_states)() = nullptr;
  schemas::semantic_type semantic_value = schemas::semantic_type::st_none;  // rule `fixed`
};

class function_registry {
 public:
  /// Every built-in function.
  static const function_registry& builtin();

  void add(udf_def f) { udfs_.push_back(std::move(f)); }
  void add(uda_def f) { udas_.push_back(std::move(f)); }

  /// The overload whose argument types match exactly, or nullptr.
  const udf_def* find_udf(std::string_view name, std::span<const schemas::data_type> args) const;
  /// Why no overload of `name` matches `args`: `arg` is the first argument position that no
  /// overload of the same arity accepts after the longest matching prefix; nullopt when no
  /// overload takes args.size() arguments. `expected` lists the types accepted there.
  struct mismatch {
    std::optional<std::size_t> arg;
    std::string expected;
  };
  mismatch explain_mismatch(std::string_view name, std::span<const schemas::data_type> args) const;
  const uda_def* find_uda(std::string_view name, schemas::data_type arg) const;
  bool has_udf(std::string_view name) const;
  bool has_uda(std::string_view name) const;
  /// True when an overload of `name` is node_local.
  bool is_node_local(std::string_view name) const;
  /// Every overload, in registration order (px.GetUDFList / px.GetUDAList).
  std::span<const udf_def> udfs() const { return udfs_; }
  std::span<const uda_def> udas() const { return udas_; }
  /// "add(INT64, INT64), add(FLOAT64, FLOAT64), ..." for diagnostics.
  std::string describe_overloads(std::string_view name) const;

 private:
  std::vector<udf_def> udfs_;
  std::vector<uda_def> udas_;
};

// The built-in functions, one group per file (each registers its overloads table-driven).
void register_aggregates(function_registry& r);    // aggregates.cpp: count ... quantiles, any
void register_string_udfs(function_registry& r);   // udf_string.cpp: strings and regexes
void register_json_udfs(function_registry& r);     // udf_json.cpp: pluck*, split, script refs
void register_time_udfs(function_registry& r);     // udf_time.cpp: durations, times, UPIDs
void register_protocol_udfs(function_registry& r); // udf_protocol.cpp: enum names, SQL
void register_metadata_udfs(function_registry& r); // udf_metadata.cpp: k8s, host, nslookup
void register_uri_udfs(function_registry& r);      // udf_uri.cpp: uri_parse/recompose, PII

/// The semantic type of a result under `rule` given the arguments' semantic types; `value` is
/// the definition's semantic_value (for `fixed`).
schemas::semantic_type apply_semantic_rule(semantic_rule rule, schemas::semantic_type value,
                                           std::span<const schemas::semantic_type> args);

}  // namespace wisp::pxl
