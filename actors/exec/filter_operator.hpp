#pragma once
// Filter: keeps the rows where the predicate is true. A batch that passes whole is forwarded
// without copying.

#include "actors/exec/operator.hpp"

namespace wisp::exec {

class filter_operator final : public operator_logic {
 public:
  explicit filter_operator(pxl::filter_op op) : op_(std::move(op)) {}
  std::vector<schemas::row_batch_ptr> push(schemas::row_batch_ptr in, std::size_t) override;
  std::vector<schemas::row_batch_ptr> finish() override { return {}; }

 private:
  pxl::filter_op op_;
};

}  // namespace wisp::exec
