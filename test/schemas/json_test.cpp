#include <gtest/gtest.h>

#include "schemas/json.hpp"

using wisp::schemas::append_json_string;
using wisp::schemas::json_escape;

TEST(Json, EscapesQuotesControlsAndKeepsUtf8) {
  EXPECT_EQ(json_escape("plain text"), "plain text");
  EXPECT_EQ(json_escape("a\"b\\c\n\t\x01"), "a\\\"b\\\\c\\n\\t\\u0001");
  EXPECT_EQ(json_escape("caf\xC3\xA9 \xE2\x82\xAC"), "caf\xC3\xA9 \xE2\x82\xAC");
  std::string out;
  append_json_string(out, "x");
  EXPECT_EQ(out, "\"x\"");
}

TEST(Json, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(json_escape("a\xFF" "b"), "a\\ufffdb");
  EXPECT_EQ(json_escape("\xC3"), "\\ufffd");              // truncated sequence
  EXPECT_EQ(json_escape("\xC0\xAF"), "\\ufffd\\ufffd");   // overlong form
  EXPECT_EQ(json_escape("\xED\xA0\x80"), "\\ufffd\\ufffd\\ufffd");  // surrogate
}
