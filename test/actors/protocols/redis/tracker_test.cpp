// conn_tracker<redis::protocol> end to end on the recorded fixtures.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/redis/protocol.hpp"
#include "test/actors/protocols/redis/resp_builder.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::redis {
namespace {

using schemas::trace_role;
using test::now_ns;
using test::run;

conn_meta meta_with(trace_role role) { return test::loopback_meta(role, 6379); }

std::vector<record> records_of(const std::string& file) {
  tracker t{{}, meta_with(trace_role::server)};
  return run(t, test::to_chunks(test::load_trace("redis/fixtures/" + file), true));
}

std::vector<std::string> summary(const std::vector<record>& rs) {
  std::vector<std::string> out;
  for (const record& r : rs) out.push_back(r.req.command + " " + r.req.payload + " -> " + r.resp.payload);
  return out;
}

// Lines of a command file the fixture's client read (one request each).
std::size_t command_lines(const std::string& file) {
  std::ifstream in{std::string{WISP_SOURCE_DIR} + "/test/actors/protocols/redis/fixtures/" + file};
  std::string all{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  return static_cast<std::size_t>(std::count(all.begin(), all.end(), '\n'));
}

struct fixture_expectation {
  std::string file;
  std::size_t records;  // operations the client performed (see fixtures/README.md)
};

class redis_tracker_fixture : public ::testing::TestWithParam<fixture_expectation> {};

TEST_P(redis_tracker_fixture, n_operations_make_n_records) {
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, test::to_chunks(test::load_trace("redis/fixtures/" + GetParam().file), true));
  EXPECT_EQ(rs.size(), GetParam().records);
  for (const record& r : rs) EXPECT_GE(r.resp.timestamp_ns, r.req.timestamp_ns);
  test::expect_clean_run(t, rs);
}

TEST_P(redis_tracker_fixture, role_is_inferred_from_the_traffic) {
  auto reads = test::load_trace("redis/fixtures/" + GetParam().file);
  tracker t{{}, meta_with(trace_role::unknown), trace_both_sides};
  EXPECT_EQ(run(t, test::to_chunks(reads, true)).size(), GetParam().records);
  EXPECT_EQ(t.meta().role, trace_role::server);
}

TEST_P(redis_tracker_fixture, client_side_sees_the_same_records) {
  auto reads = test::load_trace("redis/fixtures/" + GetParam().file);
  tracker t{{}, meta_with(trace_role::client), trace_both_sides};
  EXPECT_EQ(summary(run(t, test::to_chunks(reads, false))), summary(records_of(GetParam().file)));
}

// Each piece is processed in its own round. One-byte pieces, except for the fixtures with
// replies of ~170 KB (COMMAND DOCS), where a frame still incomplete is parsed again in every
// round: 97-byte pieces keep those to seconds while boundaries still fall everywhere.
TEST_P(redis_tracker_fixture, small_chunks_processed_every_round_give_the_same_records) {
  auto reads = test::load_trace("redis/fixtures/" + GetParam().file);
  const bool large = test::side_bytes(reads, true).size() + test::side_bytes(reads, false).size() > 20'000;
  const std::size_t piece = large ? 97 : 1;
  tracker t{{}, meta_with(trace_role::server)};
  auto out = test::run_rounds(t, test::pieces(test::to_chunks(reads, true), piece));
  EXPECT_EQ(summary(out), summary(records_of(GetParam().file)));
}

INSTANTIATE_TEST_SUITE_P(
    redis, redis_tracker_fixture,
    ::testing::Values(
        // COMMAND DOCS (redis-cli reading stdin asks for it) + one per line of the file.
        fixture_expectation{"cli_basic.trace", 1 + command_lines("basic_commands.txt")},
        // HELLO 3 + COMMAND DOCS + one per line + the push DEBUG PROTOCOL push sends.
        fixture_expectation{"cli_resp3.trace", 3 + command_lines("resp3_commands.txt")},
        // SUBSCRIBE news sport (one record; the second confirmation is consumed) + 2 messages.
        fixture_expectation{"cli_pubsub.trace", 3},
        // HELLO 3 + PSUBSCRIBE + 2 pattern messages.
        fixture_expectation{"cli_pubsub_resp3.trace", 4},
        // redis-benchmark -n 48 -P 16: 48 SETs / 48 GETs; -n 16 -d 5000: 16 large SETs.
        fixture_expectation{"benchmark_set_pipelined.trace", 48},
        fixture_expectation{"benchmark_get_pipelined.trace", 48},
        fixture_expectation{"benchmark_set_large.trace", 16},
        // PING, SET, GET, ECHO, QUIT (the empty line gets no reply).
        fixture_expectation{"raw_inline.trace", 5},
        // 9 requests + 2 pushes (an invalidation and DEBUG PROTOCOL push's push).
        fixture_expectation{"raw_resp3_pipelined.trace", 11}),
    [](const auto& info) {
      std::string n = info.param.file;
      return n.substr(0, n.find('.'));
    });

const record* find(const std::vector<record>& rs, std::string_view command, std::string_view args_prefix) {
  for (const record& r : rs)
    if (r.req.command == command && r.req.payload.starts_with(args_prefix)) return &r;
  return nullptr;
}

TEST(redis_tracker, redis_cli_session_has_pixie_rendering) {
  auto rs = records_of("cli_basic.trace");
  struct expectation {
    std::string command, args_prefix, resp;
  };
  for (const auto& e : std::vector<expectation>{
           {"PING", "{}", "PONG"},
           {"SET", R"({"key":"greeting","value":"hello world","options":[]})", "OK"},
           {"SET", R"({"key":"session:1","value":"abc","options":["EX 60","NX"]})", "OK"},
           {"GET", R"({"key":"greeting"})", "hello world"},
           {"GET", R"({"key":"missing"})", "<NULL>"},
           {"INCRBY", R"({"key":"counter","increment":"41"})", "42"},
           {"INCR", R"({"key":"greeting"})", "-ERR value is not an integer or out of range"},
           {"", R"(["FOO","bar"])", "-ERR unknown command 'FOO', with args beginning with: 'bar' "},
           {"LRANGE", R"({"key":"list","start":"0","stop":"-1"})", R"(["c","b","a"])"},
           {"HGETALL", R"({"key":"user:1"})", R"(["name","alice","age","30"])"},
           {"MGET", R"({"key":["greeting","missing","counter"]})", R"(["hello world","<NULL>","42"])"},
           {"CLIENT SETNAME", R"(["wisp-test"])", "OK"},
           {"CLIENT GETNAME", "[]", "wisp-test"},
           {"CONFIG GET", R"({"parameter":"maxmemory"})", R"(["maxmemory","0"])"},
           {"XINFO", R"(["STREAM","stream"])", ""},
       }) {
    const record* r = find(rs, e.command, e.args_prefix);
    ASSERT_NE(r, nullptr) << e.command << " " << e.args_prefix;
    if (!e.resp.empty()) {
      EXPECT_EQ(r->resp.payload, e.resp) << e.command;
    }
  }
  // COMMAND DOCS is a 170 KB nested reply over several reads: cut to the column limit.
  ASSERT_EQ(rs[0].req.command, "COMMAND");
  EXPECT_EQ(rs[0].req.payload, R"(["DOCS"])");
  EXPECT_EQ(rs[0].resp.payload.size(), default_max_payload_bytes + truncated_suffix.size());
  EXPECT_GT(rs[0].resp.bytes_cut, 100'000u);
}

TEST(redis_tracker, resp3_types_from_redis) {
  auto rs = records_of("cli_resp3.trace");
  auto resp_of = [&](std::string_view cmd, std::string_view args) {
    const record* r = find(rs, cmd, args);
    return r == nullptr ? std::string{"<no record>"} : r->resp.payload;
  };
  EXPECT_TRUE(resp_of("HELLO", R"(["3"])").starts_with(R"({"server":"redis","version":)"));
  EXPECT_EQ(resp_of("HGETALL", R"({"key":"h"})"), R"({"f1":"v1","f2":"v2"})");
  EXPECT_EQ(resp_of("SMEMBERS", R"({"key":"s"})"), R"(["x","y"])");
  EXPECT_EQ(resp_of("ZRANGE", R"(["z","0")"), R"(["[\"one\",\"1.5\"]","[\"two\",\"2\"]"])");
  EXPECT_EQ(resp_of("ZSCORE", R"({"key":"z")"), "1.5");
  EXPECT_EQ(resp_of("GET", R"({"key":"missing"})"), "<NULL>");
  EXPECT_EQ(resp_of("", R"(["DEBUG","PROTOCOL","true"])"), "true");
  EXPECT_EQ(resp_of("", R"(["DEBUG","PROTOCOL","verbatim"])"), "This is a verbatim\nstring");
  EXPECT_EQ(resp_of("", R"(["DEBUG","PROTOCOL","map"])"), R"({"0":"false","1":"true","2":"false"})");
  EXPECT_EQ(resp_of("EVAL", R"(["return)"), "-MYERR custom");
  // DEBUG PROTOCOL push: the push comes first and is a record of its own.
  EXPECT_EQ(resp_of("PUSH SERVER-CPU-USAGE", ""), R"(["server-cpu-usage","42"])");
  EXPECT_EQ(resp_of("", R"(["DEBUG","PROTOCOL","push"])"), "Some real reply following the push reply");
}

TEST(redis_tracker, pipelined_resp3_with_attribute_big_number_and_pushes) {
  auto rs = records_of("raw_resp3_pipelined.trace");
  std::vector<std::string> cmds;
  for (const record& r : rs) cmds.push_back(r.req.command.empty() ? r.req.payload : r.req.command);
  EXPECT_EQ(cmds, (std::vector<std::string>{"HELLO", R"(["DEBUG","PROTOCOL","bignum"])", R"(["DEBUG","PROTOCOL","attrib"])",
                                            "CLIENT TRACKING", "SET", "GET", "SET", "PUSH INVALIDATE", "PUSH SERVER-CPU-USAGE",
                                            R"(["DEBUG","PROTOCOL","push"])", "QUIT"}));
  EXPECT_EQ(rs[1].resp.payload, "1234567999999999999999999999999999999");
  EXPECT_EQ(rs[2].resp.payload, "Some real reply following the attribute");
  EXPECT_EQ(rs[7].resp.payload, R"(["invalidate","[\"tracked\"]"])");
  EXPECT_EQ(rs[7].resp.timestamp_ns - rs[7].req.timestamp_ns, 0);
}

TEST(redis_tracker, pubsub_subscriber) {
  auto rs = records_of("cli_pubsub.trace");
  EXPECT_EQ(summary(rs), (std::vector<std::string>{
                             R"(SUBSCRIBE {"channel":["news","sport"]} -> ["subscribe","news","1"])",
                             R"(PUSH PUB  -> ["message","news","hello"])",
                             R"(PUSH PUB  -> ["message","sport","goal 1-0"])"}));
  auto rs3 = records_of("cli_pubsub_resp3.trace");
  ASSERT_EQ(rs3.size(), 4u);
  EXPECT_EQ(rs3[2].req.command, "PUSH PUB");
  EXPECT_EQ(rs3[3].resp.payload, R"(["pmessage","news*","news.eu","bonjour"])");
}

TEST(redis_tracker, large_pipelined_values_are_cut_and_counted) {
  auto rs = records_of("benchmark_set_large.trace");
  ASSERT_EQ(rs.size(), 16u);
  for (const record& r : rs) {
    EXPECT_EQ(r.req.command, "SET");
    EXPECT_EQ(r.req.payload.size(), default_max_payload_bytes + truncated_suffix.size());
    EXPECT_TRUE(r.req.payload.ends_with(truncated_suffix));
    EXPECT_GT(r.req.bytes_cut, 5000u - default_max_payload_bytes - 1);
    EXPECT_EQ(r.resp.payload, "OK");
  }
}

TEST(redis_tracker, inline_commands) {
  auto rs = records_of("raw_inline.trace");
  EXPECT_EQ(summary(rs), (std::vector<std::string>{
                             "PING {} -> PONG", R"(SET {"key":"inline:key","value":"two words","options":[]} -> OK)",
                             R"(GET {"key":"inline:key"} -> two words)", R"(ECHO {"message":"hello"} -> hello)", "QUIT [] -> OK"}));
  for (const record& r : rs) EXPECT_TRUE(r.req.inline_command);
}

// Both directions cut into two chunks at every byte boundary, delivered over two rounds.
TEST(redis_tracker, split_at_every_byte_boundary) {
  for (std::string file : {"raw_resp3_pipelined.trace", "cli_pubsub.trace", "benchmark_get_pipelined.trace", "raw_inline.trace"}) {
    auto make = [] { return tracker{{}, meta_with(trace_role::server)}; };
    EXPECT_EQ(test::first_bad_split(test::load_trace("redis/fixtures/" + file), make, summary,
                                    summary(records_of(file))),
              std::nullopt)
        << file;
  }
}

TEST(redis_tracker, mid_stream_start_resynchronises) {
  auto reads = test::load_trace("redis/fixtures/benchmark_set_pipelined.trace");
  std::string req = test::side_bytes(reads, true);
  std::string resp = test::side_bytes(reads, false);
  // Start inside the 17th request's key and inside the 17th reply.
  const std::size_t one_req = resp::command({"SET", "key:__rand_int__", "VXK"}).size();
  std::size_t req_cut = 16 * one_req + 9;
  std::size_t resp_cut = 16 * 5 + 2;
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, {test::chunk(direction::ingress, req_cut, req.substr(req_cut), 1),
                    test::chunk(direction::egress, resp_cut, resp.substr(resp_cut), 2)});
  EXPECT_EQ(rs.size(), 48u - 17u);
  EXPECT_GT(t.stats().invalid_bytes, 0u);
}

TEST(redis_tracker, gap_in_replies_is_counted_and_parsing_resumes) {
  tracker t{{}, meta_with(trace_role::server)};
  std::string reqs;
  for (int i = 0; i < 4; ++i) reqs += resp::command({"GET", "k" + std::to_string(i)});
  std::string first = "$3\r\nv0\r";  // the rest of this read was not copied
  data_chunk lost = test::chunk(direction::egress, 0, first, 2);
  lost.msg_size = 9;  // "$3\r\nv0v\r\n"
  std::string rest = "$2\r\nv1\r\n$2\r\nv2\r\n";
  std::vector<record> out;
  t.add(test::chunk(direction::ingress, 0, reqs, 1));
  t.add(lost);
  t.add(test::chunk(direction::egress, 9, rest, 3));
  t.process(now_ns, out);
  EXPECT_EQ(t.stream(direction::egress).stats().gaps, 1u);
  EXPECT_EQ(t.stream(direction::egress).stats().bytes_dropped_at_gap, first.size());
  // FIFO cannot know which reply was lost: the two that survive pair with the first requests.
  EXPECT_EQ(out.size(), 2u);
}

TEST(redis_tracker, bulk_length_beyond_redis_limit_is_rejected_at_once) {
  tracker t{{}, meta_with(trace_role::server)};
  std::vector<record> out;
  std::string lie = "*2\r\n$3\r\nGET\r\n$999999999\r\n";
  std::string next = resp::command({"GET", "key"});
  t.add(test::chunk(direction::ingress, 0, lie + next, 1));
  t.add(test::chunk(direction::egress, 0, "$1\r\nv\r\n", 2));
  t.process(now_ns, out);
  EXPECT_EQ(t.stats().parse_errors, 1u);
  EXPECT_EQ(t.stats().invalid_bytes, lie.size());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].req.payload, R"({"key":"key"})");
}

TEST(redis_tracker, lying_bulk_length_within_redis_limit_is_bounded_and_recovers) {
  tracker t{{}, meta_with(trace_role::server)};
  std::vector<record> out;
  std::string lie = "*2\r\n$3\r\nGET\r\n$500000000\r\n";  // 500 MB announced, never sent
  std::string traffic;
  while (traffic.size() < 3 * default_max_retained_bytes) traffic += resp::command({"GET", "key"});
  t.add(test::chunk(direction::ingress, 0, lie + traffic, 1));
  t.process(now_ns, out);
  EXPECT_TRUE(out.empty());
  EXPECT_LE(t.stream(direction::ingress).retained_bytes(), default_max_retained_bytes);
  EXPECT_GE(t.stream(direction::ingress).stats().overflow_bytes, 2 * default_max_retained_bytes);
  // After the forced resync the following requests parse again.
  t.add(test::chunk(direction::ingress, lie.size() + traffic.size(), resp::command({"PING"}), 2));
  t.add(test::chunk(direction::egress, 0, "+PONG\r\n", 3));
  t.process(now_ns, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].req.command, "GET");  // FIFO: the first request parsed after the resync
  EXPECT_GT(t.unmatched(message_type::request), 1000u);
}

TEST(redis_tracker, garbage_is_counted_and_disables_the_tracker) {
  std::mt19937 rng{7};
  tracker t{{}, meta_with(trace_role::server)};
  auto out = test::feed_until_disabled(t, [&] {
    std::string bytes;
    for (int i = 0; i < 300; ++i) bytes.push_back(static_cast<char>(rng() | 0x80));
    return bytes + "\n*1\r\n:1\r\n";  // looks like a request, is not one
  });
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(t.disabled());
  EXPECT_EQ(t.why_disabled(), disable_reason::parse_failures);
  EXPECT_GT(t.stats().invalid_bytes, 0u);
}

TEST(redis_tracker, role_policy_rejects_client_side_by_default) {
  auto reads = test::load_trace("redis/fixtures/raw_inline.trace");
  tracker t{{}, meta_with(trace_role::client)};
  EXPECT_TRUE(run(t, test::to_chunks(reads, false)).empty());
  EXPECT_EQ(t.why_disabled(), disable_reason::role_not_traced);
}

}  // namespace
}  // namespace wisp::protocols::redis
