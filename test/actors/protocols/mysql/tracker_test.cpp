// conn_tracker<mysql::protocol> end to end on the recorded fixtures.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "actors/protocols/mysql/protocol.hpp"
#include "test/actors/protocols/mysql/texts.hpp"
#include "test/actors/protocols/mysql/wire.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::mysql {
namespace {

using schemas::trace_role;
using test::now_ns;
using test::run;

conn_meta meta_with(trace_role role) { return test::loopback_meta(role, 3306); }

using test_text::texts;

const std::vector<std::string> cli_records{
    "Query: SELECT DATABASE() -> OK Resultset rows = 1",
    "InitDB: wisp -> OK ",
    "Query: CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20), price DECIMAL(6,2)) -> OK ",
    "Query: INSERT INTO items VALUES (1, 'apple', 1.50), (2, 'pear', NULL), (3, 'plum', 0.75) -> OK ",
    "Query: SELECT id, name, price FROM items ORDER BY id -> OK Resultset rows = 3",
    "Query: SELECT * FROM missing_table -> Err Table 'wisp.missing_table' doesn't exist",
    "Query: UPDATE items SET price = 2 WHERE id = 2 -> OK ",
    "Query: DROP TABLE items -> OK ",
    "Quit:  -> none ",
};

const std::vector<std::string> stmt_records{
    "Query: CREATE TABLE fruit (id BIGINT PRIMARY KEY, name VARCHAR(20), weight DOUBLE, qty SMALLINT) -> OK ",
    "StmtPrepare: INSERT INTO fruit VALUES (?, ?, ?, ?) -> OK ",
    "StmtExecute: INSERT INTO fruit VALUES (1, apple, 0.250000, 10) -> OK ",
    "StmtExecute: INSERT INTO fruit VALUES (2, pear, 0.500000, NULL) -> OK ",
    "StmtExecute: INSERT INTO fruit VALUES (3, plum, 0.750000, 30) -> OK ",
    "StmtClose:  -> none ",
    "StmtPrepare: SELECT id, name, weight FROM fruit WHERE id >= ? ORDER BY id -> OK ",
    "StmtExecute: SELECT id, name, weight FROM fruit WHERE id >= 2 ORDER BY id -> OK Resultset rows = 2",
    "StmtClose:  -> none ",
    "StmtPrepare: SELECT * FROM missing_table WHERE id = ? -> Err Table 'wisp.missing_table' doesn't exist",
    "Query: DROP TABLE fruit -> OK ",
    "Ping:  -> OK ",
    "Quit:  -> none ",
};

const std::vector<std::string> ping_records{"Ping:  -> OK ", "Quit:  -> none "};
const std::vector<std::string> auth_switch_records{"Query: SELECT 1 -> OK Resultset rows = 1", "Quit:  -> none "};

struct fixture_expectation {
  std::string file;
  std::vector<std::string> texts;
};

class tracker_fixture : public ::testing::TestWithParam<fixture_expectation> {};

TEST_P(tracker_fixture, server_side_records) {
  auto reads = test::load_trace("mysql/fixtures/" + GetParam().file);
  ASSERT_FALSE(reads.empty());
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, test::to_chunks(reads, true));
  EXPECT_EQ(texts(rs), GetParam().texts);
  for (const record& r : rs) EXPECT_GE(r.resp_timestamp_ns, r.req_timestamp_ns);
  test::expect_clean_run(t, rs);
}

// Pixie records MySQL on both sides (facts §4.3): the client's view gives the same records.
TEST_P(tracker_fixture, client_side_records_with_a_policy_for_both_sides) {
  auto reads = test::load_trace("mysql/fixtures/" + GetParam().file);
  tracker t{{}, meta_with(trace_role::client), trace_both_sides};
  EXPECT_EQ(texts(run(t, test::to_chunks(reads, false))), GetParam().texts);
}

TEST_P(tracker_fixture, role_is_inferred_from_the_traffic) {
  auto reads = test::load_trace("mysql/fixtures/" + GetParam().file);
  for (bool server_side : {true, false}) {
    tracker t{{}, meta_with(trace_role::unknown), trace_both_sides};
    EXPECT_EQ(texts(run(t, test::to_chunks(reads, server_side))), GetParam().texts);
    EXPECT_EQ(t.meta().role, server_side ? trace_role::server : trace_role::client);
    EXPECT_EQ(t.stats().role_inferred, 1u);
  }
}

// Both directions cut into two chunks at every byte boundary, delivered over rounds.
TEST_P(tracker_fixture, split_at_every_byte_boundary) {
  auto reads = test::load_trace("mysql/fixtures/" + GetParam().file);
  auto make = [] { return tracker{{}, meta_with(trace_role::server)}; };
  EXPECT_EQ(test::first_bad_split(reads, make, texts, GetParam().texts), std::nullopt);
}

TEST_P(tracker_fixture, chunks_in_reverse_order_within_a_round) {
  auto reads = test::load_trace("mysql/fixtures/" + GetParam().file);
  auto chunks = test::to_chunks(reads, true);
  std::reverse(chunks.begin(), chunks.end());
  tracker t{{}, meta_with(trace_role::server)};
  EXPECT_EQ(texts(run(t, chunks)), GetParam().texts);
}

INSTANTIATE_TEST_SUITE_P(mysql, tracker_fixture,
                         ::testing::Values(fixture_expectation{"cli_queries.trace", cli_records},
                                           fixture_expectation{"stmt.trace", stmt_records},
                                           fixture_expectation{"admin_ping.trace", ping_records},
                                           fixture_expectation{"auth_switch.trace", auth_switch_records}),
                         [](const auto& info) {
                           std::string n = info.param.file;
                           return n.substr(0, n.find('.'));
                         });

// N commands the client sent produce N records, in order, each with its own command byte: counted
// from the client's bytes independently of the stitcher.
TEST(mysql_tracker, every_command_is_one_record) {
  for (const char* file : {"cli_queries.trace", "stmt.trace"}) {
    auto reads = test::load_trace(std::string{"mysql/fixtures/"} + file);
    std::string req = test::side_bytes(reads, true);
    std::vector<int> sent;
    for (std::size_t at = 0; at + 4 < req.size();) {
      std::size_t len = static_cast<std::uint8_t>(req[at]) | static_cast<std::uint8_t>(req[at + 1]) << 8 |
                        static_cast<std::uint8_t>(req[at + 2]) << 16;
      if (req[at + 3] == 0) sent.push_back(static_cast<std::uint8_t>(req[at + 4]));
      at += 4 + len;
    }
    tracker t{{}, meta_with(trace_role::server)};
    auto rs = run(t, test::to_chunks(reads, true));
    std::vector<int> recorded;
    for (const record& r : rs) recorded.push_back(r.req_cmd);
    EXPECT_EQ(recorded, sent) << file;
  }
}

TEST(mysql_tracker, frame_timestamps_and_latency) {
  auto reads = test::load_trace("mysql/fixtures/cli_queries.trace");
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, test::to_chunks(reads, true));
  ASSERT_EQ(rs.size(), cli_records.size());
  // Reads: greeting(0) login(1) OK(2) SELECT DATABASE()(3) its result set(4).
  EXPECT_EQ(rs[0].req_timestamp_ns, test::fixture_start_ns + 3 * test::fixture_step_ns);
  EXPECT_EQ(rs[0].resp_timestamp_ns, test::fixture_start_ns + 4 * test::fixture_step_ns);
  // Quit has no answer: time_ is the request's, latency 0.
  EXPECT_EQ(rs.back().resp_timestamp_ns, rs.back().req_timestamp_ns);
}

TEST(mysql_tracker, mid_stream_start_resynchronises) {
  auto reads = test::load_trace("mysql/fixtures/cli_queries.trace");
  std::string req = test::side_bytes(reads, true);
  std::string resp = test::side_bytes(reads, false);
  // Start inside the SELECT's command, and on the server side (whose reads the tracer sees whole)
  // at the first row packet of its result set: header, the lengths and values "1" and "apple".
  std::size_t req_cut = req.find("SELECT id, name") - 3;
  std::size_t resp_cut = resp.find("apple") - 7;
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, {test::chunk(direction::ingress, req_cut, req.substr(req_cut), 1),
                    test::chunk(direction::egress, resp_cut, resp.substr(resp_cut), 2)});
  EXPECT_GT(t.stats().parse_errors, 0u);
  EXPECT_GT(t.stats().invalid_bytes, 0u);
  // Everything after the cut SELECT comes out whole; the rest of its answer (3 rows and the
  // EOF) is dropped as orphans.
  std::vector<std::string> expected(cli_records.begin() + 5, cli_records.end());
  EXPECT_EQ(texts(rs), expected);
  EXPECT_EQ(t.stats().stitch.orphan_responses, 4u);
}

TEST(mysql_tracker, gap_loses_one_answer_and_parsing_resumes_after_it) {
  auto reads = test::load_trace("mysql/fixtures/cli_queries.trace");
  auto chunks = test::to_chunks(reads, true);
  // The 3-row result set: keep its first 3 bytes only.
  std::size_t at = 0;
  for (std::size_t i = 0; i < chunks.size(); ++i)
    if (chunks[i].dir == direction::egress && chunks[i].bytes.find("apple") != std::string::npos) at = i;
  ASSERT_GT(at, 0u);
  chunks[at].msg_size = static_cast<std::uint32_t>(chunks[at].bytes.size());
  chunks[at].bytes.resize(3);
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, chunks);
  EXPECT_EQ(t.stream(direction::egress).stats().gaps, 1u);
  EXPECT_EQ(t.stream(direction::egress).stats().bytes_dropped_at_gap, 3u);
  // The records before the SELECT come out whole. The stitcher is not told of the gap: FIFO
  // pairing gives the SELECT the next answer, and the commands after it each the one after
  // theirs, until the last one is left without an answer at close: one record fewer, the loss
  // counted, and the connection goes on.
  auto texts_out = texts(rs);
  ASSERT_EQ(texts_out.size(), cli_records.size() - 1);
  EXPECT_TRUE(std::equal(cli_records.begin(), cli_records.begin() + 4, texts_out.begin()));
  EXPECT_EQ(texts_out.back(), cli_records.back());
  EXPECT_EQ(t.stats().stitch.errors + t.stats().unmatched_at_close, 1u);
}

TEST(mysql_tracker, garbage_is_counted_and_disables_the_tracker) {
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

TEST(mysql_tracker, lying_lengths_allocate_nothing_and_resynchronise) {
  tracker t{{}, meta_with(trace_role::server)};
  // A COM_PING claiming 16 MiB - 1 bytes, then a real query.
  std::string lie = wire::le(0xfffffe, 3) + std::string(1, '\0') + "\x0e" + "SELECT 1";
  std::string good = wire::command(cmd::query, "SELECT 2");
  t.add(test::chunk(direction::ingress, 0, lie + good, 1));
  t.add(test::chunk(direction::egress, 0, wire::pkt(1, wire::ok()), 2));
  std::vector<record> out;
  t.process(now_ns, out);
  ASSERT_EQ(texts(out), std::vector<std::string>{"Query: SELECT 2 -> OK "});
  EXPECT_EQ(t.stats().parse_errors, 1u);
  EXPECT_EQ(t.stats().invalid_bytes, lie.size());
  EXPECT_EQ(t.stats().frames_oversize, 0u);
}

TEST(mysql_tracker, huge_row_is_skipped_as_it_streams_in_and_counted) {
  // A 1 MiB row in a result set, delivered in 64 KiB chunks over rounds: never buffered whole,
  // still counted as a row.
  constexpr std::size_t value_bytes = std::size_t{1} << 20;
  constexpr std::size_t piece = std::size_t{64} << 10;
  tracker t{{}, meta_with(trace_role::server)};
  std::vector<record> out;
  t.add(test::chunk(direction::ingress, 0, wire::command(cmd::query, "SELECT big"), 1));
  std::string head = wire::pkt(1, "\x01") + wire::pkt(2, wire::column_def("big")) + wire::pkt(3, wire::eof());
  std::string row = wire::pkt(4, "\xfd" + wire::le(value_bytes, 3) + std::string(value_bytes, 'x'));
  std::string resp = head + row + wire::pkt(5, "\x01y") + wire::pkt(6, wire::eof());
  std::size_t max_retained = 0;
  for (std::size_t off = 0; off < resp.size(); off += piece) {
    t.add(test::chunk(direction::egress, off, resp.substr(off, piece), static_cast<std::int64_t>(2 + off)));
    t.process(now_ns, out);
    max_retained = std::max(max_retained, t.stream(direction::egress).retained_bytes());
  }
  ASSERT_EQ(texts(out), std::vector<std::string>{"Query: SELECT big -> OK Resultset rows = 2"});
  EXPECT_EQ(t.stats().frames_oversize, 1u);
  EXPECT_EQ(t.stats().oversize_bytes, row.size());
  EXPECT_EQ(t.stats().parse_errors, 0u);
  EXPECT_LE(max_retained, piece);
}

TEST(mysql_tracker, multi_packet_query_is_one_record) {
  std::string text(max_piece_payload + 10, 'x');
  text.replace(0, 7, "SELECT ");
  std::string payload = "\x03" + text;
  std::string bytes = wire::pkt(0, std::string_view{payload}.substr(0, max_piece_payload)) +
                      wire::pkt(1, std::string_view{payload}.substr(max_piece_payload));
  parse_options big;
  big.max_packet_bytes = std::size_t{32} << 20;
  tracker_options topts;
  topts.messages_size_limit_bytes = std::size_t{64} << 20;
  tracker t{{}, meta_with(trace_role::server), trace_server_side, topts, big};
  std::vector<record> out;
  t.add(test::chunk(direction::ingress, 0, bytes, 1));
  t.add(test::chunk(direction::egress, 0, wire::pkt(2, wire::err(1064, "42000", "syntax")), 2));
  t.process(now_ns, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].req_body, text);
  EXPECT_EQ(out[0].status, resp_status::err);
}

TEST(mysql_tracker, role_policy_rejects_client_side_by_default) {
  auto reads = test::load_trace("mysql/fixtures/admin_ping.trace");
  tracker t{{}, meta_with(trace_role::client)};
  auto rs = run(t, test::to_chunks(reads, false));
  EXPECT_TRUE(rs.empty());
  EXPECT_EQ(t.why_disabled(), disable_reason::role_not_traced);
}

TEST(mysql_tracker, unmatched_query_expires) {
  tracker t{{}, meta_with(trace_role::server)};
  t.add(test::chunk(direction::ingress, 0, wire::command(cmd::query, "SELECT SLEEP(100)"), test::fixture_start_ns));
  std::vector<record> out;
  t.process(test::fixture_start_ns, out);
  EXPECT_EQ(t.unmatched(message_type::request), 1u);
  t.process(test::fixture_start_ns + default_message_expiry_ns + 1, out);
  EXPECT_EQ(t.unmatched(message_type::request), 0u);
  EXPECT_EQ(t.stats().unmatched_expired, 1u);
}

}  // namespace
}  // namespace wisp::protocols::mysql
