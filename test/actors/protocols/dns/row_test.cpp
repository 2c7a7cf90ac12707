#include "actors/protocols/dns/row.hpp"

#include <gtest/gtest.h>

#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/dns/protocol.hpp"
#include "schemas/dns_events.hpp"
#include "schemas/tables.hpp"
#include "test/actors/protocols/dns/wire.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::dns {
namespace {

using schemas::dns_events;

std::vector<record> records_of(const std::string& file) {
  tracker t{{}, test::loopback_meta(schemas::trace_role::server, 53), trace_both_sides};
  return test::run(t, test::to_chunks(test::load_trace("dns/fixtures/" + file), true));
}

TEST(dns_row, table_is_registered_with_pixies_columns) {
  const schemas::table_schema* t = schemas::find_table("dns_events");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->desc, "DNS request-response pair events");
  std::vector<std::string> names;
  for (const auto& c : t->rel.columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"time_", "upid", "remote_addr", "remote_port", "local_addr", "local_port",
                                             "trace_role", "encrypted", "req_header", "req_body", "resp_header",
                                             "resp_body", "latency"}));
  for (std::size_t c : {dns_events.col("req_header"), dns_events.col("req_body"), dns_events.col("resp_header"),
                        dns_events.col("resp_body")})
    EXPECT_EQ(t->rel.columns[c].type, schemas::data_type::string) << c;
  EXPECT_EQ(t->rel.columns[dns_events.col("latency")].type, schemas::data_type::int64);
  EXPECT_EQ(t->rel.columns[dns_events.col("latency")].semantic, schemas::semantic_type::st_duration_ns);
  EXPECT_EQ(t->rel.columns[dns_events.col("time_")].type, schemas::data_type::time64ns);
}

TEST(dns_row, every_column_of_a_recorded_exchange) {
  auto rs = records_of("udp_dig_batch.trace");
  ASSERT_EQ(rs.size(), 8u);
  const record& r = rs[2];  // alias.wisp.lan A: a CNAME and an A
  conn_meta meta;
  meta.upid = {11, 13};
  meta.local = {"127.0.0.1", 53};
  meta.remote = {"127.0.0.2", 51000};
  meta.role = schemas::trace_role::server;
  auto batch = schemas::make_empty_batch(schemas::to_relation(dns_events));
  append_row(batch, meta, r);
  ASSERT_TRUE(schemas::matches(batch, schemas::to_relation(dns_events)));
  ASSERT_EQ(batch.num_rows(), 1u);
  auto i = [&](std::size_t col) { return batch.columns[col].ints().at(0); };
  auto s = [&](std::size_t col) { return batch.columns[col].strings().at(0); };
  EXPECT_EQ(i(dns_events.col("time_")), r.resp.timestamp_ns);
  EXPECT_EQ(batch.columns[dns_events.col("upid")].uint128s().at(0), (schemas::uint128{11, 13}));
  EXPECT_EQ(s(dns_events.col("remote_addr")), "127.0.0.2");
  EXPECT_EQ(i(dns_events.col("remote_port")), 51000);
  EXPECT_EQ(s(dns_events.col("local_addr")), "127.0.0.1");
  EXPECT_EQ(i(dns_events.col("local_port")), 53);
  EXPECT_EQ(i(dns_events.col("trace_role")), 2);
  EXPECT_FALSE(batch.columns[dns_events.col("encrypted")].bools().at(0));
  // dig 9.18 sets RD and AD and sends an EDNS OPT record (num_addl 1); dnsmasq answers
  // authoritatively (AA) with RA and its own OPT.
  const std::string txid = std::to_string(r.req.hdr.txid);
  EXPECT_EQ(s(dns_events.col("req_header")),
            R"({"txid":)" + txid +
                R"(,"qr":0,"opcode":0,"aa":0,"tc":0,"rd":1,"ra":0,"ad":1,"cd":0,"rcode":0,"num_queries":1,"num_answers":0,"num_auth":0,"num_addl":1})");
  EXPECT_EQ(s(dns_events.col("req_body")), R"({"queries":[{"name":"alias.wisp.lan","type":"A"}]})");
  EXPECT_EQ(s(dns_events.col("resp_header")),
            R"({"txid":)" + txid +
                R"(,"qr":1,"opcode":0,"aa":1,"tc":0,"rd":1,"ra":1,"ad":0,"cd":0,"rcode":0,"num_queries":1,"num_answers":2,"num_auth":0,"num_addl":1})");
  EXPECT_EQ(s(dns_events.col("resp_body")),
            R"({"answers":[{"name":"alias.wisp.lan","type":"CNAME","cname":"both.wisp.lan"},{"name":"both.wisp.lan","type":"A","addr":"10.9.8.7"}]})");
  // The query was read i-th and its answer (i+1)-th.
  EXPECT_EQ(i(dns_events.col("latency")), test::fixture_step_ns);
}

TEST(dns_row, nxdomain_row_has_rcode_3_and_no_answers) {
  auto rs = records_of("tcp_dig_keepopen.trace");
  ASSERT_EQ(rs.size(), 8u);
  auto batch = schemas::make_empty_batch(schemas::to_relation(dns_events));
  append_row(batch, {}, rs[4]);
  EXPECT_NE(batch.columns[dns_events.col("resp_header")].strings().at(0).find(R"("rcode":3,)"), std::string::npos);
  EXPECT_EQ(batch.columns[dns_events.col("resp_body")].strings().at(0), R"({"answers":[]})");
}

TEST(dns_row, long_bodies_are_cut_with_pixies_suffix_and_names_are_json_escaped) {
  using namespace wire;
  record r;
  for (int i = 0; i < 25; ++i) r.resp.answers.push_back({std::string(60, 'n') + "\"\\", 1, "10.0.0.1", ""});
  r.req.queries.push_back({"quote\"d", 1});
  auto batch = schemas::make_empty_batch(schemas::to_relation(dns_events));
  append_row(batch, {}, r);
  const std::string body{batch.columns[dns_events.col("resp_body")].strings().at(0)};
  EXPECT_EQ(body.size(), default_max_string_bytes + truncated_suffix.size());
  EXPECT_TRUE(body.ends_with(truncated_suffix));
  EXPECT_EQ(body, truncate_text(answers_json(r.resp), default_max_string_bytes));
  EXPECT_EQ(batch.columns[dns_events.col("req_body")].strings().at(0),
            R"({"queries":[{"name":"quote\"d","type":"A"}]})");
}

}  // namespace
}  // namespace wisp::protocols::dns
