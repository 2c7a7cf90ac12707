// conn_tracker<cql::protocol> end to end on the fixtures recorded between the real DataStax
// Python driver and the scripted v4 peer (fixtures/README.md: no Cassandra server runs here).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "actors/protocols/cql/protocol.hpp"
#include "test/actors/protocols/cql/wire.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::cql {
namespace {

using schemas::trace_role;
using test::now_ns;
using test::run;

conn_meta meta_with(trace_role role) { return test::loopback_meta(role, 9042); }

std::vector<record> records_of(const std::string& file) {
  tracker t{{}, meta_with(trace_role::server)};
  return run(t, test::to_chunks(test::load_trace("cql/fixtures/" + file), true));
}

std::vector<std::string> summary(const std::vector<record>& rs) {
  std::vector<std::string> out;
  for (const record& r : rs)
    out.push_back(std::to_string(static_cast<int>(r.req.op)) + " " + r.req.body + " -> " +
                  std::to_string(static_cast<int>(r.resp.op)) + " " + r.resp.body);
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// An independent count for the expectations: the frames of one side, walked by their length
// fields alone.
std::size_t count_frames(const std::string& bytes) {
  std::size_t n = 0;
  for (std::size_t at = 0; at + header_bytes <= bytes.size(); ++n) {
    std::size_t len = 0;
    for (std::size_t i = 5; i < 9; ++i) len = (len << 8) | static_cast<unsigned char>(bytes[at + i]);
    at += header_bytes + len;
  }
  return n;
}

std::size_t expected_records(const std::string& file) {
  return count_frames(test::side_bytes(test::load_trace("cql/fixtures/" + file), false));
}

class cql_tracker_fixture : public ::testing::TestWithParam<std::string> {};

TEST_P(cql_tracker_fixture, n_responses_make_n_records) {
  auto reads = test::load_trace("cql/fixtures/" + GetParam());
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, test::to_chunks(reads, true));
  EXPECT_GT(rs.size(), 5u);
  EXPECT_EQ(rs.size(), expected_records(GetParam()));
  // Every request is answered: the client's frames are the records minus the pushed events.
  std::size_t events = static_cast<std::size_t>(
      std::count_if(rs.begin(), rs.end(), [](const record& r) { return r.resp.op == opcode::event; }));
  EXPECT_EQ(count_frames(test::side_bytes(reads, true)), rs.size() - events);
  for (const record& r : rs) {
    EXPECT_GE(r.resp.timestamp_ns, r.req.timestamp_ns);
    if (r.resp.op != opcode::event) {
      EXPECT_EQ(r.req.stream, r.resp.stream);
    }
  }
  test::expect_clean_run(t, rs);
}

TEST_P(cql_tracker_fixture, role_is_inferred_from_the_traffic) {
  auto reads = test::load_trace("cql/fixtures/" + GetParam());
  tracker t{{}, meta_with(trace_role::unknown), trace_both_sides};
  EXPECT_EQ(run(t, test::to_chunks(reads, true)).size(), expected_records(GetParam()));
  EXPECT_EQ(t.meta().role, trace_role::server);
}

TEST_P(cql_tracker_fixture, client_side_sees_the_same_records) {
  auto reads = test::load_trace("cql/fixtures/" + GetParam());
  tracker t{{}, meta_with(trace_role::client), trace_both_sides};
  EXPECT_EQ(summary(run(t, test::to_chunks(reads, false))), summary(records_of(GetParam())));
}

TEST_P(cql_tracker_fixture, split_at_every_byte_boundary) {
  auto reads = test::load_trace("cql/fixtures/" + GetParam());
  auto expected = sorted(summary(records_of(GetParam())));
  auto bad = test::first_bad_split(
      reads, [] { return tracker{{}, meta_with(trace_role::server)}; },
      [](const std::vector<record>& rs) { return sorted(summary(rs)); }, expected);
  EXPECT_EQ(bad, std::nullopt);
}

TEST_P(cql_tracker_fixture, one_byte_chunks_processed_every_round_give_the_same_records) {
  auto reads = test::load_trace("cql/fixtures/" + GetParam());
  tracker t{{}, meta_with(trace_role::server)};
  auto out = test::run_rounds(t, test::pieces(test::to_chunks(reads, true), 1));
  EXPECT_EQ(summary(out), summary(records_of(GetParam())));
}

INSTANTIATE_TEST_SUITE_P(cql, cql_tracker_fixture, ::testing::Values("control.trace", "session.trace"),
                         [](const auto& info) { return info.param.substr(0, info.param.find('.')); });

TEST(cql_tracker, control_connection_records_carry_pixies_bodies) {
  auto rs = records_of("control.trace");
  auto s = summary(rs);
  ASSERT_GE(s.size(), 7u);
  EXPECT_EQ(s[0], R"(5  -> 6 {"CQL_VERSION":["3.4.5"],"COMPRESSION":[],"PROTOCOL_VERSIONS":["3/v3","4/v4"]})");
  EXPECT_EQ(s[1], R"(1 {"DRIVER_NAME":"DataStax Python Driver","DRIVER_VERSION":"3.25.0","CQL_VERSION":"3.4.5"} -> 2 )");
  EXPECT_EQ(s[2], R"(11 ["TOPOLOGY_CHANGE","STATUS_CHANGE","SCHEMA_CHANGE"] -> 2 )");
  auto event = std::find_if(rs.begin(), rs.end(), [](const record& r) { return r.resp.op == opcode::event; });
  ASSERT_NE(event, rs.end());
  EXPECT_EQ(event->req.op, opcode::register_);
  EXPECT_EQ(event->resp.stream, event_stream);
  EXPECT_EQ(event->resp.body, "SCHEMA_CHANGE\nChange type = CREATED\nTarget = TABLE\nKeyspace = wisp\nName = kv");
  EXPECT_EQ(event->resp.timestamp_ns - event->req.timestamp_ns, 0);
  auto peers_v2 = std::find_if(rs.begin(), rs.end(), [](const record& r) { return r.resp.op == opcode::error; });
  ASSERT_NE(peers_v2, rs.end());
  EXPECT_NE(peers_v2->req.body.find("system.peers_v2"), std::string::npos);
  EXPECT_EQ(peers_v2->resp.body, "[8704] unconfigured table peers_v2");
  auto local = std::find_if(rs.begin(), rs.end(), [](const record& r) {
    return r.req.body.find("system.local") != std::string::npos;
  });
  ASSERT_NE(local, rs.end());
  EXPECT_TRUE(local->resp.body.starts_with("Response type = ROWS\nNumber of columns = 10\n[\"key\", ")) << local->resp.body;
  EXPECT_TRUE(local->resp.body.ends_with("\nNumber of rows = 1"));
}

TEST(cql_tracker, session_records_cover_every_result_kind) {
  auto s = summary(records_of("session.trace"));
  auto has = [&](const std::string& prefix) {
    return std::any_of(s.begin(), s.end(), [&](const std::string& x) { return x.starts_with(prefix); });
  };
  EXPECT_TRUE(has("7 CREATE KEYSPACE IF NOT EXISTS wisp WITH replication = {'class': 'SimpleStrategy', "
                  "'replication_factor': 1} -> 8 Response type = SCHEMA_CHANGE\nChange type = CREATED\nTarget = "
                  "KEYSPACE\nKeyspace = wisp"));
  EXPECT_TRUE(has("7 USE wisp -> 8 Response type = SET_KEYSPACE\nKeyspace = wisp"));
  EXPECT_TRUE(has("7 INSERT INTO kv (k, v) VALUES ('key9', 9) -> 8 Response type = VOID"));
  EXPECT_TRUE(has("7 SELECT k, v FROM kv -> 8 Response type = ROWS\nNumber of columns = 2\n[\"k\", \"v\"]\n"));
  EXPECT_TRUE(has("9 SELECT k, v FROM kv WHERE k = ? -> 8 Response type = PREPARED\nPrepared ID = "));
  EXPECT_TRUE(has("10 {\"id\":\"01010101010101010101010101010101\",\"values\":[\"6b657930\"]} -> 8 Response type = "
                  "ROWS\nNumber of columns = 2\n[\"k\", \"v\"]\nNumber of rows = 1"));
  EXPECT_TRUE(has("10 {\"id\":\"02020202020202020202020202020202\",\"values\":[\"7072657061726564\",\"0000002a\"]} "
                  "-> 8 Response type = VOID"));
  EXPECT_TRUE(has("13 [\"02020202020202020202020202020202\",\"INSERT INTO kv (k, v) VALUES ('simple', 8)\"] -> 8 "
                  "Response type = VOID"));
  EXPECT_TRUE(has("7 SELEC k FROM kv -> 0 [8192] line 1:0 no viable alternative at input 'SELEC'"));
}

TEST(cql_tracker, mid_stream_start_resynchronises) {
  auto reads = test::load_trace("cql/fixtures/session.trace");
  std::string req = test::side_bytes(reads, true);
  std::string resp = test::side_bytes(reads, false);
  // Start 3 bytes into the client's 6th frame and the server's 6th frame: both lost.
  auto frame_start = [](const std::string& b, int n) {
    std::size_t at = 0;
    for (int i = 0; i < n; ++i) {
      std::size_t len = 0;
      for (std::size_t j = 5; j < 9; ++j) len = (len << 8) | static_cast<unsigned char>(b[at + j]);
      at += header_bytes + len;
    }
    return at;
  };
  std::size_t rc = frame_start(req, 5) + 3;
  std::size_t sc = frame_start(resp, 5) + 3;
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, {test::chunk(direction::ingress, rc, req.substr(rc), 1),
                    test::chunk(direction::egress, sc, resp.substr(sc), 2)});
  EXPECT_EQ(rs.size(), expected_records("session.trace") - 6);
  EXPECT_GT(t.stats().invalid_bytes, 0u);
  EXPECT_EQ(t.stats().stitch.errors, 0u);
}

TEST(cql_tracker, gap_in_responses_is_counted_and_parsing_resumes) {
  using namespace wire;
  tracker t{{}, meta_with(trace_role::server)};
  std::string reqs = request(1, 0x07, query("A")) + request(2, 0x07, query("B"));
  std::string first = response(1, 0x08, int_(3) + string("keyspace"));
  std::string second = response(2, 0x08, void_result());
  data_chunk lost = test::chunk(direction::egress, 0, first.substr(0, 6), 2);
  lost.msg_size = static_cast<std::uint32_t>(first.size());
  std::vector<record> out;
  t.add(test::chunk(direction::ingress, 0, reqs, 1));
  t.add(lost);
  t.add(test::chunk(direction::egress, first.size(), second, 3));
  t.process(now_ns, out);
  EXPECT_EQ(t.stream(direction::egress).stats().gaps, 1u);
  EXPECT_EQ(summary(out), (std::vector<std::string>{"7 B -> 8 Response type = VOID"}));
  EXPECT_EQ(t.unmatched(message_type::request), 1u);
}

TEST(cql_tracker, lying_2gib_length_allocates_nothing_and_resynchronises) {
  using namespace wire;
  tracker t{{}, meta_with(trace_role::server)};
  std::string lie = std::string{"\x04\x00\x00\x01\x07\x7f\xff\xff\xff", 9};
  std::string good = request(2, 0x07, query("SELECT 1"));
  std::vector<record> out;
  t.add(test::chunk(direction::ingress, 0, lie + good, 1));
  t.add(test::chunk(direction::egress, 0, response(2, 0x08, void_result()), 2));
  t.process(now_ns, out);
  EXPECT_EQ(summary(out), (std::vector<std::string>{"7 SELECT 1 -> 8 Response type = VOID"}));
  EXPECT_EQ(t.stats().parse_errors, 1u);
  EXPECT_EQ(t.stats().invalid_bytes, lie.size());
  EXPECT_EQ(t.stream(direction::ingress).retained_bytes(), 0u);
}

TEST(cql_tracker, huge_frame_is_skipped_as_it_streams_in_and_counted) {
  using namespace wire;
  constexpr std::size_t text_bytes = std::size_t{3} << 20;  // above the 1 MiB frame limit
  constexpr std::size_t piece = std::size_t{64} << 10;
  tracker t{{}, meta_with(trace_role::server)};
  std::string big = request(1, 0x07, query(std::string(text_bytes, 'x')));
  std::string reqs = big + request(2, 0x05);
  std::vector<record> out;
  std::size_t max_retained = 0;
  for (std::size_t off = 0; off < reqs.size(); off += piece) {
    t.add(test::chunk(direction::ingress, off, reqs.substr(off, piece), static_cast<std::int64_t>(1 + off)));
    t.process(now_ns, out);
    max_retained = std::max(max_retained, t.stream(direction::ingress).retained_bytes());
  }
  t.add(test::chunk(direction::egress, 0, response(2, 0x02), static_cast<std::int64_t>(reqs.size() + 10)));
  t.process(now_ns, out);
  EXPECT_EQ(summary(out), (std::vector<std::string>{"5  -> 2 "}));
  EXPECT_EQ(t.stats().frames_oversize, 1u);
  EXPECT_EQ(t.stats().oversize_bytes, big.size());
  EXPECT_EQ(t.stats().parse_errors, 0u);
  EXPECT_LE(max_retained, piece);
}

TEST(cql_tracker, garbage_is_counted_and_disables_the_tracker) {
  std::mt19937 rng{7};
  tracker t{{}, meta_with(trace_role::server)};
  auto out = test::feed_until_disabled(t, [&] {
    std::string bytes;
    for (int i = 0; i < 300; ++i) bytes.push_back(static_cast<char>(rng()));
    return bytes + std::string{"\x04\x00\x00\x01\x07\x00\x00\x00\x02zz", 11};  // a QUERY header with a bad body
  });
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(t.disabled());
  EXPECT_EQ(t.why_disabled(), disable_reason::parse_failures);
  EXPECT_GT(t.stats().invalid_bytes, 0u);
}

TEST(cql_tracker, unanswered_request_expires) {
  tracker t{{}, meta_with(trace_role::server)};
  std::vector<record> out;
  t.add(test::chunk(direction::ingress, 0, wire::request(1, 0x07, wire::query("SELECT 1")), 1));
  t.process(now_ns, out);
  EXPECT_EQ(t.unmatched(message_type::request), 1u);
  t.process(now_ns + default_message_expiry_ns + 1, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(t.stats().unmatched_expired, 1u);
}

TEST(cql_tracker, role_policy_rejects_client_side_by_default) {
  auto reads = test::load_trace("cql/fixtures/session.trace");
  tracker t{{}, meta_with(trace_role::client)};
  EXPECT_TRUE(run(t, test::to_chunks(reads, false)).empty());
  EXPECT_TRUE(t.disabled());
  EXPECT_EQ(t.why_disabled(), disable_reason::role_not_traced);
}

}  // namespace
}  // namespace wisp::protocols::cql
