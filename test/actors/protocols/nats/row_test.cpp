#include "actors/protocols/nats/row.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/nats/protocol.hpp"
#include "schemas/nats_events.hpp"
#include "schemas/tables.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::nats {
namespace {

using schemas::nats_events;

std::vector<record> records_of(const std::string& file) {
  conn_meta m;
  m.role = schemas::trace_role::server;
  tracker t{{}, m};
  return test::run(t, test::to_chunks(test::load_trace("nats/fixtures/" + file), true));
}

conn_meta some_meta() {
  conn_meta meta;
  meta.upid = {11, 13};
  meta.local = {"10.0.0.1", 4222};
  meta.remote = {"10.0.0.2", 51000};
  meta.role = schemas::trace_role::server;
  meta.encrypted = true;
  return meta;
}

// The row of r as (cmd, body, resp), checking the batch matches the table.
struct row {
  std::string cmd, body, resp;
  std::int64_t time = 0;
};
row row_of(const record& r) {
  auto batch = schemas::make_empty_batch(schemas::to_relation(nats_events));
  append_row(batch, some_meta(), r);
  EXPECT_TRUE(schemas::matches(batch, schemas::to_relation(nats_events)));
  auto s = [&](std::size_t col) { return std::string{batch.columns[col].strings().at(0)}; };
  return {s(nats_events.col("cmd")), s(nats_events.col("body")), s(nats_events.col("resp")),
          batch.columns[nats_events.col("time_")].ints().at(0)};
}

TEST(nats_row, table_is_registered_with_pixies_name_and_columns) {
  const schemas::table_schema* t = schemas::find_table("nats_events.beta");
  ASSERT_NE(t, nullptr);
  std::vector<std::string> names;
  for (const auto& c : t->rel.columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"time_", "upid", "remote_addr", "remote_port", "local_addr", "local_port",
                                             "trace_role", "encrypted", "cmd", "body", "resp"}));
  EXPECT_EQ(t->rel.columns[nats_events.col("time_")].type, schemas::data_type::time64ns);
  for (std::size_t col : {nats_events.col("cmd"), nats_events.col("body"), nats_events.col("resp")})
    EXPECT_EQ(t->rel.columns[col].type, schemas::data_type::string) << col;
}

TEST(nats_row, every_column_of_a_recorded_acknowledged_pub) {
  auto rs = records_of("verbose.trace");
  auto pub = std::find_if(rs.begin(), rs.end(), [](const record& r) { return r.msg.command == "PUB"; });
  ASSERT_NE(pub, rs.end());
  ASSERT_EQ(pub->resp.command, "+OK");
  ASSERT_LT(pub->msg.timestamp_ns, pub->resp.timestamp_ns);
  auto batch = schemas::make_empty_batch(schemas::to_relation(nats_events));
  append_row(batch, some_meta(), *pub);
  ASSERT_TRUE(schemas::matches(batch, schemas::to_relation(nats_events)));
  ASSERT_EQ(batch.num_rows(), 1u);
  auto i = [&](std::size_t col) { return batch.columns[col].ints().at(0); };
  auto s = [&](std::size_t col) { return batch.columns[col].strings().at(0); };
  EXPECT_EQ(i(nats_events.col("time_")), pub->msg.timestamp_ns);  // the request's time, not the ack's
  EXPECT_EQ(batch.columns[nats_events.col("upid")].uint128s().at(0), (schemas::uint128{11, 13}));
  EXPECT_EQ(s(nats_events.col("remote_addr")), "10.0.0.2");
  EXPECT_EQ(i(nats_events.col("remote_port")), 51000);
  EXPECT_EQ(s(nats_events.col("local_addr")), "10.0.0.1");
  EXPECT_EQ(i(nats_events.col("local_port")), 4222);
  EXPECT_EQ(i(nats_events.col("trace_role")), 2);
  EXPECT_TRUE(batch.columns[nats_events.col("encrypted")].bools().at(0));
  EXPECT_EQ(s(nats_events.col("cmd")), "PUB");
  EXPECT_EQ(s(nats_events.col("body")), R"({"subject":"wisp.events","payload":"event 0"})");
  EXPECT_EQ(s(nats_events.col("resp")), "OK");
}

TEST(nats_row, resp_is_err_for_an_error_ack_and_empty_without_ack) {
  message sub;
  sub.command = "SUB";
  sub.timestamp_ns = 5;
  message err;
  err.command = std::string{err_command};
  EXPECT_EQ(row_of(record{sub, err}).resp, "ERR");
  EXPECT_EQ(row_of(record{sub, {}}).resp, "");
  EXPECT_EQ(row_of(record{sub, {}}).time, 5);
  auto rs = records_of("quiet.trace");
  auto msg = std::find_if(rs.begin(), rs.end(), [](const record& r) { return r.msg.command == "MSG"; });
  ASSERT_NE(msg, rs.end());
  row m = row_of(*msg);
  EXPECT_EQ(m.cmd, "MSG");
  EXPECT_EQ(m.body, R"({"subject":"wisp.events","sid":"1","payload":"event 0"})");
  EXPECT_EQ(m.resp, "");
  EXPECT_EQ(m.time, msg->msg.timestamp_ns);
}

TEST(nats_row, body_is_cut_at_pixies_string_limit) {
  auto rs = records_of("large_payload.trace");
  auto pub = std::find_if(rs.begin(), rs.end(), [](const record& r) { return r.msg.command == "PUB"; });
  ASSERT_NE(pub, rs.end());
  ASSERT_GT(pub->msg.body.size(), default_max_string_bytes);
  row r = row_of(*pub);
  EXPECT_EQ(r.body.size(), default_max_string_bytes + truncated_suffix.size());
  EXPECT_TRUE(r.body.ends_with(truncated_suffix));
  EXPECT_EQ(r.body.substr(0, default_max_string_bytes), pub->msg.body.substr(0, default_max_string_bytes));
}

}  // namespace
}  // namespace wisp::protocols::nats
