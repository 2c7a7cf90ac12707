#include "actors/exec/filter_operator.hpp"

#include <algorithm>

#include "actors/exec/evaluator.hpp"

namespace wisp::exec {

std::vector<schemas::row_batch_ptr> filter_operator::push(schemas::row_batch_ptr in, std::size_t) {
  if (in->num_rows() == 0) return {};
  auto mask_column = evaluate(op_.predicate, *in);
  const auto& mask = mask_column.bools();
  auto kept = static_cast<std::size_t>(std::count_if(mask.begin(), mask.end(), [](auto m) { return m != 0; }));
  if (kept == 0) return {};
  if (kept == in->num_rows()) return {std::move(in)};
  auto out = std::make_shared<schemas::row_batch>();
  out->columns.reserve(in->columns.size());
  for (const auto& c : in->columns) out->columns.push_back(c.filter(mask));
  return {std::move(out)};
}

}  // namespace wisp::exec
