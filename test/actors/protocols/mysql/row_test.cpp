#include "actors/protocols/mysql/row.hpp"

#include <gtest/gtest.h>

#include "actors/protocols/mysql/protocol.hpp"
#include "schemas/mysql_events.hpp"
#include "schemas/tables.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::mysql {
namespace {

using schemas::mysql_events;

std::vector<record> records_of(const std::string& file) {
  tracker t{{}, test::loopback_meta(schemas::trace_role::server, 3306)};
  return test::run(t, test::to_chunks(test::load_trace("mysql/fixtures/" + file), true));
}

struct built_rows {
  schemas::row_batch batch = schemas::make_empty_batch(schemas::to_relation(mysql_events));
  std::int64_t i(std::size_t col, std::size_t row) const { return batch.columns[col].ints().at(row); }
  std::string_view s(std::size_t col, std::size_t row) const { return batch.columns[col].strings().at(row); }
};

built_rows rows_of(const std::vector<record>& rs, const conn_meta& meta = {}, const row_options& o = {}) {
  built_rows b;
  for (const record& r : rs) append_row(b.batch, meta, r, o);
  EXPECT_TRUE(schemas::matches(b.batch, schemas::to_relation(mysql_events)));
  EXPECT_EQ(b.batch.num_rows(), rs.size());
  return b;
}

TEST(mysql_row, table_is_registered_with_pixies_columns) {
  const schemas::table_schema* t = schemas::find_table("mysql_events");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->rel.names(), (std::vector<std::string>{"time_", "upid", "remote_addr", "remote_port", "local_addr",
                                                      "local_port", "trace_role", "encrypted", "req_cmd", "req_body",
                                                      "resp_status", "resp_body", "latency"}));
  EXPECT_EQ(t->rel.columns[mysql_events.col("req_cmd")].type, schemas::data_type::int64);
  EXPECT_EQ(t->rel.columns[mysql_events.col("req_body")].type, schemas::data_type::string);
  EXPECT_EQ(t->rel.columns[mysql_events.col("resp_status")].type, schemas::data_type::int64);
  EXPECT_EQ(t->rel.columns[mysql_events.col("resp_body")].type, schemas::data_type::string);
  EXPECT_EQ(t->rel.columns[mysql_events.col("latency")].semantic, schemas::semantic_type::st_duration_ns);
}

TEST(mysql_row, every_column_of_a_query_row) {
  auto rs = records_of("cli_queries.trace");
  ASSERT_GE(rs.size(), 5u);
  conn_meta meta;
  meta.upid = {7, 9};
  meta.local = {"10.0.0.1", 3306};
  meta.remote = {"10.0.0.2", 5555};
  meta.role = schemas::trace_role::server;
  auto b = rows_of({rs[4], rs[5]}, meta);
  EXPECT_EQ(b.i(mysql_events.col("time_"), 0), rs[4].resp_timestamp_ns);
  EXPECT_EQ(b.batch.columns[mysql_events.col("upid")].uint128s().at(0), (schemas::uint128{7, 9}));
  EXPECT_EQ(b.s(mysql_events.col("remote_addr"), 0), "10.0.0.2");
  EXPECT_EQ(b.i(mysql_events.col("remote_port"), 0), 5555);
  EXPECT_EQ(b.s(mysql_events.col("local_addr"), 0), "10.0.0.1");
  EXPECT_EQ(b.i(mysql_events.col("local_port"), 0), 3306);
  EXPECT_EQ(b.i(mysql_events.col("trace_role"), 0), 2);
  EXPECT_EQ(b.batch.columns[mysql_events.col("encrypted")].bools().at(0), 0);
  EXPECT_EQ(b.i(mysql_events.col("req_cmd"), 0), 0x03);
  EXPECT_EQ(b.s(mysql_events.col("req_body"), 0), "SELECT id, name, price FROM items ORDER BY id");
  EXPECT_EQ(b.i(mysql_events.col("resp_status"), 0), 2);
  EXPECT_EQ(b.s(mysql_events.col("resp_body"), 0), "Resultset rows = 3");
  EXPECT_EQ(b.i(mysql_events.col("latency"), 0), rs[4].resp_timestamp_ns - rs[4].req_timestamp_ns);
  EXPECT_GT(b.i(mysql_events.col("latency"), 0), 0);
  // The error row.
  EXPECT_EQ(b.i(mysql_events.col("resp_status"), 1), 3);
  EXPECT_EQ(b.s(mysql_events.col("resp_body"), 1), "Table 'wisp.missing_table' doesn't exist");
}

TEST(mysql_row, prepared_statement_rows) {
  auto rs = records_of("stmt.trace");
  auto b = rows_of(rs);
  ASSERT_GE(rs.size(), 6u);
  EXPECT_EQ(b.i(mysql_events.col("req_cmd"), 1), 0x16);
  EXPECT_EQ(b.i(mysql_events.col("req_cmd"), 2), 0x17);
  EXPECT_EQ(b.s(mysql_events.col("req_body"), 2), "INSERT INTO fruit VALUES (1, apple, 0.250000, 10)");
  EXPECT_EQ(b.i(mysql_events.col("req_cmd"), 5), 0x19);
  EXPECT_EQ(b.i(mysql_events.col("resp_status"), 5), 1);  // none
  EXPECT_EQ(b.i(mysql_events.col("latency"), 5), 0);
  EXPECT_EQ(b.i(mysql_events.col("time_"), 5), rs[5].req_timestamp_ns);
}

TEST(mysql_row, long_bodies_are_truncated_with_pixies_suffix) {
  record r;
  r.req_cmd = cmd::query;
  r.req_body = std::string(5000, 'q');
  r.status = resp_status::ok;
  r.resp_body = "Resultset rows = 1";
  r.req_timestamp_ns = 10;
  r.resp_timestamp_ns = 25;
  auto b = rows_of({r});
  EXPECT_EQ(b.s(mysql_events.col("req_body"), 0), std::string(default_max_body_bytes, 'q') + std::string{truncated_suffix});
  EXPECT_EQ(b.s(mysql_events.col("resp_body"), 0), "Resultset rows = 1");
  EXPECT_EQ(b.i(mysql_events.col("latency"), 0), 15);
  row_options o;
  o.max_body_bytes = 9;
  EXPECT_EQ(rows_of({r}, {}, o).s(mysql_events.col("resp_body"), 0), "Resultset" + std::string{truncated_suffix});
}

TEST(mysql_row, command_names) {
  EXPECT_EQ(command_name(cmd::query), "Query");
  EXPECT_EQ(command_name(cmd::stmt_execute), "StmtExecute");
  EXPECT_EQ(command_name(cmd::reset_connection), "ResetConnection");
  EXPECT_EQ(command_name(0x20), "Unknown");
}

}  // namespace
}  // namespace wisp::protocols::mysql
