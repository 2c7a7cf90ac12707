#include "actors/protocols/redis/stitch.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/protocols/redis/parse.hpp"
#include "test/actors/protocols/redis/resp_builder.hpp"

namespace wisp::protocols::redis {
namespace {

using resp::command;

message request(const std::vector<std::string>& words, std::int64_t ts) {
  message m;
  EXPECT_EQ(parse_request(command(words), {}, m).state, parse_state::success);
  m.timestamp_ns = ts;
  return m;
}

message reply(const std::string& bytes, std::int64_t ts) {
  message m;
  EXPECT_EQ(parse_response(bytes, {}, m).state, parse_state::success);
  m.timestamp_ns = ts;
  return m;
}

std::string confirmation(const std::string& kind, const std::string& channel, int count) {
  return "*3\r\n" + resp::bulk(kind) + resp::bulk(channel) + ":" + std::to_string(count) + "\r\n";
}

std::string published(const std::string& channel, const std::string& text) {
  return "*3\r\n" + resp::bulk("message") + resp::bulk(channel) + resp::bulk(text);
}

// "CMD|resp" per record, in order.
std::vector<std::string> summary(const std::vector<record>& rs) {
  std::vector<std::string> out;
  for (const record& r : rs) out.push_back(r.req.command + "|" + r.resp.payload);
  return out;
}

struct queues {
  std::deque<message> reqs;
  std::deque<message> resps;
  stitch_counters counters;
  std::vector<record> out;
  void run(bool eos = false) { stitch(reqs, resps, eos, counters, out); }
};

TEST(redis_stitch, pipelined_requests_pair_in_order) {
  queues q;
  for (int i = 0; i < 3; ++i) q.reqs.push_back(request({"INCR", "c"}, 10 + i));
  for (int i = 0; i < 3; ++i) q.resps.push_back(reply(":" + std::to_string(i + 1) + "\r\n", 20 + i));
  q.run();
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{"INCR|1", "INCR|2", "INCR|3"}));
  ASSERT_EQ(q.out.size(), 3u);
  EXPECT_EQ(q.out[2].resp.timestamp_ns - q.out[2].req.timestamp_ns, 10);
  EXPECT_TRUE(q.reqs.empty());
  EXPECT_TRUE(q.resps.empty());
  EXPECT_EQ(q.counters.attempts, 3u);
  EXPECT_EQ(q.counters.errors, 0u);
}

TEST(redis_stitch, unanswered_requests_wait) {
  queues q;
  q.reqs.push_back(request({"GET", "a"}, 1));
  q.reqs.push_back(request({"GET", "b"}, 2));
  q.resps.push_back(reply("$1\r\nA\r\n", 3));
  q.run(true);
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{"GET|A"}));
  EXPECT_EQ(q.reqs.size(), 1u);
}

TEST(redis_stitch, reply_without_request_waits_until_end_of_stream_then_is_an_orphan) {
  queues q;
  q.resps.push_back(reply("+OK\r\n", 5));
  q.run();
  EXPECT_EQ(q.resps.size(), 1u);
  EXPECT_EQ(q.counters.attempts, 0u);
  q.run(true);
  EXPECT_TRUE(q.resps.empty());
  EXPECT_EQ(q.counters.orphan_responses, 1u);
  EXPECT_EQ(q.counters.errors, 1u);
}

TEST(redis_stitch, reply_older_than_request_is_an_orphan) {
  queues q;
  q.reqs.push_back(request({"PING"}, 10));
  q.resps.push_back(reply("+PONG\r\n", 5));   // answers a request sent before tracing began
  q.resps.push_back(reply("+PONG\r\n", 15));
  q.run();
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{"PING|PONG"}));
  EXPECT_EQ(q.counters.orphan_responses, 1u);
}

TEST(redis_stitch, published_messages_become_records_without_requests) {
  queues q;
  q.reqs.push_back(request({"SUBSCRIBE", "news"}, 1));
  q.resps.push_back(reply(confirmation("subscribe", "news", 1), 2));
  q.resps.push_back(reply(published("news", "hello"), 7));
  q.run();
  ASSERT_EQ(q.out.size(), 2u);
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{R"(SUBSCRIBE|["subscribe","news","1"])",
                                                      R"(PUSH PUB|["message","news","hello"])"}));
  EXPECT_EQ(q.out[1].req.timestamp_ns, 7);
  EXPECT_EQ(q.out[1].req.payload, "");
  EXPECT_EQ(q.out[1].resp.timestamp_ns, 7);
  EXPECT_EQ(q.counters.errors, 0u);
}

TEST(redis_stitch, pushes_do_not_take_a_pending_requests_reply) {
  queues q;
  q.reqs.push_back(request({"GET", "k"}, 1));
  q.resps.push_back(reply(">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n", 2));
  q.resps.push_back(reply("$1\r\nv\r\n", 3));
  q.run();
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{R"(PUSH INVALIDATE|["invalidate","[\"k\"]"])", "GET|v"}));
}

TEST(redis_stitch, one_record_per_subscribe_request_and_extra_confirmations_consumed) {
  queues q;
  q.reqs.push_back(request({"SUBSCRIBE", "a", "b", "c"}, 1));
  q.reqs.push_back(request({"PSUBSCRIBE", "n*"}, 2));
  q.resps.push_back(reply(confirmation("subscribe", "a", 1), 3));
  q.resps.push_back(reply(confirmation("subscribe", "b", 2), 4));
  q.run();  // the third confirmation has not arrived yet: the request stays, answered
  EXPECT_EQ(q.out.size(), 1u);
  EXPECT_EQ(q.reqs.size(), 2u);
  q.resps.push_back(reply(confirmation("subscribe", "c", 3), 5));
  q.resps.push_back(reply(confirmation("psubscribe", "n*", 4), 6));
  q.run();
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{R"(SUBSCRIBE|["subscribe","a","1"])",
                                                      R"(PSUBSCRIBE|["psubscribe","n*","4"])"}));
  EXPECT_EQ(q.counters.interim_responses, 2u);
  EXPECT_TRUE(q.reqs.empty());
  EXPECT_EQ(q.counters.errors, 0u);
}

TEST(redis_stitch, unsubscribe_all_consumes_confirmations_until_another_reply) {
  queues q;
  q.reqs.push_back(request({"UNSUBSCRIBE"}, 1));
  q.reqs.push_back(request({"PING"}, 2));
  q.resps.push_back(reply(confirmation("unsubscribe", "a", 1), 3));
  q.resps.push_back(reply(confirmation("unsubscribe", "b", 0), 4));
  q.resps.push_back(reply("+PONG\r\n", 5));
  q.run();
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{R"(UNSUBSCRIBE|["unsubscribe","a","1"])", "PING|PONG"}));
  EXPECT_EQ(q.counters.interim_responses, 1u);
  EXPECT_TRUE(q.reqs.empty());
}

TEST(redis_stitch, subscribe_answered_by_an_error_is_one_record) {
  queues q;
  q.reqs.push_back(request({"SUBSCRIBE", "a", "b"}, 1));
  q.reqs.push_back(request({"GET", "k"}, 2));
  q.resps.push_back(reply("-NOPERM no access\r\n", 3));
  q.resps.push_back(reply("$1\r\nv\r\n", 4));
  q.run();
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{"SUBSCRIBE|-NOPERM no access", "GET|v"}));
}

TEST(redis_stitch, answered_request_is_released_at_end_of_stream) {
  queues q;
  q.reqs.push_back(request({"UNSUBSCRIBE"}, 1));
  q.resps.push_back(reply(confirmation("unsubscribe", "a", 0), 2));
  q.run();
  EXPECT_EQ(q.reqs.size(), 1u);
  q.run(true);
  EXPECT_TRUE(q.reqs.empty());
  EXPECT_EQ(q.out.size(), 1u);
}

}  // namespace
}  // namespace wisp::protocols::redis
