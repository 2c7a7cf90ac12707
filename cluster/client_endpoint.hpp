#pragma once
// The daemon's client endpoint: a ZeroMQ ROUTER socket on its own thread. Every request is
// verified and decoded, acknowledged with Accepted at once, and handed to the query handler
// together with a `reply_fn` that any thread may call to stream answers back to that client.
// Undecodable requests are answered with Done{bad_request} and counted.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "schemas/wire.hpp"

namespace wisp::cluster {

/// Sends one message to the client that made a request. Thread-safe; cheap to copy.
using reply_fn = std::function<void(const wire::server_message&)>;

using query_handler = std::function<void(std::uint64_t query_id, wire::query_request req, reply_fn reply)>;

struct endpoint_stats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> bad_requests{0};
  std::atomic<std::uint64_t> replies_dropped{0};  // replies to clients that went away
};

class client_endpoint {
 public:
  client_endpoint();
  ~client_endpoint();  // stops the thread and closes the sockets

  /// Binds `endpoint` (e.g. tcp://127.0.0.1:50300) and starts serving. Returns an error text
  /// when the endpoint cannot be bound (port taken, bad address).
  [[nodiscard]] std::string start(const std::string& endpoint, query_handler handler);

  const endpoint_stats& stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace wisp::cluster
