#pragma once
// Operator logic: the pure, synchronous core of one plan node, with no actors or threads. The
// CAF operator actor owns one instance, feeds it batches from its parents and forwards whatever it
// returns to its children. Instances are single-threaded (only their actor touches them).

#include <memory>
#include <string>
#include <vector>

#include "pxl/plan.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::exec {

class operator_logic {
 public:
  virtual ~operator_logic() = default;
  /// Consumes one batch from parent `parent_index` (position in plan_node::parents); returns the
  /// batches ready for the children (possibly none; never empty batches).
  virtual std::vector<schemas::row_batch_ptr> push(schemas::row_batch_ptr in,
                                                   std::size_t parent_index) = 0;
  /// Called once per parent edge when that parent has sent everything (before finish() for the
  /// last one); returns output that this made ready, e.g. a join's held-back probe rows once its
  /// build side is complete. Most operators need no notice.
  virtual std::vector<schemas::row_batch_ptr> end_of_input(std::size_t /*parent_index*/) {
    return {};
  }
  /// Called once after every parent has finished; returns the remaining output.
  virtual std::vector<schemas::row_batch_ptr> finish() = 0;
  /// True when further input cannot change the output (a satisfied limit): upstream sources may
  /// stop reading.
  virtual bool done() const { return false; }
  /// True when the operator dropped rows because of a row limit (a limit that received more
  /// rows than it passed on). Read after the stream ended.
  virtual bool truncated() const { return false; }
  /// A problem met while running that the query should report although the operator went on
  /// (e.g. a final aggregate skipped rows whose partial states, sent by another node, were
  /// malformed): one line, empty when none. Read after finish(); the operator actor ends the
  /// query's stream with it as an execution error.
  virtual std::string error() const { return {}; }
};

struct make_operator_result {
  std::unique_ptr<operator_logic> op;  // null on error
  std::string error;
};

/// The logic for a typed plan node (pxl::compile succeeded). Memory sources and UDTF sources are
/// run by their source actors (source_scan.hpp, udtf_source.hpp), not by an operator: asking
/// for one is an error.
[[nodiscard]] make_operator_result make_operator(const pxl::plan& p, const pxl::plan_node& node);

}  // namespace wisp::exec
