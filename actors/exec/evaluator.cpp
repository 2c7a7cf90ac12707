#include "actors/exec/evaluator.hpp"

#include <optional>

#include "pxl/functions.hpp"

namespace wisp::exec {

schemas::column broadcast(const pxl::scalar& v, std::size_t rows) {
  schemas::column out{v.type};
  switch (v.type) {
    case schemas::data_type::boolean:
      out.bools().assign(rows, std::get<bool>(v.value) ? 1 : 0);
      break;
    case schemas::data_type::int64:
    case schemas::data_type::time64ns:
      out.ints().assign(rows, std::get<std::int64_t>(v.value));
      break;
    case schemas::data_type::float64: out.floats().assign(rows, std::get<double>(v.value)); break;
    case schemas::data_type::uint128:
      out.uint128s().assign(rows, std::get<schemas::uint128>(v.value));
      break;
    case schemas::data_type::string: {
      const auto& s = std::get<std::string>(v.value);
      out.strings().reserve(rows, rows * s.size());
      for (std::size_t i = 0; i < rows; ++i) out.push_string(s);
      break;
    }
    case schemas::data_type::unknown: break;
  }
  return out;
}

namespace {

// An argument's values: the input column itself, a temporary, or a constant.
struct operand {
  const schemas::column* column = nullptr;
  std::optional<schemas::column> owned;
  const pxl::scalar* constant = nullptr;
};

schemas::column call(const pxl::expression& e, const schemas::row_batch& batch);

operand evaluate_operand(const pxl::expression& e, const schemas::row_batch& batch) {
  operand o;
  switch (e.kind) {
    case pxl::expression_kind::column: o.column = &batch.columns.at(e.column_index); break;
    case pxl::expression_kind::literal: o.constant = &e.literal; break;
    case pxl::expression_kind::call: o.owned.emplace(call(e, batch)); break;
    // Never reached: the types pass replaces df.ctx[...] by a call or a column.
    case pxl::expression_kind::metadata: o.owned.emplace(schemas::data_type::unknown); break;
  }
  return o;
}

schemas::column call(const pxl::expression& e, const schemas::row_batch& batch) {
  std::vector<operand> ops;
  ops.reserve(e.args.size());
  for (const auto& a : e.args) ops.push_back(evaluate_operand(a, batch));
  std::vector<pxl::kernel_arg> args;
  args.reserve(ops.size());
  for (const auto& o : ops)
    args.push_back({o.owned ? &*o.owned : o.column, o.constant});
  schemas::column out{e.udf->result};
  e.udf->kernel(args, batch.num_rows(), out);
  return out;
}

}  // namespace

schemas::column evaluate(const pxl::expression& e, const schemas::row_batch& batch) {
  switch (e.kind) {
    case pxl::expression_kind::column: return batch.columns.at(e.column_index);
    case pxl::expression_kind::literal: return broadcast(e.literal, batch.num_rows());
    case pxl::expression_kind::call: return call(e, batch);
    case pxl::expression_kind::metadata: break;  // replaced by the types pass
  }
  return schemas::column{schemas::data_type::unknown};
}

}  // namespace wisp::exec
