// CQL pairing by stream id (stitch.hpp).
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "actors/protocols/cql/stitch.hpp"

namespace wisp::protocols::cql {
namespace {

message msg(message_type type, std::int16_t stream, opcode op, std::string body, std::int64_t ts) {
  message m;
  m.type = type;
  m.version = 4;
  m.stream = stream;
  m.op = op;
  m.body = std::move(body);
  m.timestamp_ns = ts;
  return m;
}
message req(std::int16_t s, std::string body, std::int64_t ts) {
  return msg(message_type::request, s, opcode::query, std::move(body), ts);
}
message resp(std::int16_t s, std::string body, std::int64_t ts) {
  return msg(message_type::response, s, opcode::result, std::move(body), ts);
}

std::vector<std::string> pairs(const std::vector<record>& rs) {
  std::vector<std::string> out;
  for (const record& r : rs) out.push_back(r.req.body + "->" + r.resp.body);
  return out;
}

TEST(cql_stitch, responses_pair_by_stream_in_any_order) {
  std::deque<message> reqs{req(1, "a", 10), req(2, "b", 11), req(3, "c", 12)};
  std::deque<message> resps{resp(3, "C", 20), resp(1, "A", 21), resp(2, "B", 22)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  EXPECT_EQ(pairs(out), (std::vector<std::string>{"c->C", "a->A", "b->B"}));
  EXPECT_TRUE(reqs.empty());
  EXPECT_TRUE(resps.empty());
  EXPECT_EQ(c.attempts, 3u);
  EXPECT_EQ(c.errors, 0u);
}

TEST(cql_stitch, unanswered_requests_stay_queued) {
  std::deque<message> reqs{req(1, "a", 10), req(2, "b", 11)};
  std::deque<message> resps{resp(2, "B", 20)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  EXPECT_EQ(pairs(out), (std::vector<std::string>{"b->B"}));
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].body, "a");
}

TEST(cql_stitch, reused_stream_pairs_the_oldest_request_before_the_response) {
  std::deque<message> reqs{req(5, "first", 10), req(5, "second", 30)};
  std::deque<message> resps{resp(5, "1", 20), resp(5, "2", 40)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  EXPECT_EQ(pairs(out), (std::vector<std::string>{"first->1", "second->2"}));
}

TEST(cql_stitch, response_without_request_is_an_orphan) {
  std::deque<message> reqs{req(1, "later", 50)};
  std::deque<message> resps{resp(9, "X", 20), resp(1, "too early", 40)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(c.attempts, 2u);
  EXPECT_EQ(c.errors, 2u);
  EXPECT_EQ(c.orphan_responses, 2u);
  EXPECT_EQ(reqs.size(), 1u);
}

TEST(cql_stitch, event_is_a_record_of_its_own_with_a_register_stand_in) {
  std::deque<message> reqs{req(-1, "never paired with an event", 1)};
  std::deque<message> resps{msg(message_type::response, -1, opcode::event, "SCHEMA_CHANGE", 30)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].req.op, opcode::register_);
  EXPECT_EQ(out[0].req.body, "-");
  EXPECT_EQ(out[0].req.timestamp_ns, 30);
  EXPECT_EQ(out[0].resp.body, "SCHEMA_CHANGE");
  EXPECT_EQ(reqs.size(), 1u);
  EXPECT_EQ(c.errors, 0u);
}

}  // namespace
}  // namespace wisp::protocols::cql
