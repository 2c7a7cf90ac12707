// cql::append_row: every column of cql_events.
#include "actors/protocols/cql/row.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/protocols/common/truncate.hpp"
#include "schemas/cql_events.hpp"
#include "schemas/tables.hpp"

namespace wisp::protocols::cql {
namespace {

using schemas::cql_events;

conn_meta some_meta() {
  conn_meta meta;
  meta.upid = {11, 13};
  meta.local = {"10.0.0.1", 9042};
  meta.remote = {"10.0.0.2", 51000};
  meta.role = schemas::trace_role::server;
  meta.encrypted = false;
  return meta;
}

record some_record(std::string req_body, std::string resp_body) {
  record r;
  r.req.op = opcode::query;
  r.req.body = std::move(req_body);
  r.req.timestamp_ns = 1'000;
  r.resp.type = message_type::response;
  r.resp.op = opcode::result;
  r.resp.body = std::move(resp_body);
  r.resp.timestamp_ns = 1'750;
  return r;
}

TEST(cql_row, table_is_registered_with_pixies_name_and_columns) {
  const schemas::table_schema* t = schemas::find_table("cql_events");
  ASSERT_NE(t, nullptr);
  std::vector<std::string> names;
  for (const auto& c : t->rel.columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"time_", "upid", "remote_addr", "remote_port", "local_addr", "local_port",
                                             "trace_role", "encrypted", "req_op", "req_body", "resp_op", "resp_body",
                                             "latency"}));
  using schemas::data_type;
  EXPECT_EQ(t->rel.columns[cql_events.col("req_op")].type, data_type::int64);
  EXPECT_EQ(t->rel.columns[cql_events.col("resp_op")].type, data_type::int64);
  EXPECT_EQ(t->rel.columns[cql_events.col("req_body")].type, data_type::string);
  EXPECT_EQ(t->rel.columns[cql_events.col("resp_body")].type, data_type::string);
  EXPECT_EQ(t->rel.columns[cql_events.col("latency")].type, data_type::int64);
  EXPECT_EQ(t->rel.columns[cql_events.col("latency")].semantic, schemas::semantic_type::st_duration_ns);
}

TEST(cql_row, every_column_is_filled) {
  auto rel = schemas::to_relation(cql_events);
  auto batch = schemas::make_empty_batch(rel);
  append_row(batch, some_meta(), some_record("SELECT 1", "Response type = VOID"));
  ASSERT_TRUE(schemas::matches(batch, rel));
  auto& c = batch.columns;
  EXPECT_EQ(c[cql_events.col("time_")].ints().at(0), 1'750);  // the response's time
  EXPECT_EQ(c[cql_events.col("remote_addr")].strings().at(0), "10.0.0.2");
  EXPECT_EQ(c[cql_events.col("remote_port")].ints().at(0), 51000);
  EXPECT_EQ(c[cql_events.col("local_addr")].strings().at(0), "10.0.0.1");
  EXPECT_EQ(c[cql_events.col("local_port")].ints().at(0), 9042);
  EXPECT_EQ(c[cql_events.col("trace_role")].ints().at(0), static_cast<std::int64_t>(schemas::trace_role::server));
  EXPECT_EQ(c[cql_events.col("req_op")].ints().at(0), 7);
  EXPECT_EQ(c[cql_events.col("req_body")].strings().at(0), "SELECT 1");
  EXPECT_EQ(c[cql_events.col("resp_op")].ints().at(0), 8);
  EXPECT_EQ(c[cql_events.col("resp_body")].strings().at(0), "Response type = VOID");
  EXPECT_EQ(c[cql_events.col("latency")].ints().at(0), 750);
}

TEST(cql_row, bodies_are_cut_at_max_body_bytes) {
  auto rel = schemas::to_relation(cql_events);
  auto batch = schemas::make_empty_batch(rel);
  append_row(batch, some_meta(), some_record(std::string(600, 'a'), std::string(512, 'b')));
  EXPECT_EQ(batch.columns[cql_events.col("req_body")].strings().at(0),
            std::string(default_max_body_bytes, 'a') + std::string{truncated_suffix});
  EXPECT_EQ(batch.columns[cql_events.col("resp_body")].strings().at(0), std::string(512, 'b'));
  row_options small;
  small.max_body_bytes = 4;
  append_row(batch, some_meta(), some_record("SELECT", "x"), small);
  EXPECT_EQ(batch.columns[cql_events.col("req_body")].strings().at(1), "SELE" + std::string{truncated_suffix});
}

}  // namespace
}  // namespace wisp::protocols::cql
