// One connection per peer for unconnected datagram sockets (actors/sources/datagram_peers).
#include "actors/sources/datagram_peers.hpp"

#include <gtest/gtest.h>

namespace wisp::sources {
namespace {

using protocols::conn_key;
using protocols::direction;

protocols::conn_open open_of(int fd, std::string remote_addr, std::int64_t remote_port) {
  protocols::conn_open o;
  o.key = conn_key{100, fd, 5, 1};
  o.meta.local = {"127.0.0.1", 53};
  o.meta.remote = {std::move(remote_addr), remote_port};
  o.meta.role = schemas::trace_role::server;
  return o;
}

protocols::data_chunk chunk(int fd, direction d, std::string peer, std::int64_t port,
                            std::uint64_t pos, std::uint32_t size) {
  protocols::data_chunk c;
  c.key = conn_key{100, fd, 5, 1};
  c.dir = d;
  c.pos = pos;
  c.msg_size = size;
  c.bytes.assign(size, 'x');
  c.peer = {std::move(peer), port};
  return c;
}

TEST(datagram_peers, each_peer_becomes_its_own_connection_with_its_own_positions) {
  datagram_peers peers;
  peers.open(open_of(7, "0.0.0.0", 0));
  auto q1 = chunk(7, direction::ingress, "127.0.0.1", 4001, 0, 30);
  auto q2 = chunk(7, direction::ingress, "127.0.0.1", 4002, 30, 40);
  auto a1 = chunk(7, direction::egress, "127.0.0.1", 4001, 0, 50);
  auto e1 = peers.data(q1);
  auto e2 = peers.data(q2);
  auto e3 = peers.data(a1);
  ASSERT_TRUE(e1.open && e2.open);
  EXPECT_FALSE(e3.open) << "the answer goes to the first peer's connection";
  EXPECT_EQ(e1.open->meta.remote, (protocols::endpoint{"127.0.0.1", 4001}));
  EXPECT_EQ(e2.open->meta.remote, (protocols::endpoint{"127.0.0.1", 4002}));
  EXPECT_EQ(e1.open->meta.local, (protocols::endpoint{"127.0.0.1", 53}));
  EXPECT_EQ(e1.open->meta.role, schemas::trace_role::server);
  EXPECT_EQ(q1.key, e1.open->key);
  EXPECT_EQ(q2.key, e2.open->key);
  EXPECT_EQ(a1.key, q1.key);
  EXPECT_NE(q1.key, q2.key);
  EXPECT_EQ(q2.pos, 0U) << "the second peer's stream starts at 0, not after the first's bytes";
  auto q1b = chunk(7, direction::ingress, "127.0.0.1", 4001, 70, 10);
  EXPECT_FALSE(peers.data(q1b).open);
  EXPECT_EQ(q1b.pos, 30U);

  auto closes = peers.close(protocols::conn_close{conn_key{100, 7, 5, 1}, 99, 0, 0, 0, {}});
  ASSERT_EQ(closes.size(), 2U);
  EXPECT_TRUE(peers.close(protocols::conn_close{conn_key{100, 7, 5, 1}, 99, 0, 0, 0, {}}).empty());
}

TEST(datagram_peers, connections_with_a_known_remote_and_chunks_without_a_peer_pass_through) {
  datagram_peers peers;
  peers.open(open_of(8, "127.0.0.1", 6379));
  auto c = chunk(8, direction::ingress, "127.0.0.1", 4001, 12, 5);
  auto before = c.key;
  EXPECT_FALSE(peers.data(c).open);
  EXPECT_EQ(c.key, before);
  EXPECT_EQ(c.pos, 12U);
  peers.open(open_of(9, "-", -1));
  auto no_peer = chunk(9, direction::ingress, "-", -1, 3, 5);
  EXPECT_FALSE(peers.data(no_peer).open);
  EXPECT_EQ(no_peer.pos, 3U);
}

TEST(datagram_peers, a_flood_of_peers_is_bounded_and_counted) {
  datagram_peers peers;
  peers.open(open_of(7, "0.0.0.0", 0));
  std::size_t opens = 0, evictions = 0;
  const std::size_t n = datagram_peers::max_peers_per_socket + 10;
  for (std::size_t i = 0; i < n; ++i) {
    auto c = chunk(7, direction::ingress, "10.0.0.1", static_cast<std::int64_t>(1000 + i), 0, 1);
    auto e = peers.data(c);
    opens += e.open ? 1 : 0;
    evictions += e.evicted ? 1 : 0;
  }
  EXPECT_EQ(opens, n);
  EXPECT_EQ(evictions, 10U);
  EXPECT_EQ(peers.peers_evicted(), 10U);
  auto closes = peers.close(protocols::conn_close{conn_key{100, 7, 5, 1}, 1, 0, 0, 0, {}});
  EXPECT_EQ(closes.size(), datagram_peers::max_peers_per_socket);
}

}  // namespace
}  // namespace wisp::sources
