#include <gtest/gtest.h>

#include "schemas/http_events.hpp"
#include "schemas/tables.hpp"

using namespace wisp::schemas;

TEST(Relation, HttpEventsHasPixieColumnsInOrder) {
  const auto* t = find_table("http_events");
  ASSERT_NE(t, nullptr);
  const std::vector<std::string> expected{
      "time_", "upid", "remote_addr", "remote_port", "local_addr", "local_port", "trace_role",
      "encrypted", "major_version", "minor_version", "content_type", "req_headers", "req_method",
      "req_path", "req_body", "req_body_size", "resp_headers", "resp_status", "resp_message",
      "resp_body", "resp_body_size", "latency"};
  EXPECT_EQ(t->rel.names(), expected);
  EXPECT_EQ(t->rel.columns[1].type, data_type::uint128);
  EXPECT_EQ(t->rel.columns[21].semantic, semantic_type::st_duration_ns);
}

TEST(Relation, CompileTimeColumnIndex) {
  static_assert(http_events.col("time_") == 0);
  static_assert(http_events.col("latency") == 21);
  EXPECT_EQ(http_events.col("req_path"), 13u);
}

TEST(Relation, UnknownTableIsNull) { EXPECT_EQ(find_table("nope"), nullptr); }

TEST(Uint128, RendersAsUuid) {
  EXPECT_EQ(to_string(uint128{0x0000000100000aaaULL, 0x00000000000f4240ULL}),
            "00000001-0000-0aaa-0000-0000000f4240");
}
