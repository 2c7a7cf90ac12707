#pragma once
// Loads the .trace fixtures recorded by record.py (test/actors/protocols/) and turns them into the
// data_chunks the socket tracer would deliver for one side of the connection.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/common/socket_events.hpp"

namespace wisp::protocols::test {

inline constexpr std::int64_t fixture_start_ns = 1'000'000'000;
inline constexpr std::int64_t fixture_step_ns = 1'000;
/// The wall clock tracker tests process at: after every fixture chunk, before any expiry.
inline constexpr std::int64_t fixture_now_ns = fixture_start_ns + 1'000'000;
inline constexpr std::int64_t fixture_remote_port = 40000;

struct trace_read {
  bool from_client = false;
  std::string bytes;
};

/// Reads test/actors/protocols/<relative>; an empty vector if it is missing or malformed.
std::vector<trace_read> load_trace(std::string_view relative);

/// Concatenated bytes one side sent.
std::string side_bytes(const std::vector<trace_read>& reads, bool from_client);

/// The chunks a server-side (or client-side) tracer sees: one per read, positions per
/// direction, time fixture_start_ns + i * fixture_step_ns for read i.
std::vector<data_chunk> to_chunks(const std::vector<trace_read>& reads, bool server_side);

/// A loopback connection's metadata with the given role and local (server) port.
conn_meta loopback_meta(schemas::trace_role role, std::int64_t local_port);

/// Adds every chunk, processes one round, then (if close) closes and processes again; returns
/// the records.
template <class Tracker>
auto run_tracker(Tracker& t, const std::vector<data_chunk>& chunks, bool close = true) {
  std::vector<typename Tracker::record> out;
  for (const data_chunk& c : chunks) t.add(c);
  t.process(fixture_now_ns, out);
  if (close) {
    t.on_close({});
    t.process(fixture_now_ns, out);
  }
  return out;
}

/// A server's view of a connection whose requests `req` and responses `resp` are each cut at
/// byte k into two chunks, delivered over three processing rounds: [req < k], [req >= k,
/// resp < k], [resp >= k]. Split-at-every-byte tests run every k.
std::vector<std::vector<data_chunk>> split_rounds(const std::string& req, const std::string& resp,
                                                  std::size_t k);

}  // namespace wisp::protocols::test
