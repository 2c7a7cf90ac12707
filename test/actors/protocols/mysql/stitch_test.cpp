#include "actors/protocols/mysql/stitch.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "actors/protocols/mysql/parse.hpp"
#include "actors/protocols/mysql/payload.hpp"
#include "test/actors/protocols/mysql/texts.hpp"
#include "test/actors/protocols/mysql/wire.hpp"

namespace wisp::protocols::mysql {
namespace {

using wire::column_def;
using wire::command;
using wire::le;
using wire::pkt;

// The packets of an answer, numbered from `first`.
std::string answer(std::initializer_list<std::string> payloads, std::uint8_t first = 1) {
  std::string s;
  for (const std::string& p : payloads) s += pkt(first++, p);
  return s;
}

struct harness {
  std::deque<packet> reqs;
  std::deque<packet> resps;
  session state;
  stitch_counters counters;
  std::vector<record> out;

  void push(message_type type, const std::string& bytes, std::int64_t ts) {
    auto& q = type == message_type::request ? reqs : resps;
    std::string_view v = bytes;
    while (!v.empty()) {
      packet p;
      parse_result r = parse_packet(type, v, {}, p);
      ASSERT_EQ(r.state, parse_state::success);
      p.timestamp_ns = ts;
      p.wire_size = r.consumed;
      q.push_back(std::move(p));
      v.remove_prefix(r.consumed);
    }
  }
  void req(const std::string& bytes, std::int64_t ts) { push(message_type::request, bytes, ts); }
  void resp(const std::string& bytes, std::int64_t ts) { push(message_type::response, bytes, ts); }
  void run(bool eos = false) { stitch(reqs, resps, eos, state, counters, out); }
  std::vector<std::string> texts() const { return test_text::texts(out); }
};

std::string result_set(std::size_t rows, std::uint16_t last_status = 0x0002, bool deprecate_eof = false) {
  std::string s = pkt(1, "\x02") + pkt(2, column_def("a")) + pkt(3, column_def("b"));
  std::uint8_t seq = 4;
  if (!deprecate_eof) s += pkt(seq++, wire::eof());
  for (std::size_t i = 0; i < rows; ++i) s += pkt(seq++, wire::text_row("x", std::to_string(i)));
  s += pkt(seq, deprecate_eof ? wire::ok(last_status, 0xfe) : wire::eof(last_status));
  return s;
}

TEST(mysql_stitch, query_answers) {
  struct c {
    std::string name;
    std::string answer;
    std::string text;
  };
  for (const c& t : std::vector<c>{
           {"ok", pkt(1, wire::ok()), "Query: q -> OK "},
           {"err", pkt(1, wire::err(1064, "42000", "You have an error")), "Query: q -> Err You have an error"},
           {"rows", result_set(3), "Query: q -> OK Resultset rows = 3"},
           {"no_rows", result_set(0), "Query: q -> OK Resultset rows = 0"},
           {"deprecate_eof_rows", result_set(2, 2, true), "Query: q -> OK Resultset rows = 2"},
           {"error_mid_rows", pkt(1, "\x01") + pkt(2, column_def("a")) + pkt(3, wire::eof()) + pkt(4, "\x01x") +
                                  pkt(5, wire::err(1317, "70100", "Query execution was interrupted")),
            "Query: q -> Err Query execution was interrupted"},
       }) {
    harness h;
    h.req(command(cmd::query, "q"), 1);
    h.resp(t.answer, 2);
    h.run();
    EXPECT_EQ(h.texts(), std::vector<std::string>{t.text}) << t.name;
    EXPECT_TRUE(h.reqs.empty() && h.resps.empty()) << t.name;
    EXPECT_EQ(h.counters.errors, 0u) << t.name;
    ASSERT_EQ(h.out.size(), 1u);
    EXPECT_EQ(h.out[0].req_timestamp_ns, 1);
    EXPECT_EQ(h.out[0].resp_timestamp_ns, 2);
  }
}

TEST(mysql_stitch, deprecate_eof_with_zero_rows_known_from_the_handshake) {
  harness h;
  // Greeting (capabilities with CLIENT_DEPRECATE_EOF), login (the same), OK.
  std::string greeting = "\x0a" "8.0.36" + std::string(1, '\0') + le(1, 4) + std::string(8, 'a') + std::string(1, '\0') +
                         le(0xffff, 2) + "\x21" + le(2, 2) + le(0x01ff, 2) + std::string(20, '\0');
  h.resp(pkt(0, greeting), 1);
  h.req(pkt(1, le(0x01ffffff, 4) + std::string(40, 'u')), 2);
  h.resp(pkt(2, wire::ok()), 3);
  h.run();
  EXPECT_EQ(h.state.deprecate_eof, true);
  EXPECT_TRUE(h.out.empty());
  // No EOF after the definitions: the 0xfe packet right after them ends the (empty) result set.
  h.req(command(cmd::query, "q"), 4);
  h.resp(pkt(1, "\x01") + pkt(2, column_def("a")) + pkt(3, wire::ok(2, 0xfe)), 5);
  h.run();
  EXPECT_EQ(h.texts(), std::vector<std::string>{"Query: q -> OK Resultset rows = 0"});
  EXPECT_EQ(h.counters.interim_responses, 3u);
  EXPECT_EQ(h.counters.errors, 0u);
}

TEST(mysql_stitch, multiple_result_sets) {
  harness h;
  h.req(command(cmd::query, "CALL p()"), 1);
  // Two result sets, each announcing another, then the final OK.
  std::string first = result_set(2, 0x000a);
  std::string second = pkt(8, "\x01") + pkt(9, column_def("c")) + pkt(10, wire::eof()) + pkt(11, "\x01z") +
                       pkt(12, wire::eof(0x000a)) + pkt(13, wire::ok());
  h.resp(first + second, 2);
  h.run();
  EXPECT_EQ(h.texts(), std::vector<std::string>{"Query: CALL p() -> OK Resultset rows = 2, Resultset rows = 1"});
  EXPECT_TRUE(h.resps.empty());
}

TEST(mysql_stitch, incomplete_answer_waits_then_completes) {
  harness h;
  h.req(command(cmd::query, "q"), 1);
  std::string full = result_set(2);
  h.resp(full.substr(0, full.size() - 9), 2);  // without the final EOF
  h.run();
  EXPECT_TRUE(h.out.empty());
  EXPECT_EQ(h.reqs.size(), 1u);
  EXPECT_EQ(h.counters.attempts, 0u);
  h.resp(full.substr(full.size() - 9), 3);
  h.run();
  EXPECT_EQ(h.texts(), std::vector<std::string>{"Query: q -> OK Resultset rows = 2"});
  EXPECT_EQ(h.out[0].resp_timestamp_ns, 3);
}

TEST(mysql_stitch, incomplete_answer_at_end_of_stream_is_an_error) {
  harness h;
  h.req(command(cmd::query, "q"), 1);
  h.resp(pkt(1, "\x01") + pkt(2, column_def("a")), 2);
  h.run(true);
  EXPECT_TRUE(h.out.empty());
  EXPECT_EQ(h.counters.errors, 1u);
  EXPECT_TRUE(h.reqs.empty());
}

TEST(mysql_stitch, prepare_execute_close) {
  harness h;
  h.req(command(cmd::stmt_prepare, "SELECT a FROM t WHERE b = ? AND c = ?"), 1);
  h.resp(answer({wire::prepare_ok(5, 1, 2), column_def("?"), column_def("?"), wire::eof(), column_def("a"), wire::eof()}), 2);
  std::string exec = le(5, 4) + std::string(1, '\0') + le(1, 4) + std::string(1, '\0') + "\x01" + le(0x03, 2) +
                     le(0xfd, 2) + le(42, 4) + wire::lenenc_str("x y");
  h.req(command(cmd::stmt_execute, exec), 3);
  // MariaDB's binary result set: column definitions cached (metadata-follows byte 0).
  h.resp(pkt(1, std::string("\x01\0", 2)) + pkt(2, wire::eof()) + pkt(3, std::string(1, '\0') + std::string(1, '\0') + "\x01z") +
             pkt(4, wire::eof()),
         4);
  h.req(command(cmd::stmt_close, le(5, 4)), 5);
  h.req(command(cmd::stmt_execute, exec), 6);
  h.resp(pkt(1, wire::err(1243, "HY000", "Unknown prepared statement handler (5) given to mysqld_stmt_execute")), 7);
  h.run();
  EXPECT_EQ(h.texts(), (std::vector<std::string>{
                           "StmtPrepare: SELECT a FROM t WHERE b = ? AND c = ? -> OK ",
                           "StmtExecute: SELECT a FROM t WHERE b = 42 AND c = x y -> OK Resultset rows = 1",
                           "StmtClose:  -> none ",
                           "StmtExecute: Execute stmt_id=5. -> Err Unknown prepared statement handler (5) given to "
                           "mysqld_stmt_execute",
                       }));
  ASSERT_EQ(h.out.size(), 4u);
  EXPECT_EQ(h.out[2].resp_timestamp_ns, h.out[2].req_timestamp_ns);  // no answer: the request's time
  EXPECT_EQ(h.state.size(), 0u);
  EXPECT_EQ(h.counters.errors, 0u);
}

TEST(mysql_stitch, prepare_eof_with_unknown_mode_waits_until_the_next_command) {
  harness h;  // the connection's start was not seen
  h.req(command(cmd::stmt_prepare, "DO ?"), 1);
  h.resp(answer({wire::prepare_ok(1, 0, 1), column_def("?")}), 2);
  h.run();
  EXPECT_TRUE(h.out.empty());  // an EOF may still follow
  h.req(command(cmd::ping), 3);
  h.resp(pkt(1, wire::ok()), 4);
  h.run();
  EXPECT_EQ(h.texts(), (std::vector<std::string>{"StmtPrepare: DO ? -> OK ", "Ping:  -> OK "}));
  EXPECT_EQ(h.counters.errors, 0u);
}

TEST(mysql_stitch, basic_commands_and_quit) {
  harness h;
  h.req(command(cmd::init_db, "shop"), 1);
  h.resp(pkt(1, wire::err(1049, "42000", "Unknown database 'shop'")), 2);
  h.req(command(cmd::ping), 3);
  h.resp(pkt(1, wire::ok()), 4);
  h.req(command(cmd::set_option, le(1, 2)), 5);
  h.resp(pkt(1, wire::eof()), 6);
  h.req(command(cmd::field_list, std::string("t") + std::string(1, '\0')), 7);
  h.resp(answer({column_def("a"), column_def("b"), wire::eof()}), 8);
  h.req(command(cmd::statistics), 9);
  h.resp(pkt(1, "Uptime: 10  Threads: 1"), 10);
  h.req(command(cmd::quit), 11);
  h.run();
  EXPECT_EQ(h.texts(), (std::vector<std::string>{"InitDB: shop -> Err Unknown database 'shop'", "Ping:  -> OK ",
                                                 "SetOption:  -> OK ", "FieldList: t" + std::string(1, '\0') + " -> OK ",
                                                 "Statistics:  -> OK ", "Quit:  -> none "}));
  EXPECT_EQ(h.counters.attempts, 6u);
  EXPECT_EQ(h.counters.errors, 0u);
}

TEST(mysql_stitch, records_wait_for_a_confirming_command_as_pixies_do) {
  harness h;
  h.req(command(cmd::ping), 1);
  h.resp(pkt(1, wire::ok()), 2);
  h.req(command(cmd::quit), 3);
  h.run();
  EXPECT_TRUE(h.out.empty());  // pings and quits alone do not show the traffic is MySQL
  EXPECT_EQ(h.counters.unconfirmed_dropped, 2u);
  EXPECT_EQ(h.counters.attempts, 2u);
  // A call that ends confirmed keeps all it paired, the ping before the query too.
  harness q;
  q.req(command(cmd::ping), 1);
  q.resp(pkt(1, wire::ok()), 2);
  q.req(command(cmd::query, "SELECT 1"), 3);
  q.resp(pkt(1, wire::err(1045, "28000", "denied")), 4);
  q.run();
  EXPECT_EQ(q.texts(), (std::vector<std::string>{"Ping:  -> OK ", "Query: SELECT 1 -> Err denied"}));
  EXPECT_TRUE(q.state.confirmed);
  // A greeting confirms too.
  harness g;
  g.resp(pkt(0, "\x0a" "10.11.19-MariaDB" + std::string(40, '\0')), 1);
  g.req(command(cmd::ping), 2);
  g.resp(pkt(1, wire::ok()), 3);
  g.run();
  EXPECT_EQ(g.texts(), std::vector<std::string>{"Ping:  -> OK "});
}

TEST(mysql_stitch, orphans_and_mismatches_are_counted) {
  harness h;
  h.state.confirmed = true;  // as after a query
  h.resp(pkt(1, wire::ok()), 1);  // before any command: its command was never seen
  h.req(command(cmd::ping), 2);
  h.resp(pkt(5, "\x01x") + pkt(1, wire::ok()), 3);  // a stray row, then the answer
  h.run();
  EXPECT_EQ(h.texts(), std::vector<std::string>{"Ping:  -> OK "});
  EXPECT_EQ(h.counters.orphan_responses, 2u);
  // A ping answered by a result set: dropped with its answer's first packet.
  h.req(command(cmd::ping), 4);
  h.resp(pkt(1, "\x01"), 5);
  h.run();
  EXPECT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.counters.errors, 3u);
  EXPECT_TRUE(h.reqs.empty());
  // Server packets left at end of stream answer nothing.
  h.run(true);
  EXPECT_TRUE(h.resps.empty());
  EXPECT_EQ(h.counters.orphan_responses, 3u);
}

TEST(mysql_stitch, session_is_bounded) {
  harness h;
  for (std::uint32_t id = 1; id <= max_session_statements + 5; ++id) {
    h.req(command(cmd::stmt_prepare, "SELECT " + std::to_string(id)), id * 2);
    h.resp(pkt(1, wire::prepare_ok(id, 0, 0)), id * 2 + 1);
  }
  h.run(true);
  EXPECT_EQ(h.out.size(), max_session_statements + 5);
  EXPECT_EQ(h.state.size(), max_session_statements);
  EXPECT_EQ(h.counters.state_dropped, 5u);
  EXPECT_EQ(h.state.find(1), nullptr);
  ASSERT_NE(h.state.find(max_session_statements + 5), nullptr);
  // Long queries: the byte bound drops the oldest.
  harness b;
  for (std::uint32_t id = 1; id <= 8; ++id) {
    b.req(command(cmd::stmt_prepare, std::string(max_session_bytes / 4, 'q')), id * 2);
    b.resp(pkt(1, wire::prepare_ok(id, 0, 0)), id * 2 + 1);
  }
  b.run(true);
  EXPECT_LE(b.state.bytes(), max_session_bytes);
  EXPECT_GT(b.counters.state_dropped, 0u);
  EXPECT_NE(b.state.find(8), nullptr);
}

}  // namespace
}  // namespace wisp::protocols::mysql
