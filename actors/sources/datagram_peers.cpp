#include "actors/sources/datagram_peers.hpp"

#include <algorithm>
#include <functional>

namespace wisp::sources {

namespace {
/// Generations of peer connections: the high bit keeps them apart from the kernel's.
constexpr std::uint64_t peer_generation_bit = std::uint64_t{1} << 63;
}  // namespace

bool unspecified(const protocols::endpoint& e) {
  return e.port <= 0 || e.addr == "-" || e.addr == "0.0.0.0" || e.addr == "::";
}

std::size_t datagram_peers::peer_key_hash::operator()(const peer_key& k) const noexcept {
  return std::hash<std::string>{}(k.addr) ^ (static_cast<std::size_t>(k.port) * 0x9e3779b97f4a7c15ULL);
}

protocols::conn_close datagram_peers::close_of(const protocols::conn_key& key,
                                               std::int64_t time_ns) {
  protocols::conn_close c;
  c.key = key;
  c.time_ns = time_ns;
  return c;
}

void datagram_peers::open(const protocols::conn_open& ev) {
  if (!unspecified(ev.meta.remote))
    return;
  if (sockets_.size() >= max_sockets && !sockets_.contains(ev.key)) {
    // Its peer connections stay open in the parsers until their idle limits end them.
    sockets_.erase(socket_order_.front());
    socket_order_.pop_front();
    ++sockets_forgotten_;
  }
  auto [it, added] = sockets_.insert_or_assign(ev.key, socket_state{ev, {}, {}});
  if (added)
    socket_order_.push_back(ev.key);
}

datagram_peers::events datagram_peers::data(protocols::data_chunk& ev) {
  events out;
  if (unspecified(ev.peer))
    return out;
  auto s = sockets_.find(ev.key);
  if (s == sockets_.end())
    return out;
  auto& sock = s->second;
  peer_key pk{ev.peer.addr, ev.peer.port};
  auto p = sock.peers.find(pk);
  if (p == sock.peers.end()) {
    if (sock.peers.size() >= max_peers_per_socket) {
      auto oldest = sock.peers.find(sock.order.front());
      out.evicted = close_of(oldest->second.key, ev.time_ns);
      sock.peers.erase(oldest);
      sock.order.pop_front();
      ++peers_evicted_;
    }
    peer_conn pc;
    pc.key = ev.key;
    pc.key.generation = peer_generation_bit | next_generation_++;
    p = sock.peers.emplace(pk, pc).first;
    sock.order.push_back(pk);
    protocols::conn_open o = sock.open;
    o.key = pc.key;
    o.time_ns = ev.time_ns;
    o.meta.remote = ev.peer;
    out.open = std::move(o);
  }
  auto& pos = p->second.pos[ev.dir == protocols::direction::egress ? 0 : 1];
  ev.key = p->second.key;
  ev.pos = pos;
  pos += ev.msg_size;
  return out;
}

std::vector<protocols::conn_close> datagram_peers::close(const protocols::conn_close& ev) {
  std::vector<protocols::conn_close> out;
  auto s = sockets_.find(ev.key);
  if (s == sockets_.end())
    return out;
  for (const auto& [pk, pc] : s->second.peers)
    out.push_back(close_of(pc.key, ev.time_ns));
  sockets_.erase(s);
  socket_order_.erase(std::find(socket_order_.begin(), socket_order_.end(), ev.key));
  return out;
}

}  // namespace wisp::sources
