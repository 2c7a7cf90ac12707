#pragma once
// Vectorized expression evaluation: one expression over a whole batch, one kernel call per
// function node. Column references are read in place; constants are never expanded except when
// an expression is a bare literal.

#include "pxl/plan.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::exec {

/// The values of a typed expression (resolved by pxl's types pass) for every row of `batch`,
/// whose columns must be those of the expression's input relation.
schemas::column evaluate(const pxl::expression& e, const schemas::row_batch& batch);

/// A column of `rows` copies of `v`.
schemas::column broadcast(const pxl::scalar& v, std::size_t rows);

}  // namespace wisp::exec
