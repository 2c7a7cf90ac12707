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

}  // namespace wisp::protocols::test
