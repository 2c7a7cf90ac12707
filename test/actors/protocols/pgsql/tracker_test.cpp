// conn_tracker<pgsql::protocol> end to end on the recorded fixtures.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "actors/protocols/pgsql/protocol.hpp"
#include "test/actors/protocols/pgsql/wire.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::pgsql {
namespace {

using schemas::trace_role;
using test::now_ns;
using test::run;

conn_meta meta_with(trace_role role) { return test::loopback_meta(role, 5432); }

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
  test::expect_clean_run(t, rs);
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
  auto make = [] { return tracker{{}, meta_with(trace_role::server)}; };
  EXPECT_EQ(test::first_bad_split(reads, make, commands, GetParam().commands), std::nullopt);
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


// pgbench's TPC-B script, as the server saw it: N statements produce N Execute records, each
// carrying its own statement, in order.
TEST(pgsql_tracker, every_pgbench_statement_is_one_execute_record) {
  const std::vector<std::string> script{
      "BEGIN;",
      "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;",
      "SELECT abalance FROM pgbench_accounts WHERE aid = $1;",
      "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2;",
      "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2;",
      "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP);",
      "END;"};
  for (const char* file : {"pgbench_extended.trace", "pgbench_prepared.trace"}) {
    tracker t{{}, meta_with(trace_role::server)};
    auto rs = run(t, test::to_chunks(test::load_trace(std::string{"pgsql/fixtures/"} + file), true));
    std::vector<std::string> executed;
    for (const record& r : rs) {
      if (r.req_tag != tag::execute) continue;
      std::size_t end = r.req.find("] params=[");
      ASSERT_NE(end, std::string::npos) << r.req;
      executed.push_back(r.req.substr(std::string_view{"query=["}.size(), end - 7));
      // Statements with parameters list as many values as they have placeholders.
      std::size_t placeholders = std::count(executed.back().begin(), executed.back().end(), '$');
      std::string params = r.req.substr(end + 10, r.req.size() - end - 11);
      std::size_t values = params.empty() ? 0 : std::count(params.begin(), params.end(), ',') + 1;
      EXPECT_EQ(values, placeholders) << r.req;
    }
    std::vector<std::string> expected = script;
    expected.insert(expected.end(), script.begin(), script.end());
    EXPECT_EQ(executed, expected) << file;
  }
}

TEST(pgsql_tracker, select_result_in_an_execute_record) {
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, test::to_chunks(test::load_trace("pgsql/fixtures/pgbench_extended.trace"), true));
  std::size_t selects = 0;
  for (const record& r : rs) {
    if (r.req_tag != tag::execute || r.req.find("SELECT abalance") == std::string::npos) continue;
    ++selects;
    EXPECT_TRUE(r.resp.starts_with("abalance\n")) << r.resp;
    EXPECT_TRUE(r.resp.ends_with("\nSELECT 1")) << r.resp;
  }
  EXPECT_EQ(selects, 2u);
}

TEST(pgsql_tracker, frame_timestamps_and_latency) {
  auto reads = test::load_trace("pgsql/fixtures/psql_simple.trace");
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, test::to_chunks(reads, true));
  ASSERT_EQ(rs.size(), simple_records.size());
  // Reads: SSLRequest(0) N(1) startup(2) auth..Z(3) CREATE(4) its answer(5).
  EXPECT_EQ(rs[0].req_timestamp_ns, test::fixture_start_ns + 4 * test::fixture_step_ns);
  EXPECT_EQ(rs[0].resp_timestamp_ns, test::fixture_start_ns + 5 * test::fixture_step_ns);
  // The missing-table error comes in one read, its ReadyForQuery in the next: the error's time.
  EXPECT_EQ(rs[3].resp_timestamp_ns - rs[3].req_timestamp_ns, test::fixture_step_ns);
}

TEST(pgsql_tracker, mid_stream_start_resynchronises) {
  auto reads = test::load_trace("pgsql/fixtures/pgbench_extended.trace");
  std::string req = test::side_bytes(reads, true);
  std::string resp = test::side_bytes(reads, false);
  // Start inside the length field of the second transaction's first UPDATE's Parse, and inside
  // the answer to that UPDATE.
  std::size_t req_cut = req.rfind("UPDATE pgbench_accounts") - 3;
  std::size_t resp_cut = 0;
  for (int i = 0; i < 4; ++i) resp_cut = resp.find("UPDATE 1", resp_cut + 1);  // 3 per transaction
  resp_cut -= 2;
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, {test::chunk(direction::ingress, req_cut, req.substr(req_cut), 1),
                    test::chunk(direction::egress, resp_cut, resp.substr(resp_cut), 2)});
  EXPECT_GT(t.stats().parse_errors, 0u);
  EXPECT_GT(t.stats().invalid_bytes, 0u);
  // The UPDATE's Bind, Describe and Execute lost their answers' start: dropped as errors. The
  // second transaction's 5 later statements come out whole.
  EXPECT_EQ(t.stats().stitch.errors, 3u);
  ASSERT_EQ(rs.size(), 5u * 4);
  EXPECT_EQ(rs.back().req, "query=[END;] params=[]") << ::testing::PrintToString(texts(rs));
  EXPECT_EQ(rs.back().resp, "COMMIT");
}

TEST(pgsql_tracker, gap_loses_one_answer_and_parsing_resumes_after_it) {
  auto reads = test::load_trace("pgsql/fixtures/psql_simple.trace");
  auto chunks = test::to_chunks(reads, true);
  // The SELECT's answer (RowDescription, rows, CommandComplete, ReadyForQuery): keep 3 bytes.
  std::size_t at = 0;
  for (std::size_t i = chunks.size(); i-- > 0;)
    if (chunks[i].dir == direction::egress && chunks[i].bytes.starts_with("T")) at = i;
  ASSERT_GT(at, 0u);
  chunks[at].msg_size = static_cast<std::uint32_t>(chunks[at].bytes.size());
  chunks[at].bytes.resize(3);
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, chunks);
  EXPECT_EQ(t.stream(direction::egress).stats().gaps, 1u);
  EXPECT_EQ(t.stream(direction::egress).stats().bytes_dropped_at_gap, 3u);
  // The SELECT waits for an answer that never comes whole: FIFO pairing gives it the next
  // answer, and the connection goes on; what matters is no crash and a counted loss.
  ASSERT_GE(rs.size(), simple_records.size() - 2);
  EXPECT_EQ(rs.back().resp.substr(rs.back().resp.rfind('\n') + 1), "SELECT 1") << ::testing::PrintToString(texts(rs));
  EXPECT_GT(t.stats().unmatched_at_close + t.stats().stitch.errors, 0u);
}

TEST(pgsql_tracker, garbage_is_counted_and_disables_the_tracker) {
  std::mt19937 rng{7};
  tracker t{{}, meta_with(trace_role::server)};
  auto out = test::feed_until_disabled(t, [&] {
    std::string bytes;
    for (int i = 0; i < 300; ++i) bytes.push_back(static_cast<char>(rng() % 200 + 40));
    return bytes;
  });
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(t.disabled());
  EXPECT_EQ(t.why_disabled(), disable_reason::parse_failures);
  EXPECT_GT(t.stats().invalid_bytes, 0u);
}

TEST(pgsql_tracker, lying_2gib_length_allocates_nothing_and_resynchronises) {
  tracker t{{}, meta_with(trace_role::server)};
  std::string lie = "Q" + wire::be32(0x7fffffff) + "SELECT 1";
  std::string good = wire::msg('Q', wire::cstr("SELECT 2"));
  t.add(test::chunk(direction::ingress, 0, lie + good, 1));
  t.add(test::chunk(direction::egress, 0, wire::msg('C', wire::cstr("SELECT 1")) + wire::msg('Z', "I"), 2));
  std::vector<record> out;
  t.process(now_ns, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].req, "SELECT 2");
  EXPECT_EQ(t.stats().parse_errors, 1u);
  EXPECT_EQ(t.stats().invalid_bytes, lie.size());
  EXPECT_EQ(t.stats().frames_oversize, 0u);
}

TEST(pgsql_tracker, huge_value_is_skipped_as_it_streams_in_and_counted) {
  // A 1 MiB value in one DataRow, delivered in 64 KiB chunks over rounds: never buffered whole.
  constexpr std::size_t value_bytes = std::size_t{1} << 20;
  constexpr std::size_t piece = std::size_t{64} << 10;
  tracker t{{}, meta_with(trace_role::server)};
  std::vector<record> out;
  t.add(test::chunk(direction::ingress, 0, wire::msg('Q', wire::cstr("SELECT big")), 1));
  std::string row = wire::msg('D', wire::be16(1) + wire::be32(value_bytes) + std::string(value_bytes, 'x'));
  std::string tail = wire::msg('C', wire::cstr("SELECT 1")) + wire::msg('Z', "I");
  std::string resp = row + tail;
  std::size_t max_retained = 0;
  for (std::size_t off = 0; off < resp.size(); off += piece) {
    t.add(test::chunk(direction::egress, off, resp.substr(off, piece), static_cast<std::int64_t>(2 + off)));
    t.process(now_ns, out);
    max_retained = std::max(max_retained, t.stream(direction::egress).retained_bytes());
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].resp, "SELECT 1");  // the row is gone, the answer is not
  EXPECT_EQ(t.stats().frames_oversize, 1u);
  EXPECT_EQ(t.stats().oversize_bytes, row.size());
  EXPECT_EQ(t.stats().parse_errors, 0u);
  EXPECT_LE(max_retained, piece);
}

TEST(pgsql_tracker, role_policy_rejects_client_side) {
  auto reads = test::load_trace("pgsql/fixtures/psql_md5.trace");
  tracker t{{}, meta_with(trace_role::client)};
  auto rs = run(t, test::to_chunks(reads, false));
  EXPECT_TRUE(rs.empty());
  EXPECT_EQ(t.why_disabled(), disable_reason::role_not_traced);
}

TEST(pgsql_tracker, unmatched_query_expires) {
  tracker t{{}, meta_with(trace_role::server)};
  t.add(test::chunk(direction::ingress, 0, wire::msg('Q', wire::cstr("SELECT pg_sleep(100)")), test::fixture_start_ns));
  std::vector<record> out;
  t.process(test::fixture_start_ns, out);
  EXPECT_EQ(t.unmatched(message_type::request), 1u);
  t.process(test::fixture_start_ns + default_message_expiry_ns + 1, out);
  EXPECT_EQ(t.unmatched(message_type::request), 0u);
  EXPECT_EQ(t.stats().unmatched_expired, 1u);
}

}  // namespace
}  // namespace wisp::protocols::pgsql
