#pragma once
// Forwards every batch unchanged: the logic of a result sink (whose actor sends the batches on).

#include "actors/exec/operator.hpp"

namespace wisp::exec {

class pass_through_operator final : public operator_logic {
 public:
  std::vector<schemas::row_batch_ptr> push(schemas::row_batch_ptr in, std::size_t) override {
    if (in->num_rows() == 0) return {};
    return {std::move(in)};
  }
  std::vector<schemas::row_batch_ptr> finish() override { return {}; }
};

}  // namespace wisp::exec
