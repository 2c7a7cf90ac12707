// kafka::append_row: every column of kafka_events.beta.
#include "actors/protocols/kafka/row.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/kafka/parse.hpp"
#include "actors/protocols/kafka/protocol.hpp"
#include "schemas/kafka_events.hpp"
#include "schemas/tables.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::kafka {
namespace {

using schemas::kafka_events;

conn_meta some_meta() {
  conn_meta meta;
  meta.upid = {11, 13};
  meta.local = {"10.0.0.1", 9092};
  meta.remote = {"10.0.0.2", 51000};
  meta.role = schemas::trace_role::server;
  meta.encrypted = true;
  return meta;
}

TEST(kafka_row, table_is_registered_with_pixies_name_and_columns) {
  const schemas::table_schema* t = schemas::find_table("kafka_events.beta");
  ASSERT_NE(t, nullptr);
  std::vector<std::string> names;
  for (const auto& c : t->rel.columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"time_", "upid", "remote_addr", "remote_port", "local_addr", "local_port",
                                             "trace_role", "encrypted", "req_cmd", "client_id", "req_body", "resp",
                                             "latency"}));
  EXPECT_EQ(t->rel.columns[kafka_events.col("req_cmd")].type, schemas::data_type::int64);
  EXPECT_EQ(t->rel.columns[kafka_events.col("latency")].type, schemas::data_type::int64);
  for (std::size_t col : {kafka_events.col("client_id"), kafka_events.col("req_body"), kafka_events.col("resp")})
    EXPECT_EQ(t->rel.columns[col].type, schemas::data_type::string) << col;
}

TEST(kafka_row, every_column_of_a_recorded_produce) {
  tracker t{{}, test::loopback_meta(schemas::trace_role::server, 9092)};
  auto rs = test::run(t, test::to_chunks(test::load_trace("kafka/fixtures/produce.trace"), true));
  auto produce = std::find_if(rs.begin(), rs.end(), [](const record& r) { return r.req.api_key == api::produce; });
  ASSERT_NE(produce, rs.end());
  ASSERT_LT(produce->req.timestamp_ns, produce->resp.timestamp_ns);
  auto batch = schemas::make_empty_batch(schemas::to_relation(kafka_events));
  append_row(batch, some_meta(), *produce);
  ASSERT_TRUE(schemas::matches(batch, schemas::to_relation(kafka_events)));
  ASSERT_EQ(batch.num_rows(), 1u);
  auto s = [&](std::size_t col) { return std::string{batch.columns[col].strings().at(0)}; };
  auto i = [&](std::size_t col) { return batch.columns[col].ints().at(0); };
  EXPECT_EQ(i(kafka_events.col("time_")), produce->req.timestamp_ns);  // the request's time
  EXPECT_EQ(batch.columns[kafka_events.col("upid")].uint128s().at(0), (schemas::uint128{11, 13}));
  EXPECT_EQ(s(kafka_events.col("remote_addr")), "10.0.0.2");
  EXPECT_EQ(i(kafka_events.col("remote_port")), 51000);
  EXPECT_EQ(s(kafka_events.col("local_addr")), "10.0.0.1");
  EXPECT_EQ(i(kafka_events.col("local_port")), 9092);
  EXPECT_EQ(i(kafka_events.col("trace_role")), 2);
  EXPECT_TRUE(batch.columns[kafka_events.col("encrypted")].bools().at(0));
  EXPECT_EQ(i(kafka_events.col("req_cmd")), 0);
  EXPECT_EQ(s(kafka_events.col("client_id")), "rdkafka");
  std::string body = s(kafka_events.col("req_body"));
  EXPECT_EQ(body.rfind(R"({"transactional_id":"","acks":-1,"timeout_ms":)", 0), 0u) << body;
  EXPECT_NE(body.find(R"("topic_data":[{"name":"wisp","partition_data":[{"index":0,"records":{"size":)"),
            std::string::npos)
      << body;
  std::string resp = s(kafka_events.col("resp"));
  EXPECT_EQ(resp.rfind(R"({"responses":[{"name":"wisp","partition_responses":[{"index":0,"error_code":0,)", 0), 0u)
      << resp;
  EXPECT_EQ(i(kafka_events.col("latency")), produce->resp.timestamp_ns - produce->req.timestamp_ns);
}

TEST(kafka_row, long_values_are_cut_as_pixie_does) {
  record r;
  r.req.api_key = 50;
  r.req.client_id = std::string(600, 'c');
  r.req.body = std::string(70000, 'b');
  r.resp.body = std::string(70000, 'r');
  r.req.timestamp_ns = 5;
  auto batch = schemas::make_empty_batch(schemas::to_relation(kafka_events));
  append_row(batch, some_meta(), r);
  auto s = [&](std::size_t col) { return std::string{batch.columns[col].strings().at(0)}; };
  EXPECT_EQ(s(kafka_events.col("client_id")), std::string(512, 'c') + std::string(truncated_suffix));
  EXPECT_EQ(s(kafka_events.col("req_body")), std::string(max_json_bytes, 'b') + std::string(truncated_suffix));
  EXPECT_EQ(s(kafka_events.col("resp")), std::string(max_json_bytes, 'r') + std::string(truncated_suffix));
  EXPECT_EQ(batch.columns[kafka_events.col("req_cmd")].ints().at(0), 50);
  EXPECT_EQ(batch.columns[kafka_events.col("latency")].ints().at(0), 0);  // no response
  EXPECT_EQ(batch.columns[kafka_events.col("time_")].ints().at(0), 5);
}

}  // namespace
}  // namespace wisp::protocols::kafka
