#include "actors/exec/map_operator.hpp"

#include "actors/exec/evaluator.hpp"

namespace wisp::exec {

std::vector<schemas::row_batch_ptr> map_operator::push(schemas::row_batch_ptr in, std::size_t) {
  if (in->num_rows() == 0) return {};
  auto out = std::make_shared<schemas::row_batch>();
  out->columns.reserve(op_.exprs.size());
  for (const auto& e : op_.exprs) out->columns.push_back(evaluate(e.expr, *in));
  return {std::move(out)};
}

}  // namespace wisp::exec
