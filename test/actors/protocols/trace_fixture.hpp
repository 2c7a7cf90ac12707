#pragma once
// Loads the .trace fixtures recorded by record.py (test/actors/protocols/) and turns them into the
// data_chunks the socket tracer would deliver for one side of the connection.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/common/socket_events.hpp"
#include "schemas/canonical.hpp"

namespace wisp::protocols::test {

inline constexpr std::int64_t fixture_start_ns = 1'000'000'000;
inline constexpr std::int64_t fixture_step_ns = 1'000;

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

// Driving a conn_tracker in tests.

/// The wall clock handed to process(): after every fixture chunk, long before any expiry.
inline constexpr std::int64_t now_ns = fixture_start_ns + 1'000'000;

/// A connection on loopback with this role; the local side has local_port, the remote 40000.
conn_meta meta_with(schemas::trace_role role, std::int64_t local_port);

/// The bytes [from, to) of one direction's stream s (clamped to s), stamped ts.
data_chunk piece(const std::string& s, std::size_t from, std::size_t to, direction d, std::int64_t ts);

/// Adds every chunk, processes once and, if close, closes and processes again.
template <class Tracker>
auto run(Tracker& t, const std::vector<data_chunk>& chunks, bool close = true) {
  std::vector<typename Tracker::record> out;
  for (const data_chunk& c : chunks) t.add(c);
  t.process(now_ns, out);
  if (close) {
    t.on_close({});
    t.process(now_ns, out);
  }
  return out;
}

/// Both streams cut in two at byte k, delivered over three rounds (requests first), then closed.
template <class Tracker>
auto run_split(Tracker& t, const std::string& req, const std::string& resp, std::size_t k) {
  std::vector<typename Tracker::record> out;
  t.add(piece(req, 0, k, direction::ingress, 1));
  t.process(now_ns, out);
  t.add(piece(req, k, req.size(), direction::ingress, 2));
  t.add(piece(resp, 0, k, direction::egress, 3));
  t.process(now_ns, out);
  t.add(piece(resp, k, resp.size(), direction::egress, 4));
  t.process(now_ns, out);
  t.on_close({});
  t.process(now_ns, out);
  return out;
}

}  // namespace wisp::protocols::test
