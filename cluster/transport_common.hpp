#pragma once
// What both ends of the cluster transport share: counters, socket options, the loopback rule for
// key-less endpoints, and a monitor that counts failed handshakes. Used by broker_transport and
// agent_transport only.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <zmq.hpp>

#include "schemas/cluster_wire.hpp"

namespace wisp::cluster {

/// Counters of one transport end. Written by the thread that owns the transport; read them there.
struct transport_stats {
  std::uint64_t received = 0;            // good messages handed to the caller
  std::uint64_t sent = 0;
  std::uint64_t send_failures = 0;       // peer gone, queue full, or encoded message over the limit
  std::uint64_t oversize = 0;            // decode_errc::oversize
  std::uint64_t malformed = 0;           // decode_errc::malformed (Verifier, identifier)
  std::uint64_t wrong_version = 0;       // decode_errc::wrong_version
  std::uint64_t invalid = 0;             // decode_errc::invalid
  std::uint64_t bad_frames = 0;          // a ZeroMQ message of an unexpected frame count
  std::uint64_t credit_violations = 0;   // batches past the credit or out of order (dropped)
  std::uint64_t handshake_failures = 0;  // ZMTP/CURVE handshakes that failed, ZAP refusals included

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
  /// Reads every pending event; returns how many were handshake failures.
  std::uint64_t drain();

 private:
  zmq::socket_t pair_;
};

}  // namespace wisp::cluster
