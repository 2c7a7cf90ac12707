#pragma once
// The daemon's client endpoint: a ZeroMQ ROUTER socket on its own thread. Every request is
// verified and decoded, acknowledged with Accepted at once, and handed to the query handler
// together with the client's identity (its CURVE key, and whether it may deploy tracepoints) and
// a `reply_fn` that any thread may call to stream answers back to that client.
// Undecodable requests are answered with Done{bad_request} and counted.
//
// With server keys the socket is a CURVE server and a ZAP handler (zap_handler.hpp) admits only
// the allowlisted client keys; a client that fails the handshake (unknown key, no keys, a wrong
// server key) never reaches the handler and is counted in `refused`. Without keys only a
// loopback endpoint may be bound (is_loopback_endpoint).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "cluster/curve_keys.hpp"
#include "schemas/wire.hpp"

namespace wisp::cluster {

/// Sends one message to the client that made a request. Thread-safe; cheap to copy.
using reply_fn = std::function<void(const wire::server_message&)>;

/// Who sent a request, as the endpoint authenticated it.
struct client_identity {
  std::string key;        // the client's CURVE public key (Z85); empty without CURVE
  bool may_trace = true;  // may deploy and delete tracepoints (client_endpoint_options::tracers)
};

using query_handler =
    std::function<void(std::uint64_t query_id, wire::query_request req, client_identity client, reply_fn reply)>;

struct endpoint_stats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> bad_requests{0};
  std::atomic<std::uint64_t> replies_dropped{0};  // replies to clients that went away
  /// Failed handshakes: ZAP refusals (a key not allowed), keys on one side only, bad cryptography.
  std::atomic<std::uint64_t> refused{0};
  /// Peers that hung up mid-handshake: TCP probes and port scans, but also a key-less client
  /// that noticed the mechanism mismatch before the endpoint did (which end notices first is a
  /// race), so such a client is counted here or in `refused`.
  std::atomic<std::uint64_t> abandoned{0};
};

struct client_endpoint_options {
  std::string endpoint;                      // e.g. tcp://127.0.0.1:50300, tcp://0.0.0.0:50300
  std::optional<curve_keypair> server_keys;  // none: no encryption, loopback endpoints only
  key_allowlist allowed_clients;             // public keys admitted (with server_keys)
  /// Of those, the ones that may deploy and delete tracepoints; none: every admitted client may
  /// (also without keys, where only this host can connect).
  std::optional<key_allowlist> tracers;
  /// Called on the endpoint thread with the running total each time a handshake fails.
  std::function<void(std::uint64_t refused_total)> on_refused;
};

/// Empty when `start` may bind these options as far as security goes; else one line: an endpoint
/// other hosts can reach needs server keys (is_loopback_endpoint), or CURVE is missing.
[[nodiscard]] std::string check_client_endpoint_options(const client_endpoint_options& opts);

class client_endpoint {
 public:
  client_endpoint();
  ~client_endpoint();  // stops the thread and closes the sockets

  /// Binds `opts.endpoint` and starts serving. Returns an error text (one line) when the
  /// endpoint cannot be bound (port taken, bad address, not loopback without keys).
  [[nodiscard]] std::string start(client_endpoint_options opts, query_handler handler);

  /// The bound endpoint with the real port (after tcp://host:*).
  std::string endpoint() const;

  const endpoint_stats& stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace wisp::cluster
