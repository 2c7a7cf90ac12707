#include "pxl/parser.hpp"

#include <gtest/gtest.h>

namespace wisp::pxl {
namespace {

struct parsed {
  ast::module module;
  std::vector<diagnostic> diags;
};

parsed parse_text(std::string_view src) {
  diagnostics d{"t.pxl"};
  auto toks = lex(src, d);
  auto m = parse(toks, d);
  return {std::move(m), d.take()};
}

TEST(parser, import_assign_and_expression_statements) {
  auto p = parse_text("import px\ndf = px.DataFrame('http_events')\npx.display(df)\n");
  ASSERT_TRUE(p.diags.empty());
  ASSERT_EQ(p.module.body.size(), 3u);
  EXPECT_EQ(p.module.body[0].kind, ast::stmt_kind::import);
  EXPECT_EQ(p.module.body[0].alias, "px");
  EXPECT_EQ(p.module.body[1].kind, ast::stmt_kind::assign);
  EXPECT_EQ(p.module.body[1].value->kind, ast::expr_kind::call);
  EXPECT_EQ(p.module.body[2].kind, ast::stmt_kind::expression);
}

TEST(parser, precedence) {
  auto p = parse_text("x = 1 + 2 * 3 > 4 and not y\n");
  ASSERT_TRUE(p.diags.empty());
  const auto& e = *p.module.body[0].value;
  EXPECT_EQ(e.bin_op, ast::binary_op::logical_and);
  const auto& cmp = *e.children[0];
  EXPECT_EQ(cmp.bin_op, ast::binary_op::greater);
  EXPECT_EQ(cmp.children[0]->bin_op, ast::binary_op::add);
  EXPECT_EQ(cmp.children[0]->children[1]->bin_op, ast::binary_op::multiply);
  EXPECT_EQ(e.children[1]->kind, ast::expr_kind::unary);
}

TEST(parser, keyword_args_tuples_lists_and_multiline) {
  auto p = parse_text(
      "df = df.groupby(['a', 'b']).agg(\n"
      "    n=('a', px.count),\n"
      "    m=('b', px.mean)\n"
      ")\n");
  ASSERT_TRUE(p.diags.empty()) << to_string(p.diags[0]);
  const auto& call = *p.module.body[0].value;
  ASSERT_EQ(call.keywords.size(), 2u);
  EXPECT_EQ(call.keywords[1].name, "m");
  EXPECT_EQ(call.keywords[1].value->kind, ast::expr_kind::tuple);
}

TEST(parser, newline_instead_of_comma_between_keyword_args) {
  auto p = parse_text("df = df.agg(\n  n=('a', px.count)\n  m=('b', px.sum)\n)\n");
  ASSERT_TRUE(p.diags.empty()) << to_string(p.diags[0]);
  EXPECT_EQ(p.module.body[0].value->keywords.size(), 2u);
}

TEST(parser, subscript_tuple_is_projection) {
  auto p = parse_text("df = df['a', 'b']\n");
  ASSERT_TRUE(p.diags.empty());
  EXPECT_EQ(p.module.body[0].value->children[1]->kind, ast::expr_kind::tuple);
}

TEST(parser, function_definitions) {
  auto p = parse_text(
      "def f(start_time: str, n=10, pod: px.Pod = 'a') -> px.DataFrame:\n"
      "    '''Docstring.'''\n"
      "    # comment\n"
      "    df = g(start_time)\n"
      "    return df, n\n"
      "def h(): return 1\n"
      "x = f('-5m')\n");
  ASSERT_TRUE(p.diags.empty()) << to_string(p.diags[0]);
  ASSERT_EQ(p.module.body.size(), 3u);
  const auto& f = p.module.body[0];
  EXPECT_EQ(f.kind, ast::stmt_kind::function_def);
  EXPECT_EQ(f.name, "f");
  ASSERT_EQ(f.params.size(), 3u);
  EXPECT_EQ(f.params[0].annotation->text, "str");
  EXPECT_EQ(f.params[0].default_value, nullptr);
  EXPECT_EQ(f.params[1].annotation, nullptr);
  EXPECT_EQ(f.params[1].default_value->int_value, 10);
  EXPECT_EQ(f.params[2].annotation->kind, ast::expr_kind::attribute);
  EXPECT_EQ(f.returns->text, "DataFrame");
  ASSERT_EQ(f.body.size(), 3u);
  EXPECT_EQ(f.body[2].kind, ast::stmt_kind::return_value);
  EXPECT_EQ(f.body[2].value->kind, ast::expr_kind::tuple);
  const auto& h = p.module.body[1];
  ASSERT_EQ(h.body.size(), 1u);
  EXPECT_EQ(h.body[0].value->int_value, 1);
}

TEST(parser, errors_in_a_function_body_are_each_reported) {
  auto p = parse_text("def f():\n    x = 1 ** 2\n    y = a if b else c\n    return x\nz = 1\n");
  ASSERT_EQ(p.diags.size(), 2u);
  EXPECT_EQ(p.diags[0].line, 2);
  EXPECT_EQ(p.diags[1].line, 3);
  ASSERT_EQ(p.module.body.size(), 2u);
  EXPECT_EQ(p.module.body[0].body.size(), 1u);  // the return
}

TEST(parser, decorators_are_kept_for_the_compiler) {
  auto p = parse_text("@pxtrace.probe('main.f')\ndef probe():\n    return 1\n");
  ASSERT_TRUE(p.diags.empty()) << to_string(p.diags[0]);
  EXPECT_EQ(p.module.body[0].decorators.size(), 1u);
}

TEST(parser, nesting_is_bounded) {
  std::string deep = "x = " + std::string(200, '[') + std::string(200, ']') + "\n";
  auto p = parse_text(deep);
  ASSERT_FALSE(p.diags.empty());
  EXPECT_NE(p.diags[0].message.find("nested too deeply"), std::string::npos);
  std::string fine = "x = " + std::string(50, '[') + std::string(50, ']') + "\n";
  EXPECT_TRUE(parse_text(fine).diags.empty());
}

struct unsupported_case {
  std::string_view src;
  int line;
  int col;
  std::string_view word;
};

TEST(parser, unsupported_constructs_are_located) {
  const unsupported_case cases[] = {
      {"x = 1\nfor i in y:\n  pass\n", 2, 1, "'for'"},
      {"x = [i for i in y]\n", 1, 8, "comprehension"},
      {"x = lambda: 1\n", 1, 5, "lambda"},
      {"x = a if b else c\n", 1, 7, "conditional"},
      {"x = f'{a}'\n", 1, 5, "f-string"},
      {"x += 1\n", 1, 3, "augmented"},
      {"x = a[1:2]\n", 1, 8, "slicing"},
      {"x = a ** 2\n", 1, 7, "'**'"},
      {"x = 1 < a < 3\n", 1, 11, "chained"},
      {"x = a in b\n", 1, 7, "'in'"},
      {"def f(*args):\n  return 1\n", 1, 7, "'*' parameter"},
      {"def f():\n  def g():\n    return 1\n  return 2\n", 2, 3, "inside another function"},
      {"x = {1, 2}\n", 1, 7, "set literal"},
      {"x = 'a' not in b\n", 1, 9, "'not in'"},
  };
  for (const auto& c : cases) {
    auto p = parse_text(c.src);
    ASSERT_EQ(p.diags.size(), 1u) << c.src;
    EXPECT_EQ(p.diags[0].line, c.line) << c.src;
    EXPECT_EQ(p.diags[0].col, c.col) << c.src;
    EXPECT_NE(p.diags[0].message.find("not supported in PxL"), std::string::npos) << c.src;
    EXPECT_NE(p.diags[0].message.find(c.word), std::string::npos) << p.diags[0].message;
  }
}

TEST(parser, recovers_and_reports_several_errors) {
  auto p = parse_text("x = (1 +\ny = 2\nz = lambda: 1\nw = 3\n");
  EXPECT_GE(p.diags.size(), 1u);
  auto p2 = parse_text("a = 1 ** 2\nb = 2\nc = x if y else z\n");
  ASSERT_EQ(p2.diags.size(), 2u);
  EXPECT_EQ(p2.diags[1].line, 3);
  EXPECT_EQ(p2.module.body.size(), 1u);
}

}  // namespace
}  // namespace wisp::pxl
