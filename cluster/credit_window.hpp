#pragma once
// Credit-based flow control for streams of row batches. The sender numbers each stream's batches
// 0, 1, 2, ... and may have at most `window` of them unacknowledged; the receiver answers with
// Credit{consumed} (cumulative, so a lost or repeated credit does no harm). Both sides keep one
// of these: the sender to know when to stop, the receiver to drop batches a sender sent beyond
// its credit. Plain data, no I/O; owned by one transport, one thread.

#include <cstdint>
#include <map>
#include <optional>

#include "schemas/cluster_wire.hpp"

namespace wisp::cluster {

class credit_window {
 public:
  explicit credit_window(std::uint32_t window) : window_(window) {}

  std::uint32_t window() const { return window_; }

  /// The sequence number the next batch of `s` must carry.
  std::uint64_t next_sequence(const cluster_wire::stream_id& s) const;
  /// Batches of `s` sent (or received) and not yet acknowledged.
  std::uint64_t in_flight(const cluster_wire::stream_id& s) const;
  /// True when one more batch of `s` fits in the window.
  bool can_send(const cluster_wire::stream_id& s) const;

  enum class admit { ok, out_of_order, over_window, too_many_streams };
  /// Records batch `sequence` of `s` as sent or received; anything but `ok` leaves the state as it was.
  [[nodiscard]] admit record(const cluster_wire::stream_id& s, std::uint64_t sequence);

  /// Applies a cumulative acknowledgement. A credit that goes backwards, or past what was sent,
  /// is ignored and returns false.
  bool acknowledge(const cluster_wire::stream_id& s, std::uint64_t consumed);

  /// Forgets a finished stream (after its end of stream).
  void forget(const cluster_wire::stream_id& s);

  std::size_t streams() const { return streams_.size(); }

  /// Bounds the state a peer can make us hold by opening streams.
  static constexpr std::size_t max_streams = 4096;

 private:
  struct counts {
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
  };
  std::uint32_t window_;
  std::map<cluster_wire::stream_id, counts> streams_;
};

}  // namespace wisp::cluster
