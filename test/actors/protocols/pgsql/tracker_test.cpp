// conn_tracker<pgsql::protocol> end to end on the recorded fixtures.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "actors/protocols/pgsql/protocol.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::pgsql {
namespace {

using schemas::trace_role;

constexpr std::int64_t now_ns = test::fixture_start_ns + 1'000'000;

conn_meta meta_with(trace_role role) {
  conn_meta m;
  m.role = role;
  m.local = {"127.0.0.1", 5432};
  m.remote = {"127.0.0.1", 40000};
  return m;
}

std::vector<record> run(tracker& t, const std::vector<data_chunk>& chunks, bool close = true) {
  std::vector<record> out;
  for (const data_chunk& c : chunks) t.add(c);
  t.process(now_ns, out);
  if (close) {
    t.on_close({});
    t.process(now_ns, out);
  }
  return out;
}

// "<req_cmd>: <req> -> <resp>", the whole record as the row shows it.
std::vector<std::string> texts(const std::vector<record>& rs) {
  std::vector<std::string> v;
  for (const record& r : rs) v.push_back(std::string{request_name(r.req_tag)} + ": " + r.req + " -> " + r.resp);
  return v;
}

std::vector<std::string> commands(const std::vector<record>& rs) {
  std::vector<std::string> v;
  for (const record& r : rs) v.emplace_back(request_name(r.req_tag));
  return v;
}

data_chunk chunk(direction d, std::uint64_t pos, std::string bytes, std::int64_t ts) {
  data_chunk c;
  c.dir = d;
  c.pos = pos;
  c.time_ns = ts;
  c.protocol = WISP_PROTO_PGSQL;
  c.msg_size = static_cast<std::uint32_t>(bytes.size());
  c.bytes = std::move(bytes);
  return c;
}

const std::vector<std::string> simple_records{
    "Query: CREATE TABLE items (id int PRIMARY KEY, name text, price numeric); -> CREATE TABLE",
    "Query: INSERT INTO items VALUES (1, 'apple', 1.50), (2, 'pear', NULL); -> INSERT 0 2",
    "Query: SELECT id, name, price FROM items ORDER BY id; -> id,name,price\n1,apple,1.50\n2,pear,[NULL]\nSELECT 2",
    "Query: SELECT * FROM missing_table; -> ERROR RESPONSE [Severity=ERROR InternalSeverity=ERROR Code=42P01 "
    "Message=relation \"missing_table\" does not exist Position=15 File=parse_relation.c Line=1392 "
    "Routine=parserOpenTable]",
    "Query: UPDATE items SET price = 2 WHERE id = 2; -> UPDATE 1",
    "Query: DROP TABLE items; -> DROP TABLE",
    "Query: SELECT 1 AS one; SELECT 'two' AS two -> one\n1\nSELECT 1\ntwo\ntwo\nSELECT 1",
};

const std::vector<std::string> copy_records{
    "Query: CREATE TABLE words (id int, word text); -> CREATE TABLE",
    "Query: COPY  words FROM STDIN WITH (FORMAT csv) -> COPY 3",
    "Query: COPY  words TO STDOUT WITH (FORMAT csv) -> COPY 3",
    "Query: DROP TABLE words; -> DROP TABLE",
};

const std::vector<std::string> login_records{"Query: SELECT current_user -> current_user\nmd5user\nSELECT 1"};
const std::vector<std::string> scram_records{"Query: SELECT current_user -> current_user\nscramuser\nSELECT 1"};

// pgbench's default script: 7 statements per transaction, 2 transactions.
constexpr std::size_t pgbench_statements = 14;

std::vector<std::string> pgbench_extended_commands() {
  std::vector<std::string> v;
  for (std::size_t i = 0; i < pgbench_statements; ++i) v.insert(v.end(), {"Parse", "Bind", "Describe", "Execute"});
  return v;
}

std::vector<std::string> pgbench_prepared_commands() {
  // Each of the 7 statements is prepared (Parse + Sync) the first time it runs.
  std::vector<std::string> v;
  for (std::size_t i = 0; i < pgbench_statements; ++i) {
    if (i < pgbench_statements / 2) v.emplace_back("Parse");
    v.insert(v.end(), {"Bind", "Describe", "Execute"});
  }
  return v;
}

struct fixture_expectation {
  std::string file;
  std::vector<std::string> commands;
  std::vector<std::string> texts;  // empty: not checked here
};

std::vector<std::string> all_query(std::size_t n) { return std::vector<std::string>(n, "Query"); }

class tracker_fixture : public ::testing::TestWithParam<fixture_expectation> {};

TEST_P(tracker_fixture, server_side_records) {
  auto reads = test::load_trace("pgsql/fixtures/" + GetParam().file);
  ASSERT_FALSE(reads.empty());
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, test::to_chunks(reads, true));
  EXPECT_EQ(commands(rs), GetParam().commands);
  if (!GetParam().texts.empty()) {
    EXPECT_EQ(texts(rs), GetParam().texts);
  }
  for (const record& r : rs) EXPECT_GT(r.resp_timestamp_ns, r.req_timestamp_ns);
  EXPECT_EQ(t.stats().parse_errors, 0u);
  EXPECT_EQ(t.stats().invalid_bytes, 0u);
  EXPECT_EQ(t.stats().stitch.errors, 0u);
  EXPECT_EQ(t.stats().unmatched_at_close, 0u);
  EXPECT_EQ(t.stats().records_emitted, rs.size());
  EXPECT_TRUE(t.finished());
}

TEST_P(tracker_fixture, client_side_records_with_a_policy_for_both_sides) {
  auto reads = test::load_trace("pgsql/fixtures/" + GetParam().file);
  tracker t{{}, meta_with(trace_role::client), trace_both_sides};
  EXPECT_EQ(commands(run(t, test::to_chunks(reads, false))), GetParam().commands);
}

TEST_P(tracker_fixture, role_is_inferred_from_the_traffic) {
  auto reads = test::load_trace("pgsql/fixtures/" + GetParam().file);
  tracker t{{}, meta_with(trace_role::unknown), trace_both_sides};
  EXPECT_EQ(commands(run(t, test::to_chunks(reads, true))), GetParam().commands);
  EXPECT_EQ(t.meta().role, trace_role::server);
  EXPECT_EQ(t.stats().role_inferred, 1u);
}

// Both directions cut into two chunks at every byte boundary, delivered over rounds.
TEST_P(tracker_fixture, split_at_every_byte_boundary) {
  auto reads = test::load_trace("pgsql/fixtures/" + GetParam().file);
  std::string req = test::side_bytes(reads, true);
  std::string resp = test::side_bytes(reads, false);
  std::size_t longest = std::max(req.size(), resp.size());
  for (std::size_t k = 0; k <= longest; ++k) {
    tracker t{{}, meta_with(trace_role::server)};
    std::vector<record> out;
    auto piece = [](const std::string& s, std::size_t from, std::size_t to, direction d, std::int64_t ts) {
      std::size_t a = std::min(from, s.size());
      return chunk(d, a, s.substr(a, std::min(to, s.size()) - a), ts);
    };
    t.add(piece(req, 0, k, direction::ingress, 1));
    t.process(now_ns, out);
    t.add(piece(req, k, req.size(), direction::ingress, 2));
    t.add(piece(resp, 0, k, direction::egress, 3));
    t.process(now_ns, out);
    t.add(piece(resp, k, resp.size(), direction::egress, 4));
    t.process(now_ns, out);
    t.on_close({});
    t.process(now_ns, out);
    ASSERT_EQ(commands(out), GetParam().commands) << "split at " << k;
    ASSERT_EQ(t.stats().parse_errors, 0u) << "split at " << k;
  }
}

TEST_P(tracker_fixture, chunks_in_reverse_order_within_a_round) {
  auto reads = test::load_trace("pgsql/fixtures/" + GetParam().file);
  auto chunks = test::to_chunks(reads, true);
  std::reverse(chunks.begin(), chunks.end());
  tracker t{{}, meta_with(trace_role::server)};
  EXPECT_EQ(commands(run(t, chunks)), GetParam().commands);
}

INSTANTIATE_TEST_SUITE_P(
    pgsql, tracker_fixture,
    ::testing::Values(fixture_expectation{"psql_simple.trace", all_query(simple_records.size()), simple_records},
                      fixture_expectation{"psql_copy.trace", all_query(copy_records.size()), copy_records},
                      fixture_expectation{"psql_md5.trace", all_query(1), login_records},
                      fixture_expectation{"psql_scram.trace", all_query(1), scram_records},
                      fixture_expectation{"pgbench_extended.trace", pgbench_extended_commands(), {}},
                      fixture_expectation{"pgbench_prepared.trace", pgbench_prepared_commands(), {}}),
    [](const auto& info) {
      std::string n = info.param.file;
      return n.substr(0, n.find('.'));
    });

}  // namespace
}  // namespace wisp::protocols::pgsql
