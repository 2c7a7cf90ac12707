#include "actors/protocols/http/stitch.hpp"

#include <gtest/gtest.h>

namespace wisp::protocols::http {
namespace {

message req(std::string path, std::int64_t ts) {
  message m;
  m.type = message_type::request;
  m.method = "GET";
  m.path = std::move(path);
  m.timestamp_ns = ts;
  return m;
}

message resp(std::int64_t status, std::int64_t ts) {
  message m;
  m.type = message_type::response;
  m.status = status;
  m.timestamp_ns = ts;
  return m;
}

TEST(http_stitch, pipelined_requests_pair_in_order) {
  std::deque<message> reqs{req("/a", 1), req("/b", 2), req("/c", 3)};
  std::deque<message> resps{resp(200, 4), resp(404, 5)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].req.path, "/a");
  EXPECT_EQ(out[0].resp.status, 200);
  EXPECT_EQ(out[1].req.path, "/b");
  EXPECT_EQ(out[1].resp.status, 404);
  EXPECT_EQ(reqs.size(), 1u);
  EXPECT_EQ(c.attempts, 2u);
  EXPECT_EQ(c.errors, 0u);
}

TEST(http_stitch, interim_responses_are_not_final) {
  std::deque<message> reqs{req("/upload", 1)};
  std::deque<message> resps{resp(100, 2), resp(103, 3), resp(201, 4)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].resp.status, 201);
  EXPECT_EQ(c.interim_responses, 2u);
}

TEST(http_stitch, switching_protocols_is_final) {
  std::deque<message> reqs{req("/ws", 1)};
  std::deque<message> resps{resp(101, 2)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  ASSERT_EQ(out.size(), 1u);
}

TEST(http_stitch, response_waits_for_its_request_until_end_of_stream) {
  std::deque<message> reqs;
  std::deque<message> resps{resp(200, 2)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  EXPECT_EQ(resps.size(), 1u);
  stitch(reqs, resps, true, c, out);
  EXPECT_TRUE(resps.empty());
  EXPECT_EQ(c.orphan_responses, 1u);
  EXPECT_EQ(c.errors, 1u);
}

TEST(http_stitch, response_older_than_request_is_an_orphan) {
  std::deque<message> reqs{req("/late", 10)};
  std::deque<message> resps{resp(200, 5), resp(200, 11)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].resp.timestamp_ns, 11);
  EXPECT_EQ(c.orphan_responses, 1u);
}

}  // namespace
}  // namespace wisp::protocols::http
