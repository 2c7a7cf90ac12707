#pragma once
// The function registry: every scalar UDF and aggregate UDA PxL knows, with its overloads by
// argument types and the implementation the exec engine calls. Adding a function is one entry in
// functions.cpp (see README.md). The registry is immutable after construction and shared by all
// threads.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pxl/kernels.hpp"
#include "schemas/types.hpp"

namespace wisp::pxl {

/// How a function's result semantic type follows from its arguments'.
enum class semantic_rule : std::uint8_t {
  none,             // ST_NONE
  same_as_args,     // the common semantic type of the non-ST_NONE args, else ST_NONE
  duration_of_args, // ST_DURATION_NS (e.g. time - time)
};

struct udf_def {
  std::string name;
  std::vector<schemas::data_type> args;
  schemas::data_type result = schemas::data_type::unknown;
  semantic_rule semantic = semantic_rule::none;
  udf_kernel kernel = nullptr;
};

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
};

struct uda_def {
  std::string name;
  schemas::data_type arg = schemas::data_type::unknown;
  schemas::data_type result = schemas::data_type::unknown;
  semantic_rule semantic = semantic_rule::none;
  std::unique_ptr<uda_states> (*make_states)() = nullptr;
};

class function_registry {
 public:
  /// Every built-in function.
  static const function_registry& builtin();

  void add(udf_def f) { udfs_.push_back(std::move(f)); }
  void add(uda_def f) { udas_.push_back(std::move(f)); }

  /// The overload whose argument types match exactly, or nullptr.
  const udf_def* find_udf(std::string_view name, std::span<const schemas::data_type> args) const;
  const uda_def* find_uda(std::string_view name, schemas::data_type arg) const;
  bool has_udf(std::string_view name) const;
  bool has_uda(std::string_view name) const;
  /// "add(INT64, INT64), add(FLOAT64, FLOAT64), ..." for diagnostics.
  std::string describe_overloads(std::string_view name) const;

 private:
  std::vector<udf_def> udfs_;
  std::vector<uda_def> udas_;
};

/// Registers count/sum/mean/min/max (aggregates.cpp).
void register_aggregates(function_registry& r);

/// The semantic type of a result under `rule` given the arguments' semantic types.
schemas::semantic_type apply_semantic_rule(semantic_rule rule,
                                           std::span<const schemas::semantic_type> args);

}  // namespace wisp::pxl
