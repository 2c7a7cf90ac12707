#include "actors/protocols/redis/row.hpp"

#include <gtest/gtest.h>

#include "actors/protocols/redis/protocol.hpp"
#include "schemas/redis_events.hpp"
#include "schemas/tables.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::redis {
namespace {

using schemas::redis_events;

std::vector<record> records_of(const std::string& file) {
  conn_meta m;
  m.role = schemas::trace_role::server;
  tracker t{{}, m};
  return test::run(t, test::to_chunks(test::load_trace("redis/fixtures/" + file), true));
}

TEST(redis_row, table_is_registered_with_pixies_columns) {
  const schemas::table_schema* t = schemas::find_table("redis_events");
  ASSERT_NE(t, nullptr);
  std::vector<std::string> names;
  for (const auto& c : t->rel.columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"time_", "upid", "remote_addr", "remote_port", "local_addr", "local_port",
                                             "trace_role", "encrypted", "req_cmd", "req_args", "resp", "latency"}));
  EXPECT_EQ(t->rel.columns[redis_events.col("latency")].type, schemas::data_type::int64);
  EXPECT_EQ(t->rel.columns[redis_events.col("latency")].semantic, schemas::semantic_type::st_duration_ns);
  EXPECT_EQ(t->rel.columns[redis_events.col("time_")].type, schemas::data_type::time64ns);
  EXPECT_EQ(t->rel.columns[redis_events.col("req_cmd")].type, schemas::data_type::string);
}

TEST(redis_row, every_column_of_a_recorded_exchange) {
  auto rs = records_of("raw_inline.trace");
  ASSERT_EQ(rs.size(), 5u);
  const record& r = rs[1];  // SET inline:key "two words"
  conn_meta meta;
  meta.upid = {11, 13};
  meta.local = {"10.0.0.1", 6379};
  meta.remote = {"10.0.0.2", 51000};
  meta.role = schemas::trace_role::server;
  meta.encrypted = true;
  auto batch = schemas::make_empty_batch(schemas::to_relation(redis_events));
  append_row(batch, meta, r);
  ASSERT_TRUE(schemas::matches(batch, schemas::to_relation(redis_events)));
  ASSERT_EQ(batch.num_rows(), 1u);
  auto i = [&](std::size_t col) { return batch.columns[col].ints().at(0); };
  auto s = [&](std::size_t col) { return batch.columns[col].strings().at(0); };
  EXPECT_EQ(i(redis_events.col("time_")), r.resp.timestamp_ns);
  EXPECT_EQ(batch.columns[redis_events.col("upid")].uint128s().at(0), (schemas::uint128{11, 13}));
  EXPECT_EQ(s(redis_events.col("remote_addr")), "10.0.0.2");
  EXPECT_EQ(i(redis_events.col("remote_port")), 51000);
  EXPECT_EQ(s(redis_events.col("local_addr")), "10.0.0.1");
  EXPECT_EQ(i(redis_events.col("local_port")), 6379);
  EXPECT_EQ(i(redis_events.col("trace_role")), 2);
  EXPECT_TRUE(batch.columns[redis_events.col("encrypted")].bools().at(0));
  EXPECT_EQ(s(redis_events.col("req_cmd")), "SET");
  EXPECT_EQ(s(redis_events.col("req_args")), R"({"key":"inline:key","value":"two words","options":[]})");
  EXPECT_EQ(s(redis_events.col("resp")), "OK");
  // Both ends were read in one recv each: the request in read 0, the replies in read 1.
  EXPECT_EQ(i(redis_events.col("latency")), test::fixture_step_ns);
}

TEST(redis_row, pushed_message_row_has_no_request_and_zero_latency) {
  auto rs = records_of("cli_pubsub.trace");
  ASSERT_EQ(rs.size(), 3u);
  auto batch = schemas::make_empty_batch(schemas::to_relation(redis_events));
  for (const record& r : rs) append_row(batch, {}, r);
  ASSERT_EQ(batch.num_rows(), 3u);
  const auto& cmd = batch.columns[redis_events.col("req_cmd")].strings();
  const auto& args = batch.columns[redis_events.col("req_args")].strings();
  const auto& latency = batch.columns[redis_events.col("latency")].ints();
  const auto& time = batch.columns[redis_events.col("time_")].ints();
  EXPECT_EQ(cmd.at(1), "PUSH PUB");
  EXPECT_EQ(args.at(1), "");
  EXPECT_EQ(latency.at(1), 0);
  EXPECT_EQ(time.at(1), rs[1].resp.timestamp_ns);
  EXPECT_GT(time.at(2), time.at(1));
  EXPECT_EQ(batch.columns[redis_events.col("remote_addr")].strings().at(0), "-");
  EXPECT_EQ(batch.columns[redis_events.col("remote_port")].ints().at(0), -1);
}

}  // namespace
}  // namespace wisp::protocols::redis
