#include <gtest/gtest.h>

#include "actors/tracepoints/expr.hpp"

namespace wisp::tracepoints {
namespace {

TEST(CaptureExpr, ArgumentsWithMembers) {
  auto p = parse_capture(" l.Units ", false);
  ASSERT_TRUE(p) << p.error_value().what;
  EXPECT_FALSE(p->result);
  EXPECT_EQ(p->root, "l");
  EXPECT_EQ(p->members, (std::vector<std::string>{"Units"}));
  auto arrow = parse_capture("p->inner.x", false);
  ASSERT_TRUE(arrow);
  EXPECT_EQ(arrow->members, (std::vector<std::string>{"inner", "x"}));
}

TEST(CaptureExpr, Results) {
  auto p = parse_capture("$1.Units", true);
  ASSERT_TRUE(p) << p.error_value().what;
  EXPECT_TRUE(p->result);
  EXPECT_EQ(p->result_index, 1u);
  EXPECT_EQ(p->members, (std::vector<std::string>{"Units"}));
}

TEST(CaptureExpr, EmptyAndMalformedAreErrors) {
  for (const char* bad : {"", "  ", ".x", "a..b", "a.", "1a", "a b", "a.$0", "a.-x"})
    EXPECT_FALSE(parse_capture(bad, false)) << "'" << bad << "'";
  for (const char* bad : {"", "$", "$x", "$0..a", "x", "$123", "$-1"})
    EXPECT_FALSE(parse_capture(bad, true)) << "'" << bad << "'";
  EXPECT_FALSE(parse_capture("$0", false));  // a result through ArgExpr
}

}  // namespace
}  // namespace wisp::tracepoints
