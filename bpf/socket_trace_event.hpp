#pragma once
// The C++ twin of bpf/socket_trace.h: names for its enums, to_string for its event structs (logs
// and tests), and the checked decoding of raw ring-buffer records into the user-space event types
// of actors/protocols/common/socket_events.hpp. Pure functions, no libbpf; any thread.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "actors/protocols/common/socket_events.hpp"
#include "bpf/socket_trace.h"

namespace wisp::bpf {

static_assert(sizeof(wisp_event_header) == 40, "kernel/user event layout drifted");
static_assert(offsetof(wisp_data_event, data) == 92, "kernel/user event layout drifted");

std::string_view to_string(wisp_event_type t);
std::string_view to_string(wisp_role r);
std::string_view to_string(wisp_direction d);
std::string_view to_string(wisp_protocol p);
std::string_view to_string(wisp_syscall s);
std::string_view to_string(wisp_open_source s);
std::string_view to_string(wisp_counter c);

std::string to_string(const wisp_conn_id& id);
std::string to_string(const wisp_addr& a);  // "127.0.0.1:8080", "[::1]:80", "-" when unknown
std::string to_string(const wisp_open_event& e);
std::string to_string(const wisp_close_event& e);
std::string to_string(const wisp_data_event& e);  // header fields only, not the payload

/// How kernel times become the user-space representation. Captured once by the loader.
struct time_base {
  std::int64_t mono_to_wall_ns = 0;  // CLOCK_REALTIME - CLOCK_MONOTONIC
  std::int64_t ns_per_clock_tick = 0;  // 1e9 / sysconf(_SC_CLK_TCK)
  static time_base capture();
};

/// The upid of a process: {(asid << 32) | pid, start time in clock ticks}, the ASID this node's
/// (schemas/node_asid.hpp), the low half equal to field 22 of /proc/<pid>/stat.
schemas::uint128 make_upid(const time_base& tb, std::uint32_t tgid, std::uint64_t start_ns);

/// "127.0.0.1" / "::1" and the port; v4-mapped IPv6 addresses are shown as IPv4; "-" and -1
/// when the family is unknown.
protocols::endpoint to_endpoint(const wisp_addr& a);

enum class decode_status : std::uint8_t {
  ok,
  too_short,      // fewer bytes than the header or the fixed part of the record
  bad_type,       // header type not valid for this ring buffer
  bad_size,       // size does not match the type (or buf_size exceeds the payload)
  bad_field,      // an enum field out of range
};
std::string_view to_string(decode_status s);

/// Control ring records: open or close. `kind` tells which output was filled.
struct control_record {
  wisp_event_type kind = WISP_EVENT_OPEN;
  protocols::conn_open open;
  protocols::conn_close close;  // close and stats events
};

decode_status decode_control(std::span<const std::byte> raw, const time_base& tb,
                             control_record& out);
decode_status decode_data(std::span<const std::byte> raw, const time_base& tb,
                          protocols::data_chunk& out);

}  // namespace wisp::bpf
