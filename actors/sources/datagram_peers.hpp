#pragma once
// One connection per peer for unconnected datagram sockets. A DNS server's UDP socket is one fd
// that answers many clients: the kernel names each datagram's peer (wisp_data_event.peer), and
// this turns the socket's traffic into one connection per peer, so that each query pairs with
// its own answer and rows show the client's address. Connections whose remote address is known
// (TCP, connected UDP) pass through untouched. No CAF: the socket tracer calls it per event.

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "actors/protocols/common/socket_events.hpp"

namespace wisp::sources {

class datagram_peers {
 public:
  /// Most peers one socket keeps apart; the oldest peer connection is closed to make room.
  static constexpr std::size_t max_peers_per_socket = 1024;
  /// Most sockets with peers tracked at once; over it, the oldest socket is forgotten.
  static constexpr std::size_t max_sockets = 4096;

  /// What the caller must deliver before the rewritten chunk: a new peer's open, and the close
  /// of a peer evicted to make room.
  struct events {
    std::optional<protocols::conn_open> open;
    std::optional<protocols::conn_close> evicted;
  };

  /// Remembers the open of a connection whose remote address is unknown or unspecified.
  void open(const protocols::conn_open& ev);

  /// For a chunk of such a connection that names its peer: rewrites key and position to the
  /// peer's own connection (positions count that peer's bytes only).
  events data(protocols::data_chunk& ev);

  /// The closes of the connection's peer connections; forgets the connection.
  std::vector<protocols::conn_close> close(const protocols::conn_close& ev);

  std::uint64_t peers_evicted() const noexcept { return peers_evicted_; }
  std::uint64_t sockets_forgotten() const noexcept { return sockets_forgotten_; }

 private:
  struct peer_key {
    std::string addr;
    std::int64_t port;
    friend bool operator==(const peer_key&, const peer_key&) = default;
  };
  struct peer_key_hash {
    std::size_t operator()(const peer_key& k) const noexcept;
  };
  struct peer_conn {
    protocols::conn_key key;
    std::uint64_t pos[2] = {0, 0};  // by direction
  };
  struct socket_state {
    protocols::conn_open open;
    std::unordered_map<peer_key, peer_conn, peer_key_hash> peers;
    std::deque<peer_key> order;  // oldest first
  };

  static protocols::conn_close close_of(const protocols::conn_key& key, std::int64_t time_ns);

  std::unordered_map<protocols::conn_key, socket_state, protocols::conn_key_hash> sockets_;
  std::deque<protocols::conn_key> socket_order_;
  std::uint64_t next_generation_ = 0;
  std::uint64_t peers_evicted_ = 0;
  std::uint64_t sockets_forgotten_ = 0;
};

/// True when a connection's remote endpoint names no peer (unknown, 0.0.0.0 or ::, port 0).
bool unspecified(const protocols::endpoint& e);

}  // namespace wisp::sources
