#include "actors/exec/evaluator.hpp"

#include <gtest/gtest.h>

#include "exec_test_util.hpp"

namespace wisp::exec {
namespace {

using testing::compile_tiny;
using testing::first_node;
using testing::tiny_batch;

// The expression of the map node that defines `name` (each assignment is its own map).
const pxl::expression& map_expr(const pxl::plan& p, std::string_view name) {
  for (auto n = p.nodes.rbegin(); n != p.nodes.rend(); ++n) {
    const auto* m = std::get_if<pxl::map_op>(&n->op);
    if (m == nullptr) continue;
    for (const auto& e : m->exprs)
      if (e.name == name && e.expr.kind != pxl::expression_kind::column) return e.expr;
  }
  ADD_FAILURE() << "no expression " << name;
  return std::get<pxl::map_op>(first_node<pxl::map_op>(p).op).exprs.front().expr;
}

TEST(evaluator, arithmetic_over_columns_and_constants) {
  auto p = compile_tiny("import px\ndf = px.DataFrame('tiny')\ndf.x = (df.bytes * 2 + 1) % 4\n"
                        "px.display(df)\n");
  auto batch = tiny_batch({1, 2, 3}, {"a", "b", "c"}, {1, 2, 3});
  auto out = evaluate(map_expr(p, "x"), *batch);
  EXPECT_EQ(out.ints(), (std::vector<std::int64_t>{3, 1, 3}));
}

TEST(evaluator, division_is_float_and_mixed_types_promote) {
  auto p = compile_tiny("import px\ndf = px.DataFrame('tiny')\ndf.x = df.bytes / 2 + df.ratio\n"
                        "px.display(df)\n");
  auto batch = tiny_batch({1, 2}, {"a", "b"}, {1, 3});
  auto out = evaluate(map_expr(p, "x"), *batch);
  EXPECT_EQ(out.floats(), (std::vector<double>{1.0, 3.0}));
}

TEST(evaluator, comparisons_logic_and_strings) {
  auto p = compile_tiny(
      "import px\ndf = px.DataFrame('tiny')\n"
      "df.x = (df.service == 'a' or px.contains(df.service, 'z')) and not df.bytes > 5\n"
      "df.s = df.service + '!'\n"
      "px.display(df)\n");
  auto batch = tiny_batch({1, 2, 3, 4}, {"a", "zz", "a", "b"}, {1, 2, 9, 1});
  EXPECT_EQ(evaluate(map_expr(p, "x"), *batch).bools(), (std::vector<std::uint8_t>{1, 1, 0, 0}));
  auto s = evaluate(map_expr(p, "s"), *batch);
  EXPECT_EQ(s.strings().at(1), "zz!");
}

TEST(evaluator, literal_broadcast_and_modulo_by_zero) {
  auto p = compile_tiny("import px\ndf = px.DataFrame('tiny')\ndf.one = 1\ndf.m = df.bytes % 0\n"
                        "px.display(df)\n");
  auto batch = tiny_batch({1, 2}, {"a", "b"}, {5, 6});
  EXPECT_EQ(evaluate(map_expr(p, "one"), *batch).ints(), (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(evaluate(map_expr(p, "m"), *batch).ints(), (std::vector<std::int64_t>{0, 0}));
}

TEST(evaluator, time_arithmetic) {
  auto p = compile_tiny("import px\ndf = px.DataFrame('tiny')\ndf.t = df.time_ + 10\n"
                        "px.display(df)\n");
  auto batch = tiny_batch({1, 2}, {"a", "b"}, {5, 6});
  auto out = evaluate(map_expr(p, "t"), *batch);
  EXPECT_EQ(out.type(), schemas::data_type::time64ns);
  EXPECT_EQ(out.ints(), (std::vector<std::int64_t>{11, 12}));
}

}  // namespace
}  // namespace wisp::exec
