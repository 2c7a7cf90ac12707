#include "actors/protocols/pgsql/stitch.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "actors/protocols/pgsql/parse.hpp"
#include "test/actors/protocols/pgsql/wire.hpp"

namespace wisp::protocols::pgsql {
namespace {

using wire::be16;
using wire::be32;
using wire::cstr;
using wire::msg;

// Parses every message of `bytes` into q, all stamped ts.
void push(std::deque<message>& q, message_type type, const std::string& bytes, std::int64_t ts) {
  std::string_view v = bytes;
  while (!v.empty()) {
    message m;
    parse_result r = parse_message(type, v, {}, {}, m);
    ASSERT_EQ(r.state, parse_state::success);
    m.timestamp_ns = ts;
    m.wire_size = r.consumed;
    q.push_back(std::move(m));
    v.remove_prefix(r.consumed);
  }
}

std::string parse_msg(std::string_view name, std::string_view query) {
  return msg('P', cstr(name) + cstr(query) + be16(0));
}
std::string bind_msg(std::string_view portal, std::string_view stmt, std::string_view value) {
  return msg('B', cstr(portal) + cstr(stmt) + be16(0) + be16(1) + be32(static_cast<std::uint32_t>(value.size())) +
                      std::string{value} + be16(0));
}
std::string execute_msg(std::string_view portal) { return msg('E', cstr(portal) + be32(0)); }
const std::string sync = msg('S', "");
const std::string ready = msg('Z', "I");
std::string error_msg(std::string_view code) {
  return msg('E', "SERROR" + std::string(1, '\0') + "C" + std::string{code} + std::string(1, '\0') + std::string(1, '\0'));
}
std::string complete_msg(std::string_view t) { return msg('C', cstr(t)); }

struct harness {
  std::deque<message> reqs;
  std::deque<message> resps;
  session state;
  stitch_counters counters;
  std::vector<record> out;
  void run(bool eos = false) { stitch(reqs, resps, eos, state, counters, out); }
  std::vector<std::string> texts() const {
    std::vector<std::string> v;
    for (const record& r : out) v.push_back(std::string{request_name(r.req_tag)} + ": " + r.req + " -> " + r.resp);
    return v;
  }
};

TEST(pgsql_stitch, query_waits_for_ready_for_query) {
  harness h;
  push(h.reqs, message_type::request, msg('Q', cstr("SELECT 1; SELECT 2")), 1);
  push(h.resps, message_type::response, complete_msg("SELECT 1"), 2);
  h.run();
  EXPECT_TRUE(h.out.empty());
  EXPECT_EQ(h.reqs.size(), 1u);
  push(h.resps, message_type::response, complete_msg("SELECT 1") + ready, 3);
  h.run();
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].resp, "SELECT 1\nSELECT 1");
  EXPECT_EQ(h.out[0].resp_timestamp_ns, 3);  // the last result, not the first
  EXPECT_TRUE(h.reqs.empty());
  EXPECT_TRUE(h.resps.empty());
}

TEST(pgsql_stitch, asynchronous_messages_inside_an_answer_are_skipped) {
  harness h;
  push(h.reqs, message_type::request, msg('Q', cstr("SET x = 1")), 1);
  std::string notice = msg('N', "SNOTICE" + std::string(1, '\0') + std::string(1, '\0'));
  push(h.resps, message_type::response,
       notice + msg('S', cstr("x") + cstr("1")) + complete_msg("SET") + msg('A', be32(1) + cstr("ch") + cstr("")) + ready, 2);
  h.run();
  EXPECT_EQ(h.texts(), (std::vector<std::string>{"Query: SET x = 1 -> SET"}));
  EXPECT_EQ(h.counters.errors, 0u);
}

TEST(pgsql_stitch, empty_query) {
  harness h;
  push(h.reqs, message_type::request, msg('Q', cstr("")), 1);
  push(h.resps, message_type::response, msg('I', "") + ready, 2);
  h.run();
  EXPECT_EQ(h.texts(), (std::vector<std::string>{"Query:  -> EMPTY QUERY RESPONSE"}));
}

TEST(pgsql_stitch, extended_error_skips_to_sync) {
  harness h;
  push(h.reqs, message_type::request,
       parse_msg("", "SELEC 1") + bind_msg("", "", "1") + execute_msg("") + sync +
           parse_msg("", "SELECT $1") + bind_msg("", "", "7") + execute_msg("") + sync, 1);
  push(h.resps, message_type::response,
       error_msg("42601") + ready + msg('1', "") + msg('2', "") + msg('D', wire::data_row({"7"})) +
           complete_msg("SELECT 1") + ready, 2);
  h.run();
  EXPECT_EQ(h.texts(), (std::vector<std::string>{
                           "Parse: SELEC 1 -> ERROR RESPONSE [Severity=ERROR Code=42601]",
                           "Parse: SELECT $1 -> PARSE COMPLETE",
                           "Bind: portal= statement= parameters=[[format=kText value=7]] result_format_codes=[] -> BIND COMPLETE",
                           "Execute: query=[SELECT $1] params=[7] -> 7\nSELECT 1",
                       }));
  EXPECT_EQ(h.counters.errors, 0u);
  EXPECT_FALSE(h.state.skipping_to_sync);
  EXPECT_TRUE(h.reqs.empty());
  EXPECT_TRUE(h.resps.empty());
}

TEST(pgsql_stitch, statement_describe_gives_execute_its_column_names) {
  harness h;
  push(h.reqs, message_type::request,
       parse_msg("s1", "SELECT a FROM t WHERE b = $1") + msg('D', "S" + cstr("s1")) + sync +
           bind_msg("", "s1", "x") + execute_msg("") + sync, 1);
  std::string row_desc = msg('T', be16(1) + cstr("a") + be32(1) + be16(1) + be32(23) + be16(4) + be32(0xffffffff) + be16(0));
  push(h.resps, message_type::response,
       msg('1', "") + msg('t', be16(1) + be32(25)) + row_desc + ready + msg('2', "") +
           msg('D', wire::data_row({"5"})) + msg('D', wire::data_row({nullptr})) + complete_msg("SELECT 2") + ready, 2);
  h.run();
  ASSERT_EQ(h.out.size(), 4u);
  EXPECT_EQ(h.out[1].req, "type=kStatement name=s1");
  EXPECT_EQ(h.out[1].resp,
            "ROW DESCRIPTION [name=a table_oid=1 attr_num=1 type_oid=23 type_size=4 type_modifier=-1 fmt_code=kText]");
  EXPECT_EQ(h.out[3].req, "query=[SELECT a FROM t WHERE b = $1] params=[x]");
  EXPECT_EQ(h.out[3].resp, "a\n5\n[NULL]\nSELECT 2");
}

TEST(pgsql_stitch, close_forgets_the_statement_and_unknown_statements_show_empty) {
  harness h;
  push(h.reqs, message_type::request,
       parse_msg("s1", "SELECT 1") + msg('C', "S" + cstr("s1")) + sync + bind_msg("", "s1", "x") + execute_msg("") + sync, 1);
  push(h.resps, message_type::response,
       msg('1', "") + msg('3', "") + ready + msg('2', "") + complete_msg("SELECT 0") + ready, 2);
  h.run();
  ASSERT_EQ(h.out.size(), 3u);  // Parse, Bind, Execute: Close and Sync make no record
  EXPECT_EQ(h.out[2].req, "query=[] params=[x]");
  EXPECT_EQ(h.state.entries(), 1u);  // the unnamed portal
}

TEST(pgsql_stitch, answer_of_the_wrong_kind_drops_the_request) {
  harness h;
  push(h.reqs, message_type::request, parse_msg("", "SELECT 1") + sync, 1);
  push(h.resps, message_type::response, msg('2', "") + ready, 2);
  h.run();
  EXPECT_TRUE(h.out.empty());
  EXPECT_EQ(h.counters.errors, 2u);  // Parse got BindComplete; Sync then got BindComplete too
  EXPECT_EQ(h.counters.attempts, 2u);
}

TEST(pgsql_stitch, answers_older_than_the_request_are_orphans) {
  harness h;
  push(h.resps, message_type::response, msg('2', "") + complete_msg("SELECT 1") + ready, 1);
  push(h.resps, message_type::response, complete_msg("INSERT 0 1") + ready, 3);
  push(h.reqs, message_type::request, msg('Q', cstr("INSERT INTO t VALUES (1)")), 2);
  h.run();
  EXPECT_EQ(h.texts(), (std::vector<std::string>{"Query: INSERT INTO t VALUES (1) -> INSERT 0 1"}));
  EXPECT_EQ(h.counters.orphan_responses, 3u);
  EXPECT_EQ(h.counters.errors, 1u);  // one run of orphans, one error
}

TEST(pgsql_stitch, leftovers_at_end_of_stream_are_orphans) {
  harness h;
  push(h.resps, message_type::response, msg('S', cstr("a") + cstr("b")) + complete_msg("SELECT 1"), 1);
  h.run();
  EXPECT_EQ(h.resps.size(), 1u);  // the parameter status went at once, the rest may find its request
  EXPECT_EQ(h.counters.interim_responses, 1u);
  h.run(true);
  EXPECT_TRUE(h.resps.empty());
  EXPECT_EQ(h.counters.orphan_responses, 1u);
}

TEST(pgsql_stitch, long_results_are_merged_while_waiting) {
  harness h;
  push(h.reqs, message_type::request, msg('Q', cstr("SELECT g FROM generate_series(1, 10000) g")), 1);
  for (int i = 1; i <= 10000; ++i) push(h.resps, message_type::response, msg('D', wire::data_row({"123456"})), 2);
  h.run();
  ASSERT_EQ(h.resps.size(), 1u);
  EXPECT_EQ(h.resps[0].rows, 10000u);
  EXPECT_LE(h.resps[0].wire_size, default_max_row_text_bytes + header_bytes);
  push(h.resps, message_type::response, complete_msg("SELECT 10000") + ready, 3);
  h.run();
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_TRUE(h.out[0].resp.starts_with("123456\n123456\n"));
  EXPECT_TRUE(h.out[0].resp.ends_with("\nSELECT 10000"));
  EXPECT_LE(h.out[0].resp.size(), default_max_row_text_bytes + 64);
}

TEST(pgsql_stitch, copy_in_data_belongs_to_its_query) {
  harness h;
  push(h.reqs, message_type::request,
       msg('Q', cstr("COPY t FROM STDIN")) + msg('d', "1\n") + msg('d', "2\n") + msg('c', "") + msg('Q', cstr("SELECT 1")), 1);
  push(h.resps, message_type::response,
       msg('G', std::string(1, '\0') + be16(1) + be16(0)) + complete_msg("COPY 2") + ready + complete_msg("SELECT 1") + ready, 2);
  h.run();
  EXPECT_EQ(h.texts(), (std::vector<std::string>{"Query: COPY t FROM STDIN -> COPY 2", "Query: SELECT 1 -> SELECT 1"}));
  EXPECT_EQ(h.counters.errors, 0u);
}

TEST(pgsql_stitch, ssl_refusal_then_startup_make_no_record) {
  harness h;
  push(h.reqs, message_type::request, be32(8) + be32(80877103), 1);
  message reply;
  reply.kind = message_kind::encryption_reply;
  reply.tag = 'N';
  reply.timestamp_ns = 2;
  h.resps.push_back(reply);
  push(h.reqs, message_type::request, be32(13) + be32(196608) + std::string(5, '\0'), 3);
  push(h.resps, message_type::response, msg('R', be32(0)) + msg('K', be32(1) + be32(2)) + ready, 4);
  h.run();
  EXPECT_TRUE(h.out.empty());
  EXPECT_TRUE(h.reqs.empty());
  EXPECT_TRUE(h.resps.empty());
  EXPECT_EQ(h.counters.errors, 0u);
}

TEST(pgsql_stitch, session_is_bounded) {
  harness h;
  std::string reqs;
  std::string resps;
  for (std::size_t i = 0; i < max_session_entries + 10; ++i) {
    reqs += parse_msg("s" + std::to_string(i), "SELECT " + std::to_string(i));
    resps += msg('1', "");
  }
  push(h.reqs, message_type::request, reqs, 1);
  push(h.resps, message_type::response, resps, 2);
  h.run();
  EXPECT_EQ(h.out.size(), max_session_entries + 10);
  EXPECT_EQ(h.state.entries(), max_session_entries);
  EXPECT_EQ(h.counters.state_dropped, 10u);
  EXPECT_NE(h.state.find_statement("s1033"), nullptr);  // the newest stay
  EXPECT_EQ(h.state.find_statement("s0"), nullptr);

  // Bytes: two statements of 60 % of the bound each cannot both stay.
  std::string big(max_session_bytes * 3 / 5, 'x');
  push(h.reqs, message_type::request, parse_msg("big1", big) + parse_msg("big2", big), 3);
  push(h.resps, message_type::response, msg('1', "") + msg('1', ""), 4);
  h.run();
  EXPECT_LE(h.state.bytes(), max_session_bytes);
  EXPECT_EQ(h.state.find_statement("big1"), nullptr);
  EXPECT_NE(h.state.find_statement("big2"), nullptr);
}

}  // namespace
}  // namespace wisp::protocols::pgsql
