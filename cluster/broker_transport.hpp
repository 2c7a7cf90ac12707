#pragma once
// The broker's end of the cluster transport: one ROUTER socket that every agent's DEALER
// connects to. With server keys it is a CURVE server and a ZAP handler admits only allowlisted
// agent keys; without keys (standalone) it may only bind a loopback endpoint.
//
// Every incoming message is verified and decoded (schemas/cluster_wire.hpp) before the caller
// sees it; a malformed, oversize, wrong-version or out-of-credit message is counted and dropped,
// and the next message (from the same or another agent) is read as usual. Batches beyond a
// stream's credit window are dropped, so a sender that ignores Credit cannot make us buffer.
//
// Not thread-safe: one owner thread (the gateway actor's) calls everything; only zap_stats may
// be read elsewhere. No CAF here; the gateway actor wraps it.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cluster/credit_window.hpp"
#include "cluster/curve_keys.hpp"
#include "cluster/transport_common.hpp"
#include "cluster/zap_handler.hpp"
#include "schemas/cluster_wire.hpp"

namespace wisp::cluster {

struct broker_options {
  std::string endpoint;                       // e.g. tcp://0.0.0.0:50400, tcp://127.0.0.1:*
  std::optional<curve_keypair> server_keys;   // none: no encryption, loopback endpoints only
  key_allowlist allowed_agents;               // public keys admitted (with server_keys)
  std::size_t max_message_bytes = cluster_wire::max_message_bytes;
  std::uint32_t batch_window = 8;             // unacknowledged batches allowed per stream
};

/// A message from an agent: the opaque ROUTER identity to answer it on, and its CURVE public key
/// (Z85; empty without CURVE).
struct inbound_message {
  std::string peer;
  std::string peer_key;
  cluster_wire::agent_message message;
};

class broker_transport {
 public:
  broker_transport();
  ~broker_transport();
  broker_transport(const broker_transport&) = delete;
  broker_transport& operator=(const broker_transport&) = delete;

  /// Binds and starts the ZAP handler. Empty on success, else one line: what and why.
  [[nodiscard]] std::string start(broker_options opts);

  /// The bound endpoint with the real port (after tcp://host:*).
  std::string endpoint() const;

  /// The next good message, waiting at most `timeout`; nullopt on timeout. Bad messages are
  /// counted in stats() and skipped.
  std::optional<inbound_message> receive(std::chrono::milliseconds timeout);

  /// Sends to one agent. A Credit also moves the stream's window. False (and counted) when the
  /// agent is gone, its queue is full or the message is over the limit.
  [[nodiscard]] bool send(const std::string& peer, const cluster_wire::broker_message& m);

  /// Drops the flow-control state of an agent's connection (the registry calls it when it
  /// forgets a lost agent).
  void forget_peer(const std::string& peer);

  /// Connections whose batch streams are tracked at most; batches from further ones are dropped
  /// as credit violations.
  static constexpr std::size_t max_tracked_peers = 4096;

  /// Ends a receive() in progress (or the next one) early; the only member any thread may call.
  void wake();

  const transport_stats& stats() const;
  /// Clients refused by the ZAP handler (any thread).
  std::uint64_t refused() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace wisp::cluster
