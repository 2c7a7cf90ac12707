#pragma once
// Map: evaluates the node's named expressions over each batch into a new batch.

#include "actors/exec/operator.hpp"

namespace wisp::exec {

class map_operator final : public operator_logic {
 public:
  explicit map_operator(pxl::map_op op) : op_(std::move(op)) {}
  std::vector<schemas::row_batch_ptr> push(schemas::row_batch_ptr in, std::size_t) override;
  std::vector<schemas::row_batch_ptr> finish() override { return {}; }

 private:
  pxl::map_op op_;
};

}  // namespace wisp::exec
