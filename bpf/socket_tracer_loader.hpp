#pragma once
// Loads socket_trace.bpf.c into the kernel and turns its ring-buffer records into the events of
// actors/protocols/common/socket_events.hpp.
//
// Ownership and threads: the socket_tracer actor owns one socket_tracer_loader (through the
// unique_ptr that start() returns) and calls poll() and counters() from its own thread only; the
// class is not thread-safe. Destroying it detaches every program and frees the maps.
//
// Delivery order within one poll(): all open events are delivered before the data events of the
// same connection that the same poll() delivers, and close events after them. A connection's
// events from different polls arrive in submission order per ring buffer.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/protocols/common/socket_events.hpp"
#include "bpf/error.hpp"
#include "bpf/socket_trace.h"
#include "bpf/socket_trace_event.hpp"

struct ring_buffer;
struct socket_trace_bpf;

namespace wisp::bpf {

/// The inode number of the calling process's network namespace (/proc/self/ns/net), or 0.
std::uint32_t netns_inode();

struct socket_tracer_options {
  static constexpr std::uint32_t default_data_ring_bytes = 16U << 20;
  static constexpr std::uint32_t default_control_ring_bytes = 1U << 20;
  /// Ring buffer sizes: powers of two and multiples of the page size.
  std::uint32_t data_ring_bytes = default_data_ring_bytes;
  std::uint32_t control_ring_bytes = default_control_ring_bytes;
  /// Trace the calling process too (tests); the agent leaves this off so it never sees itself.
  bool trace_self = false;
  /// Non-zero: trace only the processes of the network namespace with this inode number (see
  /// netns_inode); several agents on one kernel then each see their own "node".
  std::uint32_t only_netns = 0;
  /// Protocols inference may decide for, bit (1 << wisp_protocol) each; data of connections
  /// whose protocol stays unknown is counted, not sent.
  std::uint32_t protocols = 1U << WISP_PROTO_HTTP;
  /// Of those, the protocols recorded on the server side only (their parsers' role policy).
  /// The client side of such a connection to one of `local_addresses` is counted
  /// (local_client_bytes), not copied: the server side of the same exchange is traced.
  std::uint32_t server_side_protocols = 1U << WISP_PROTO_HTTP;
  /// This host's addresses (numeric IPv4 or IPv6 text). Empty: copy both sides.
  std::vector<std::string> local_addresses;
};

/// Receives decoded events from poll(), on the polling thread, one call per record.
class socket_event_sink {
 public:
  virtual ~socket_event_sink() = default;
  virtual void on_open(protocols::conn_open&& ev) = 0;
  virtual void on_close(protocols::conn_close&& ev) = 0;
  virtual void on_data(protocols::data_chunk&& ev) = 0;
  /// A connection's byte totals crossed a multiple of WISP_STATS_STEP (for conn_stats).
  virtual void on_stats(protocols::conn_close&&) {}
};

/// Counters of the user-space side: records that failed validation, by reason.
struct user_counters {
  std::uint64_t records = 0;       // records decoded and delivered
  std::uint64_t bad_records = 0;   // records skipped: too short, bad type, size or field
};

struct counter_values {
  using row = std::array<std::uint64_t, WISP_CNT__MAX>;  // indexed by enum wisp_counter
  std::vector<row> per_cpu;  // one row per possible CPU
  row total{};
  user_counters user;
};

struct poll_result {
  std::size_t records = 0;  // records consumed by this call (bad ones included)
};

class socket_tracer_loader {
 public:
  /// Opens the skeleton, sets rodata and ring sizes, loads, attaches every tracepoint and creates
  /// the ring buffers, each step checked. Needs root, BTF and tracefs (see environment.hpp);
  /// the error names the failing step and carries libbpf's errno text.
  [[nodiscard]] static expected<std::unique_ptr<socket_tracer_loader>>
  start(const socket_tracer_options& opts);

  ~socket_tracer_loader();
  socket_tracer_loader(const socket_tracer_loader&) = delete;
  socket_tracer_loader& operator=(const socket_tracer_loader&) = delete;

  /// Waits up to timeout_ms (0: do not wait) for records and delivers all available ones to
  /// sink. EINTR counts as an empty poll.
  [[nodiscard]] expected<poll_result> poll(int timeout_ms, socket_event_sink& sink);

  /// Kernel per-CPU counters, their sums, and the user-side counters.
  [[nodiscard]] expected<counter_values> counters() const;

  const time_base& times() const noexcept { return time_base_; }

 private:
  struct skeleton_deleter {
    void operator()(socket_trace_bpf* s) const noexcept;
  };
  struct ring_deleter {
    void operator()(ring_buffer* rb) const noexcept;
  };

  socket_tracer_loader() = default;
  static int on_control(void* ctx, void* data, std::size_t size);
  static int on_data(void* ctx, void* data, std::size_t size);
  [[nodiscard]] static status consume(ring_buffer* rb, std::size_t& records);

  std::unique_ptr<socket_trace_bpf, skeleton_deleter> skel_;
  std::unique_ptr<ring_buffer, ring_deleter> control_rb_;
  std::unique_ptr<ring_buffer, ring_deleter> data_rb_;
  time_base time_base_;
  user_counters user_;
  // Per-poll staging (see the delivery-order contract above); reused to avoid reallocations.
  std::vector<protocols::conn_open> staged_opens_;
  std::vector<protocols::conn_close> staged_closes_;
  std::vector<protocols::conn_close> staged_stats_;
  std::vector<protocols::data_chunk> staged_data_;
};

}  // namespace wisp::bpf
