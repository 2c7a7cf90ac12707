#pragma once
// conn_stats rows from the socket tracer's open, stats, data and close events: per (process,
// remote endpoint, role) the connections opened, closed and active and the bytes sent and
// received, cumulative since tracing began (facts §1.2). The kernel sends byte totals for every
// connection whatever its protocol (stats events every 64 KiB and at close); data events of
// parsed protocols refine them in between.
//
// Owned by the socket_tracer actor; not thread-safe. No CAF.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "actors/protocols/common/socket_events.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::sources {

/// Pixie emits conn_stats every 10 s (50 polling rounds of 200 ms).
inline constexpr std::int64_t conn_stats_period_ns = 10'000'000'000;

/// Connections followed at most; beyond, new ones are not counted (and that is counted).
inline constexpr std::size_t max_conn_stats_connections = 1 << 20;

class conn_stats_aggregator {
 public:
  void on_open(const protocols::conn_open& ev);
  void on_data(const protocols::data_chunk& ev);
  void on_stats(const protocols::conn_close& totals);
  void on_close(const protocols::conn_close& ev);

  /// Appends to `out` (conn_stats' columns) a row, stamped `now_ns`, for every key that changed
  /// since the last call; then forgets keys with no open connection left.
  void emit(std::int64_t now_ns, schemas::row_batch& out);

  /// Events for connections whose open was never seen (the kernel's table was full, or the open
  /// event was lost): their bytes are not counted.
  std::uint64_t events_without_open() const { return without_open_; }
  /// Connections not followed because max_conn_stats_connections were.
  std::uint64_t connections_not_followed() const { return not_followed_; }

 private:
  struct key {
    schemas::uint128 upid;
    std::string remote_addr;
    std::int64_t remote_port = 0;  // 0 for the server side
    schemas::trace_role role = schemas::trace_role::unknown;
    friend auto operator<=>(const key&, const key&) = default;
  };
  struct counters {
    std::int64_t addr_family = 0;
    std::uint32_t protocol = WISP_PROTO_UNKNOWN;
    std::int64_t opened = 0, closed = 0;
    std::uint64_t sent = 0, received = 0;
    bool changed = false;
  };
  struct connection {
    key k;
    std::uint64_t sent = 0, received = 0;  // as far as counted into the key's counters
  };

  /// The connection's key counters after moving its totals to (wr, rd) (never backwards).
  counters* advance(const protocols::conn_key& c, std::uint64_t wr, std::uint64_t rd,
                    std::uint32_t protocol);

  std::unordered_map<protocols::conn_key, connection, protocols::conn_key_hash> conns_;
  std::map<key, counters> keys_;
  std::uint64_t without_open_ = 0;
  std::uint64_t not_followed_ = 0;
};

}  // namespace wisp::sources
