#include "actors/exec/filter_operator.hpp"

#include <cstdint>
#include <vector>

#include "actors/exec/evaluator.hpp"

namespace wisp::exec {

std::vector<schemas::row_batch_ptr> filter_operator::push(schemas::row_batch_ptr in, std::size_t) {
  if (in->num_rows() == 0) return {};
  auto mask_column = evaluate(op_.predicate, *in);
  const auto& mask = mask_column.bools();
  // The kept row numbers once, then one gather per column.
  std::vector<std::uint32_t> rows;
  rows.reserve(mask.size());
  for (std::size_t i = 0; i < mask.size(); ++i)
    if (mask[i]) rows.push_back(static_cast<std::uint32_t>(i));
  if (rows.empty()) return {};
  if (rows.size() == in->num_rows()) return {std::move(in)};
  auto out = std::make_shared<schemas::row_batch>();
  out->columns.reserve(in->columns.size());
  for (const auto& c : in->columns) out->columns.push_back(c.take(rows));
  return {std::move(out)};
}

}  // namespace wisp::exec
