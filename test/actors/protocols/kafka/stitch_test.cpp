// Kafka pairing by correlation id.
#include "actors/protocols/kafka/stitch.hpp"

#include <gtest/gtest.h>

#include "test/actors/protocols/kafka/wire.hpp"

namespace wisp::protocols::kafka {
namespace {

message req(std::int32_t corr, std::int64_t ts, std::int16_t key = 18, bool expects_response = true) {
  message m;
  m.type = message_type::request;
  m.correlation_id = corr;
  m.api_key = key;
  m.api_version = 0;
  m.expects_response = expects_response;
  m.timestamp_ns = ts;
  return m;
}

message resp(std::int32_t corr, std::int64_t ts) {
  message m;
  m.type = message_type::response;
  m.correlation_id = corr;
  m.body = wire::i16(0) + wire::i32(0);  // ApiVersions v0: error_code, no api keys
  m.timestamp_ns = ts;
  return m;
}

TEST(kafka_stitch, pairs_by_correlation_id_in_any_order_and_decodes_the_response) {
  std::deque<message> reqs{req(1, 10), req(2, 11), req(3, 12)};
  std::deque<message> resps{resp(2, 20), resp(1, 21)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].req.correlation_id, 2);
  EXPECT_EQ(out[1].req.correlation_id, 1);
  EXPECT_EQ(out[0].resp.body, R"({"error_code":0,"api_keys":[]})");
  EXPECT_TRUE(resps.empty());
  ASSERT_EQ(reqs.size(), 1u);  // 3 still waits
  EXPECT_EQ(reqs.front().correlation_id, 3);
  EXPECT_EQ(c.attempts, 2u);
  EXPECT_EQ(c.errors, 0u);
}

TEST(kafka_stitch, orphans_and_responses_older_than_their_request_are_dropped) {
  std::deque<message> reqs{req(5, 30)};
  std::deque<message> resps{resp(3, 40), resp(5, 20), resp(9, 40)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(c.orphan_responses, 2u);  // 3 (below 5) and 5 (stamped before its request)
  EXPECT_EQ(c.errors, 2u);
  EXPECT_EQ(reqs.size(), 1u);
  // 9 may answer a request not parsed yet: it waits, and pairs once that request comes.
  ASSERT_EQ(resps.size(), 1u);
  reqs.push_back(req(9, 35));
  stitch(reqs, resps, false, c, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].req.correlation_id, 9);
  // At end of stream nothing waits.
  std::deque<message> none;
  std::deque<message> late{resp(11, 50)};
  stitch(none, late, true, c, out);
  EXPECT_TRUE(late.empty());
  EXPECT_EQ(c.orphan_responses, 3u);
}

TEST(kafka_stitch, produce_with_acks_0_is_a_record_without_response) {
  std::deque<message> reqs{req(1, 10, 0, false), req(2, 11, 0, true)};
  std::deque<message> resps;
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].req.correlation_id, 1);
  EXPECT_EQ(out[0].resp.timestamp_ns, 0);
  ASSERT_EQ(reqs.size(), 1u);
  // An acks=0 request never takes a response with its id.
  std::deque<message> r2{req(7, 10, 0, false)};
  std::deque<message> s2{resp(7, 20)};
  out.clear();
  stitch(r2, s2, false, c, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].resp.body.empty());
  EXPECT_EQ(c.orphan_responses, 1u);
}

}  // namespace
}  // namespace wisp::protocols::kafka

namespace wisp::protocols::kafka {
namespace {

TEST(kafka_stitch, many_frames_pair_in_one_pass_in_any_order) {
  constexpr int n = 20000;
  std::deque<message> reqs;
  std::deque<message> resps;
  for (int i = 0; i < n; ++i) reqs.push_back(req(i, i));
  for (int i = n - 1; i >= 0; --i) resps.push_back(resp(i, n + i));
  resps.push_back(resp(-5, 3 * n));  // below every id: an orphan
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  ASSERT_EQ(out.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ASSERT_EQ(out[static_cast<std::size_t>(i)].req.correlation_id, n - 1 - i);
  EXPECT_TRUE(reqs.empty());
  EXPECT_TRUE(resps.empty());
  EXPECT_EQ(c.orphan_responses, 1u);
}

}  // namespace
}  // namespace wisp::protocols::kafka
