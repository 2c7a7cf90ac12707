#include "pxl/lexer.hpp"

#include <gtest/gtest.h>

namespace wisp::pxl {
namespace {

std::vector<token> lex_ok(std::string_view src) {
  diagnostics d{"t.pxl"};
  auto toks = lex(src, d);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : to_string(d.list()[0]));
  return toks;
}

TEST(lexer, names_numbers_strings_and_locations) {
  auto t = lex_ok("x = 1000 * 2.5 + 'a\\tb'\n");
  ASSERT_EQ(t.size(), 9u);
  EXPECT_EQ(t[0].kind, token_kind::name);
  EXPECT_EQ(t[2].kind, token_kind::int_number);
  EXPECT_EQ(t[4].kind, token_kind::float_number);
  EXPECT_EQ(t[6].kind, token_kind::string);
  EXPECT_EQ(t[6].text, "a\tb");
  EXPECT_EQ(t[6].loc, (source_location{1, 18}));
  EXPECT_EQ(t[7].kind, token_kind::newline);
  EXPECT_EQ(t[8].kind, token_kind::end_of_file);
}

TEST(lexer, implicit_line_joining_inside_brackets) {
  auto t = lex_ok("f(a,\n  b)\n");
  std::size_t newlines = 0;
  for (const auto& k : t) newlines += k.kind == token_kind::newline;
  EXPECT_EQ(newlines, 1u);
  EXPECT_EQ(t[4].text, "b");
  EXPECT_TRUE(t[4].starts_line);
  EXPECT_EQ(t[4].loc, (source_location{2, 3}));
}

TEST(lexer, indent_and_dedent) {
  auto t = lex_ok("if x:\n  y\nz\n");
  std::vector<token_kind> kinds;
  for (const auto& k : t) kinds.push_back(k.kind);
  std::vector<token_kind> want{token_kind::name,   token_kind::name,    token_kind::op,
                               token_kind::newline, token_kind::indent, token_kind::name,
                               token_kind::newline, token_kind::dedent, token_kind::name,
                               token_kind::newline, token_kind::end_of_file};
  EXPECT_EQ(kinds, want);
}

TEST(lexer, comments_docstrings_and_blank_lines) {
  auto t = lex_ok("# comment\n\n'''doc\nstring'''\nx = 1  # trailing\n");
  EXPECT_EQ(t[0].kind, token_kind::string);
  EXPECT_EQ(t[0].text, "doc\nstring");
  EXPECT_EQ(t[2].text, "x");
  EXPECT_EQ(t[2].loc.line, 5);
}

TEST(lexer, unterminated_string_is_located) {
  diagnostics d{"t.pxl"};
  lex("x = 1\ny = 'abc\n", d);
  ASSERT_EQ(d.list().size(), 1u);
  EXPECT_EQ(d.list()[0].line, 2);
  EXPECT_EQ(d.list()[0].col, 5);
}

TEST(lexer, operators_longest_match) {
  auto t = lex_ok("a <= b != c // d\n");
  EXPECT_EQ(t[1].text, "<=");
  EXPECT_EQ(t[3].text, "!=");
  EXPECT_EQ(t[5].text, "//");
}

TEST(lexer, unbalanced_brackets_are_located_where_they_are) {
  struct bracket_case {
    std::string_view src;
    int line;
    int col;
    std::string_view message_part;
  };
  const bracket_case cases[] = {
      {"x = f(1,\n  2\ny = 3\n", 1, 6, "'(' was never closed"},
      {"x = [(1, 2]\n", 1, 11, "']' does not match the opening '('"},
      {"x = 1}\n", 1, 6, "unmatched '}'"},
  };
  for (const auto& c : cases) {
    diagnostics d{"t.pxl"};
    lex(c.src, d);
    ASSERT_FALSE(d.ok()) << c.src;
    EXPECT_EQ(d.list()[0].line, c.line) << c.src;
    EXPECT_EQ(d.list()[0].col, c.col) << c.src;
    EXPECT_NE(d.list()[0].message.find(c.message_part), std::string::npos) << d.list()[0].message;
  }
}

}  // namespace
}  // namespace wisp::pxl
