#include "actors/protocols/pgsql/row.hpp"

#include <gtest/gtest.h>

#include "actors/protocols/pgsql/protocol.hpp"
#include "schemas/pgsql_events.hpp"
#include "schemas/tables.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::pgsql {
namespace {

using schemas::pgsql_events;

std::vector<record> records_of(const std::string& file) {
  tracker t{{}, test::loopback_meta(schemas::trace_role::server, 5432)};
  return test::run(t, test::to_chunks(test::load_trace("pgsql/fixtures/" + file), true));
}

struct built_rows {
  schemas::row_batch batch = schemas::make_empty_batch(schemas::to_relation(pgsql_events));
  std::int64_t i(std::size_t col, std::size_t row) const { return batch.columns[col].ints().at(row); }
  std::string_view s(std::size_t col, std::size_t row) const { return batch.columns[col].strings().at(row); }
};

built_rows rows_of(const std::vector<record>& rs, const conn_meta& meta = {}, const row_options& o = {}) {
  built_rows b;
  for (const record& r : rs) append_row(b.batch, meta, r, o);
  EXPECT_TRUE(schemas::matches(b.batch, schemas::to_relation(pgsql_events)));
  EXPECT_EQ(b.batch.num_rows(), rs.size());
  return b;
}

TEST(pgsql_row, table_is_registered_with_pixies_columns) {
  const schemas::table_schema* t = schemas::find_table("pgsql_events");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->rel.names(), (std::vector<std::string>{"time_", "upid", "remote_addr", "remote_port", "local_addr",
                                                      "local_port", "trace_role", "encrypted", "req_cmd", "req",
                                                      "resp", "latency"}));
  EXPECT_EQ(t->rel.columns[pgsql_events.col("req_cmd")].type, schemas::data_type::string);
  EXPECT_EQ(t->rel.columns[pgsql_events.col("latency")].semantic, schemas::semantic_type::st_duration_ns);
}

TEST(pgsql_row, every_column_of_a_query_row) {
  auto rs = records_of("psql_simple.trace");
  ASSERT_GE(rs.size(), 3u);
  conn_meta meta;
  meta.upid = {7, 9};
  meta.local = {"10.0.0.1", 5432};
  meta.remote = {"10.0.0.2", 5555};
  meta.role = schemas::trace_role::server;
  auto b = rows_of({rs[2]}, meta);
  EXPECT_EQ(b.i(pgsql_events.col("time_"), 0), rs[2].resp_timestamp_ns);
  EXPECT_EQ(b.batch.columns[pgsql_events.col("upid")].uint128s().at(0), (schemas::uint128{7, 9}));
  EXPECT_EQ(b.s(pgsql_events.col("remote_addr"), 0), "10.0.0.2");
  EXPECT_EQ(b.i(pgsql_events.col("remote_port"), 0), 5555);
  EXPECT_EQ(b.s(pgsql_events.col("local_addr"), 0), "10.0.0.1");
  EXPECT_EQ(b.i(pgsql_events.col("local_port"), 0), 5432);
  EXPECT_EQ(b.i(pgsql_events.col("trace_role"), 0), 2);
  EXPECT_EQ(b.batch.columns[pgsql_events.col("encrypted")].bools().at(0), 0);
  EXPECT_EQ(b.s(pgsql_events.col("req_cmd"), 0), "Query");
  EXPECT_EQ(b.s(pgsql_events.col("req"), 0), "SELECT id, name, price FROM items ORDER BY id;");
  EXPECT_EQ(b.s(pgsql_events.col("resp"), 0), "id,name,price\n1,apple,1.50\n2,pear,[NULL]\nSELECT 2");
  EXPECT_EQ(b.i(pgsql_events.col("latency"), 0), rs[2].resp_timestamp_ns - rs[2].req_timestamp_ns);
  EXPECT_GT(b.i(pgsql_events.col("latency"), 0), 0);
}

TEST(pgsql_row, extended_protocol_commands_are_named_as_pixie_names_them) {
  auto rs = records_of("pgbench_extended.trace");
  auto b = rows_of(rs);
  std::vector<std::string> first;
  for (std::size_t r = 0; r < 4; ++r) first.emplace_back(b.s(pgsql_events.col("req_cmd"), r));
  EXPECT_EQ(first, (std::vector<std::string>{"Parse", "Bind", "Describe", "Execute"}));
  EXPECT_EQ(b.s(pgsql_events.col("req"), 3), "query=[BEGIN;] params=[]");
  EXPECT_EQ(b.s(pgsql_events.col("resp"), 3), "BEGIN");
}

TEST(pgsql_row, long_texts_are_truncated_with_pixies_suffix) {
  record r;
  r.req_tag = tag::query;
  r.req = std::string(5000, 'q');
  r.resp = "SELECT 1";
  r.req_timestamp_ns = 10;
  r.resp_timestamp_ns = 25;
  auto b = rows_of({r});
  EXPECT_EQ(b.s(pgsql_events.col("req"), 0), std::string(default_max_string_bytes, 'q') + std::string{truncated_suffix});
  EXPECT_EQ(b.s(pgsql_events.col("resp"), 0), "SELECT 1");
  EXPECT_EQ(b.i(pgsql_events.col("latency"), 0), 15);
  row_options o;
  o.max_string_bytes = 4;
  EXPECT_EQ(rows_of({r}, {}, o).s(pgsql_events.col("resp"), 0), "SELE" + std::string{truncated_suffix});
}

TEST(pgsql_row, request_names) {
  EXPECT_EQ(request_name(tag::password), "Password Message");
  EXPECT_EQ(request_name(tag::copy_data), "Copy Data");
  EXPECT_EQ(request_name(tag::terminate), "Terminate");
  EXPECT_EQ(request_name('Z'), "Unknown");
}

}  // namespace
}  // namespace wisp::protocols::pgsql
