#pragma once
// What both ends of the cluster transport share: counters, socket options, the loopback rule for
// key-less endpoints, and a monitor that counts failed handshakes. Used by broker_transport,
// agent_transport, the client endpoint and libwisp_client.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <zmq.hpp>

#include "schemas/cluster_wire.hpp"

namespace wisp::cluster {

/// Counters of one transport end. Written by the thread that owns the transport; read them there.
struct transport_stats {
  std::uint64_t received = 0;            // good messages handed to the caller
  std::uint64_t sent = 0;
  std::uint64_t bytes_received = 0;      // encoded bytes of the `received` messages (routing frames not counted)
  std::uint64_t bytes_sent = 0;          // encoded bytes of the `sent` messages
  std::uint64_t send_failures = 0;       // peer gone, queue full, or encoded message over the limit
  std::uint64_t oversize = 0;            // decode_errc::oversize
  std::uint64_t malformed = 0;           // decode_errc::malformed (Verifier, identifier)
  std::uint64_t wrong_version = 0;       // decode_errc::wrong_version
  std::uint64_t invalid = 0;             // decode_errc::invalid
  std::uint64_t bad_frames = 0;          // a ZeroMQ message of an unexpected frame count
  std::uint64_t credit_violations = 0;   // batches past the credit or out of order (dropped)
  std::uint64_t handshake_failures = 0;  // ZMTP/CURVE handshakes that failed, ZAP refusals included
  std::uint64_t handshake_refused = 0;   // of those: the peer's ZAP handler refused our key

  void count(cluster_wire::decode_errc code);
  std::uint64_t dropped() const { return oversize + malformed + wrong_version + invalid + bad_frames + credit_violations; }
};

/// linger 0 and ZMQ_MAXMSGSIZE: libzmq drops the connection of a peer that sends more.
void set_common_options(zmq::socket_t& s, std::size_t max_message_bytes);

/// True for endpoints only this host can reach: tcp on 127.0.0.0/8, [::1] or localhost, ipc,
/// inproc. Key-less (standalone) transports may only use these.
bool is_loopback_endpoint(std::string_view endpoint);

/// Counts handshake failures of one socket through zmq_socket_monitor. Poll `socket()` for
/// ZMQ_POLLIN and call `drain()` on the socket's owning thread.
class handshake_monitor {
 public:
  /// Empty on success.
  [[nodiscard]] std::string start(zmq::context_t& ctx, zmq::socket_t& watched);
  zmq::socket_t& socket() { return pair_; }
  /// Handshake failures by kind, for callers that tell them apart.
  struct failure_kinds {
    std::uint64_t no_detail = 0;  // the peer went away mid-handshake (a TCP probe, a port scan)
    std::uint64_t protocol = 0;   // mechanism mismatch (keys on one side only), bad cryptography
    std::uint64_t auth = 0;       // the ZAP handler refused (a CURVE client sees it too)
  };
  /// Reads every pending event; returns how many were handshake failures, and adds them to
  /// `kinds` when given.
  std::uint64_t drain(failure_kinds* kinds = nullptr);

 private:
  zmq::socket_t pair_;
};

/// Lets another thread end a transport's receive() early (an eventfd the receive loop polls):
/// the owner thread then sends what the other thread queued. notify() is thread-safe.
class wakeup {
 public:
  wakeup();
  ~wakeup();
  wakeup(const wakeup&) = delete;
  wakeup& operator=(const wakeup&) = delete;
  void notify();
  void drain();
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

/// Waits up to `timeout` for `read_one()` (which reads one message from `s` without blocking)
/// to return a good message, counting handshake failures from `monitor` meanwhile. Returns
/// nullopt early when `wake` is notified.
template <class ReadOne>
auto receive_within(zmq::socket_t& s, handshake_monitor& monitor, wakeup& wake, transport_stats& stats,
                    std::chrono::milliseconds timeout, ReadOne read_one) -> decltype(read_one()) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::array<zmq::pollitem_t, 3> items{{{s.handle(), 0, ZMQ_POLLIN, 0},
                                          {monitor.socket().handle(), 0, ZMQ_POLLIN, 0},
                                          {nullptr, wake.fd(), ZMQ_POLLIN, 0}}};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    zmq::poll(items.data(), items.size(), std::max(left, std::chrono::milliseconds{0}));
    if (items[1].revents & ZMQ_POLLIN) {
      handshake_monitor::failure_kinds kinds;
      stats.handshake_failures += monitor.drain(&kinds);
      stats.handshake_refused += kinds.auth;
    }
    if (items[2].revents & ZMQ_POLLIN) {
      wake.drain();
      if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
    }
    if (items[0].revents & ZMQ_POLLIN)
      if (auto m = read_one()) return m;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
  }
}

}  // namespace wisp::cluster
