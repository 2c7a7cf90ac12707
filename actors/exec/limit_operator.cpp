#include "actors/exec/limit_operator.hpp"

#include <algorithm>

namespace wisp::exec {

std::vector<schemas::row_batch_ptr> limit_operator::push(schemas::row_batch_ptr in, std::size_t) {
  if (done() || in->num_rows() == 0) return {};
  seen_ += std::min(in->num_rows(), limit_ + 1 - seen_);
  const std::size_t take = std::min(in->num_rows(), limit_ - emitted_);
  if (take == 0) return {};
  emitted_ += take;
  if (take == in->num_rows()) return {std::move(in)};
  return {std::make_shared<schemas::row_batch>(in->slice(0, take))};
}

}  // namespace wisp::exec
