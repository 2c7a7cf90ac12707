// The broker's bookkeeping of one distributed query: which agents each stream still waits for,
// the warnings that name an agent whose rows are missing, and the agents' loss counters.
#include "cluster/stream_tracker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

using namespace std::chrono_literals;
using namespace wisp;
using namespace wisp::cluster;

namespace {

constexpr std::int64_t t0 = 1'000'000'000;

// Two streams: "agg" from agents 1 and 2, "top" from agent 2 only; "none" from no agent.
stream_tracker two_agents() {
  return stream_tracker{{{"agg", {1, 2}}, {"top", {2}}, {"none", {}}}, {{1, "node-a"}, {2, "node-b"}}, t0};
}

TEST(stream_tracker, a_stream_is_complete_when_every_producer_ended_it) {
  auto t = two_agents();
  EXPECT_EQ(t.initially_complete(), std::vector<std::string>{"none"});
  EXPECT_TRUE(t.on_end(1, "agg", wire::status::ok, "", t0).empty());
  EXPECT_EQ(t.on_end(2, "agg", wire::status::ok, "", t0), std::vector<std::string>{"agg"});
  EXPECT_FALSE(t.all_complete());
  EXPECT_EQ(t.on_end(2, "top", wire::status::ok, "", t0), std::vector<std::string>{"top"});
  EXPECT_TRUE(t.all_complete());
  EXPECT_TRUE(t.warnings().empty());
  EXPECT_EQ(t.agents(), (std::set<std::uint32_t>{1, 2}));
}

TEST(stream_tracker, batches_and_ends_from_agents_not_producing_a_stream_are_ignored) {
  auto t = two_agents();
  EXPECT_TRUE(t.on_batch(2, "top", t0));
  EXPECT_FALSE(t.on_batch(1, "top", t0));   // agent 1 does not produce "top"
  EXPECT_FALSE(t.on_batch(3, "agg", t0));   // no such agent in this query
  EXPECT_FALSE(t.on_batch(1, "other", t0));
  EXPECT_TRUE(t.on_end(3, "agg", wire::status::ok, "", t0).empty());
  EXPECT_TRUE(t.on_end(1, "agg", wire::status::ok, "", t0).empty());
  EXPECT_FALSE(t.on_batch(1, "agg", t0));   // ended already
}

TEST(stream_tracker, a_failed_fragment_ends_all_of_its_agents_streams_with_a_warning) {
  auto t = two_agents();
  auto done = t.on_end(2, "", wire::status::exec_error, "refused its plan fragment: bad bytes", t0);
  EXPECT_EQ(done, std::vector<std::string>{"top"});  // "agg" still waits for agent 1
  ASSERT_EQ(t.warnings().size(), 1u);
  EXPECT_EQ(t.warnings()[0], "agent node-b (asid 2): refused its plan fragment: bad bytes (its rows are missing)");
}

TEST(stream_tracker, lost_and_stalled_agents_end_their_streams_with_warnings_naming_them) {
  auto t = two_agents();
  EXPECT_EQ(t.on_lost(1, "was lost (no heartbeat)"), std::vector<std::string>{});  // agent 2 still owes "agg"
  EXPECT_TRUE(t.on_lost(1, "was lost again").empty());  // nothing of its is open any more
  // Agent 2 spoke at t0 + 5 s; at t0 + 12 s it is not stalled yet, at t0 + 15 s it is.
  EXPECT_TRUE(t.on_batch(2, "agg", t0 + std::chrono::nanoseconds(5s).count()));
  EXPECT_TRUE(t.check_stalls(t0 + std::chrono::nanoseconds(12s).count(), 10s).empty());
  auto done = t.check_stalls(t0 + std::chrono::nanoseconds(15s).count(), 10s);
  std::sort(done.begin(), done.end());
  EXPECT_EQ(done, (std::vector<std::string>{"agg", "top"}));
  EXPECT_TRUE(t.all_complete());
  ASSERT_EQ(t.warnings().size(), 2u);
  EXPECT_EQ(t.warnings()[0], "agent node-a (asid 1) was lost (no heartbeat) mid-query: the result lacks its rows");
  EXPECT_EQ(t.warnings()[1], "agent node-b (asid 2) stalled (nothing for 10 s) mid-query: the result lacks its rows");
}

// An agent sends its counters as it ends each stream; the heartbeat's may be older or newer
// (another stream's end may carry an earlier collection). The larger value of each counter wins.
TEST(stream_tracker, an_agents_losses_are_the_freshest_of_its_heartbeat_and_its_ends) {
  auto t = two_agents();
  const std::vector<wire::loss_counter> heartbeat{{"socket tracer", "data_events_lost", 4},
                                                  {"http parser", "parse_errors", 9}};
  EXPECT_EQ(t.losses(2, heartbeat).size(), 2u);  // no end yet: the heartbeat's
  t.on_end(2, "top", wire::status::ok, "", t0, {{"socket tracer", "data_events_lost", 7}, {"dns parser", "gaps", 1}});
  t.on_end(2, "agg", wire::status::ok, "", t0, {{"socket tracer", "data_events_lost", 6}});  // an older collection
  auto got = t.losses(2, heartbeat);
  ASSERT_EQ(got.size(), 3u);
  std::map<std::string, std::uint64_t> by_name;
  for (const auto& l : got) by_name[l.stage + "/" + l.name] = l.value;
  EXPECT_EQ(by_name.at("socket tracer/data_events_lost"), 7u);
  EXPECT_EQ(by_name.at("http parser/parse_errors"), 9u);  // only the heartbeat had it
  EXPECT_EQ(by_name.at("dns parser/gaps"), 1u);
  // Another agent's ends do not leak into this one's.
  EXPECT_EQ(t.losses(1, {}).size(), 0u);
}

// With --parsers=N each protocol's N parser actors report the same stage and name: one report's
// entries add up, in heartbeats and in ends of stream alike.
TEST(stream_tracker, a_counter_reported_by_each_parser_shard_is_their_sum) {
  auto t = two_agents();
  const std::vector<wire::loss_counter> shards{{"http parser", "parse_errors", 5}, {"http parser", "parse_errors", 7}};
  auto got = t.losses(1, shards);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, 12u);
  t.on_end(1, "agg", wire::status::ok, "", t0, {{"http parser", "parse_errors", 6}, {"http parser", "parse_errors", 8}});
  EXPECT_EQ(t.losses(1, shards).at(0).value, 14u);
}

}  // namespace
