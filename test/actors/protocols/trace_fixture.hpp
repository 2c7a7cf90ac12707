#pragma once
// Loads the .trace fixtures recorded by record.py (test/actors/protocols/) and turns them into the
// data_chunks the socket tracer would deliver for one side of the connection.

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

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

// Driving a conn_tracker in tests (every protocol's tracker tests).

/// The wall clock handed to process(): after every fixture chunk, long before any expiry.
inline constexpr std::int64_t now_ns = fixture_start_ns + 1'000'000;
/// The remote (client) port of loopback_meta's connection.
inline constexpr std::int64_t fixture_remote_port = 40000;

/// A loopback connection's metadata with the given role and local (server) port.
conn_meta loopback_meta(schemas::trace_role role, std::int64_t local_port);

/// One chunk of direction d at stream position pos, stamped ts, msg_size its length (nothing lost).
data_chunk chunk(direction d, std::uint64_t pos, std::string bytes, std::int64_t ts);

/// Adds every chunk, processes one round, then (if close) closes and processes again; returns
/// the records.
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

/// A server's view of a connection whose requests `req` and responses `resp` are each cut at
/// byte k into two chunks, delivered over three processing rounds: [req < k], [req >= k,
/// resp < k], [resp >= k].
std::vector<std::vector<data_chunk>> split_rounds(const std::string& req, const std::string& resp,
                                                  std::size_t k);

/// Delivers split_rounds(req, resp, k), processing after each round, then closes and processes
/// again; returns the records. Split-at-every-byte tests run it for every k.
template <class Tracker>
auto run_split(Tracker& t, const std::string& req, const std::string& resp, std::size_t k) {
  std::vector<typename Tracker::record> out;
  for (const auto& round : split_rounds(req, resp, k)) {
    for (const data_chunk& c : round) t.add(c);
    t.process(now_ns, out);
  }
  t.on_close({});
  t.process(now_ns, out);
  return out;
}

/// The assertions of a clean run over a fixture: no parse error, no byte skipped to
/// resynchronise, no stitch error, nothing left unpaired when the tracker finished, every record
/// counted, and the tracker finished.
template <class Tracker, class Records>
void expect_clean_run(const Tracker& t, const Records& records) {
  EXPECT_EQ(t.stats().parse_errors, 0u);
  EXPECT_EQ(t.stats().invalid_bytes, 0u);
  EXPECT_EQ(t.stats().stitch.errors, 0u);
  EXPECT_EQ(t.stats().unmatched_at_close, 0u);
  EXPECT_EQ(t.stats().records_emitted, records.size());
  EXPECT_TRUE(t.finished());
}

/// Each chunk cut into pieces of at most `piece` bytes (same direction, time and positions).
std::vector<data_chunk> pieces(const std::vector<data_chunk>& chunks, std::size_t piece);

/// Adds each chunk in a round of its own (processing after each), then closes and processes
/// again; returns the records.
template <class Tracker>
auto run_rounds(Tracker& t, const std::vector<data_chunk>& chunks) {
  std::vector<typename Tracker::record> out;
  for (const data_chunk& c : chunks) {
    t.add(c);
    t.process(now_ns, out);
  }
  t.on_close({});
  t.process(now_ns, out);
  return out;
}

/// The split-at-every-byte check: for every cut k from 0 to the longer side's length, a fresh
/// tracker from make() gets run_split of the fixture's two sides at k. Returns the first k whose
/// records, turned comparable by project, differ from `expected`, or at which a parse error was
/// counted; nullopt if there is none.
template <class Make, class Project, class Expected>
std::optional<std::size_t> first_bad_split(const std::vector<trace_read>& reads, Make make, Project project,
                                           const Expected& expected) {
  std::string req = side_bytes(reads, true);
  std::string resp = side_bytes(reads, false);
  for (std::size_t k = 0; k <= std::max(req.size(), resp.size()); ++k) {
    auto t = make();
    if (project(run_split(t, req, resp, k)) != expected || t.stats().parse_errors != 0) return k;
  }
  return std::nullopt;
}

/// Feeds garbage() as one ingress chunk per round, processing after each, for at most
/// max_rounds rounds or until the tracker disables itself; returns the records.
template <class Tracker, class Garbage>
auto feed_until_disabled(Tracker& t, Garbage garbage, int max_rounds = 20) {
  std::vector<typename Tracker::record> out;
  std::uint64_t pos = 0;
  for (int round = 0; round < max_rounds && !t.disabled(); ++round) {
    std::string bytes = garbage();
    std::size_t n = bytes.size();
    t.add(chunk(direction::ingress, pos, std::move(bytes), round + 1));
    pos += n;
    t.process(now_ns, out);
  }
  return out;
}

}  // namespace wisp::protocols::test
