// conn_stats_aggregator: open, stats, data and close events of the socket tracer become
// cumulative conn_stats rows per (process, remote endpoint, role), emitted when they changed.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/sources/conn_stats.hpp"
#include "schemas/conn_stats.hpp"
#include "schemas/tables.hpp"

namespace wisp::sources {
namespace {

using protocols::conn_close;
using protocols::conn_key;
using protocols::conn_open;
using schemas::trace_role;

constexpr schemas::uint128 upid{1, 2};

conn_open open_of(std::int32_t fd, trace_role role, std::string remote, std::int64_t port) {
  conn_open o;
  o.key = {100, fd, 5, static_cast<std::uint64_t>(fd)};
  o.meta.upid = upid;
  o.meta.remote = {std::move(remote), port};
  o.meta.local = {"10.0.0.1", 8080};
  o.meta.role = role;
  return o;
}

conn_close totals(const conn_open& o, std::uint64_t wr, std::uint64_t rd, std::uint32_t protocol) {
  return {o.key, 0, wr, rd, protocol, o.meta.role};
}

struct row {
  std::string remote_addr;
  std::int64_t remote_port, role, family, protocol, open, close, active, sent, recv;
};

std::vector<row> emit(conn_stats_aggregator& a, std::int64_t now = 1000) {
  auto b = schemas::make_empty_batch(schemas::find_table("conn_stats")->rel);
  a.emit(now, b);
  std::vector<row> out;
  const auto& c = b.columns;
  using schemas::conn_stats;
  for (std::size_t i = 0; i < b.num_rows(); ++i) {
    EXPECT_EQ(c[conn_stats.col("time_")].ints()[i], now);
    EXPECT_EQ(c[conn_stats.col("upid")].uint128s()[i], upid);
    EXPECT_EQ(c[conn_stats.col("ssl")].bools()[i], 0);
    out.push_back({std::string{c[conn_stats.col("remote_addr")].strings().at(i)},
                   c[conn_stats.col("remote_port")].ints()[i], c[conn_stats.col("trace_role")].ints()[i],
                   c[conn_stats.col("addr_family")].ints()[i], c[conn_stats.col("protocol")].ints()[i],
                   c[conn_stats.col("conn_open")].ints()[i], c[conn_stats.col("conn_close")].ints()[i],
                   c[conn_stats.col("conn_active")].ints()[i], c[conn_stats.col("bytes_sent")].ints()[i],
                   c[conn_stats.col("bytes_recv")].ints()[i]});
  }
  return out;
}

TEST(conn_stats, server_connections_of_one_peer_collapse_and_counters_are_cumulative) {
  conn_stats_aggregator a;
  auto s1 = open_of(3, trace_role::server, "10.0.0.9", 41000);
  auto s2 = open_of(4, trace_role::server, "10.0.0.9", 41001);  // another client port, same key
  a.on_open(s1);
  a.on_open(s2);
  a.on_stats(totals(s1, 70'000, 100, WISP_PROTO_UNKNOWN));
  auto r = emit(a);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].remote_addr, "10.0.0.9");
  EXPECT_EQ(r[0].remote_port, 0);  // server side: client ports collapse
  EXPECT_EQ(r[0].role, 2);
  EXPECT_EQ(r[0].family, 1);
  EXPECT_EQ(r[0].open, 2);
  EXPECT_EQ(r[0].close, 0);
  EXPECT_EQ(r[0].active, 2);
  EXPECT_EQ(r[0].sent, 70'000);
  EXPECT_EQ(r[0].recv, 100);
  EXPECT_TRUE(emit(a).empty());  // nothing changed

  // Data of a parsed protocol refines the totals between stats events; a stale stats event
  // never moves them back.
  protocols::data_chunk d;
  d.key = s2.key;
  d.dir = protocols::direction::ingress;
  d.protocol = WISP_PROTO_HTTP;
  d.pos = 0;
  d.msg_size = 500;
  a.on_data(d);
  a.on_stats(totals(s1, 60'000, 0, WISP_PROTO_UNKNOWN));
  r = emit(a);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].sent, 70'000);
  EXPECT_EQ(r[0].recv, 600);
  EXPECT_EQ(r[0].protocol, WISP_PROTO_HTTP);

  a.on_close(totals(s1, 80'000, 100, WISP_PROTO_UNKNOWN));
  a.on_close(totals(s2, 0, 900, WISP_PROTO_HTTP));
  r = emit(a);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].close, 2);
  EXPECT_EQ(r[0].active, 0);
  EXPECT_EQ(r[0].sent, 80'000);
  EXPECT_EQ(r[0].recv, 1000);
  EXPECT_TRUE(emit(a).empty());  // closed keys are forgotten after their last row
}

TEST(conn_stats, clients_keep_the_remote_port_and_ipv6_is_its_family) {
  conn_stats_aggregator a;
  a.on_open(open_of(5, trace_role::client, "fd00::1", 6379));
  a.on_open(open_of(6, trace_role::client, "10.0.0.7", 5432));
  auto r = emit(a);
  ASSERT_EQ(r.size(), 2u);
  for (const auto& x : r) {
    EXPECT_EQ(x.role, 1);
    EXPECT_EQ(x.remote_port, x.remote_addr == "fd00::1" ? 6379 : 5432);
    EXPECT_EQ(x.family, x.remote_addr == "fd00::1" ? 2 : 1);
  }
}

TEST(conn_stats, events_without_their_open_are_counted_not_guessed) {
  conn_stats_aggregator a;
  auto lost = open_of(7, trace_role::server, "10.0.0.2", 1);
  a.on_stats(totals(lost, 65'536, 0, WISP_PROTO_UNKNOWN));
  a.on_close(totals(lost, 70'000, 0, WISP_PROTO_UNKNOWN));
  EXPECT_TRUE(emit(a).empty());
  EXPECT_EQ(a.events_without_open(), 2u);
}

}  // namespace
}  // namespace wisp::sources
