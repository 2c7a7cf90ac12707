#pragma once
// The agent's end of the cluster transport: one DEALER socket connected to the broker's ROUTER
// (broker_transport.hpp), a CURVE client when given keys and the broker's public key. ZeroMQ
// reconnects by itself after a broker restart; re-registering is the caller's job.
//
// Batches go through a credit window: send() refuses (no_credit) a batch that would leave more
// than `batch_window` batches of its stream unacknowledged, and Credit messages from the broker
// reopen the window as receive() reads them. The caller numbers each stream's batches from 0
// (credit_window::next_sequence tells the next one).
//
// Not thread-safe: one owner thread calls everything. No CAF here; the gateway actor wraps it.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "cluster/credit_window.hpp"
#include "cluster/curve_keys.hpp"
#include "cluster/transport_common.hpp"
#include "schemas/cluster_wire.hpp"

namespace wisp::cluster {

struct agent_options {
  std::string broker_endpoint;               // e.g. tcp://broker:50400
  std::optional<curve_keypair> client_keys;  // none: no encryption (standalone, loopback only)
  std::string broker_public_z85;             // required with client_keys
  std::size_t max_message_bytes = cluster_wire::max_message_bytes;
  std::uint32_t batch_window = 8;            // unacknowledged batches allowed per stream
};

enum class send_result {
  sent,
  no_credit,     // the stream's window is full: wait for a Credit (receive()) and retry
  out_of_order,  // a batch whose sequence is not the stream's next one
  failed,        // the queue is full or the encoded message is over the limit (counted)
};

class agent_transport {
 public:
  agent_transport();
  ~agent_transport();
  agent_transport(const agent_transport&) = delete;
  agent_transport& operator=(const agent_transport&) = delete;

  /// Connects (ZeroMQ connects in the background; messages queue until the link is up). Empty
  /// on success, else one line: what and why.
  [[nodiscard]] std::string start(agent_options opts);

  [[nodiscard]] send_result send(const cluster_wire::agent_message& m);

  /// The next good message from the broker, waiting at most `timeout`; nullopt on timeout. A
  /// Credit is applied to the window before it is returned. Bad messages are counted and skipped.
  std::optional<cluster_wire::broker_message> receive(std::chrono::milliseconds timeout);

  const credit_window& window() const;
  /// Ends a receive() in progress (or the next one) early; the only member any thread may call.
  void wake();

  const transport_stats& stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace wisp::cluster
