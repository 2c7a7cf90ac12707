#include "actors/protocols/dns/stitch.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

namespace wisp::protocols::dns {
namespace {

message msg(bool response, std::uint16_t txid, std::string qname, std::int64_t ts) {
  message m;
  m.hdr.txid = txid;
  m.hdr.flags = response ? 0x8180 : 0x0100;
  m.queries.push_back({std::move(qname), 1});
  m.timestamp_ns = ts;
  return m;
}

std::vector<std::pair<std::uint16_t, std::string>> pairs(const std::vector<record>& rs) {
  std::vector<std::pair<std::uint16_t, std::string>> out;
  for (const record& r : rs) {
    EXPECT_EQ(r.req.hdr.txid, r.resp.hdr.txid);
    out.emplace_back(r.req.hdr.txid, r.req.queries.at(0).name);
  }
  return out;
}

TEST(dns_stitch, answers_out_of_order_pair_by_txid) {
  std::deque<message> reqs{msg(false, 1, "a", 10), msg(false, 2, "b", 11), msg(false, 3, "c", 12)};
  std::deque<message> resps{msg(true, 3, "c", 20), msg(true, 1, "a", 21), msg(true, 2, "b", 22)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  EXPECT_EQ(pairs(out), (std::vector<std::pair<std::uint16_t, std::string>>{{3, "c"}, {1, "a"}, {2, "b"}}));
  EXPECT_EQ(out[0].resp.timestamp_ns - out[0].req.timestamp_ns, 8);
  EXPECT_TRUE(reqs.empty());
  EXPECT_TRUE(resps.empty());
  EXPECT_EQ(c.attempts, 3u);
  EXPECT_EQ(c.errors, 0u);
}

TEST(dns_stitch, unanswered_requests_stay_queued) {
  std::deque<message> reqs{msg(false, 1, "a", 10), msg(false, 2, "b", 11)};
  std::deque<message> resps{msg(true, 2, "b", 20)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, true, c, out);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs.front().hdr.txid, 1);
}

TEST(dns_stitch, orphan_responses_are_dropped_and_counted) {
  // txid 5 was never asked; txid 1 answered before it was asked (its query predates tracing,
  // and the queued txid 1 is a later query); txid 2 asked a different question.
  std::deque<message> reqs{msg(false, 1, "a", 30), msg(false, 2, "b", 11)};
  std::deque<message> resps{msg(true, 5, "x", 20), msg(true, 1, "a", 21), msg(true, 2, "other", 22)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(resps.empty());
  EXPECT_EQ(reqs.size(), 2u);
  EXPECT_EQ(c.attempts, 3u);
  EXPECT_EQ(c.errors, 3u);
  EXPECT_EQ(c.orphan_responses, 3u);
}

TEST(dns_stitch, reused_txid_pairs_with_the_oldest_request_and_names_ignore_case) {
  std::deque<message> reqs{msg(false, 7, "WWW.Example", 10), msg(false, 7, "www.example", 15)};
  std::deque<message> resps{msg(true, 7, "www.example", 20), msg(true, 7, "www.EXAMPLE", 25)};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].req.timestamp_ns, 10);
  EXPECT_EQ(out[1].req.timestamp_ns, 15);
  EXPECT_EQ(c.errors, 0u);
}

TEST(dns_stitch, a_response_without_questions_pairs_by_txid_alone) {
  std::deque<message> reqs{msg(false, 4, "a", 10)};
  message resp = msg(true, 4, "", 20);
  resp.queries.clear();
  std::deque<message> resps{resp};
  stitch_counters c;
  std::vector<record> out;
  stitch(reqs, resps, false, c, out);
  EXPECT_EQ(out.size(), 1u);
}

}  // namespace
}  // namespace wisp::protocols::dns
