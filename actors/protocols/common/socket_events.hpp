#pragma once
// The socket tracer's events in user space: what the socket_tracer actor hands to protocol
// parser actors. Converted from the kernel structs of bpf/socket_trace.h with timestamps already
// moved to wall-clock nanoseconds. Plain values; no CAF, no libbpf.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "bpf/socket_trace.h"
#include "schemas/canonical.hpp"
#include "schemas/types.hpp"

namespace wisp::protocols {

/// (pid, process start time, fd, generation): unique for the life of the agent.
struct conn_key {
  std::uint32_t tgid = 0;
  std::int32_t fd = -1;
  std::uint64_t tgid_start_ns = 0;
  std::uint64_t generation = 0;
  friend auto operator<=>(const conn_key&, const conn_key&) = default;
};

struct conn_key_hash {
  std::size_t operator()(const conn_key& k) const noexcept {
    std::uint64_t h = (std::uint64_t{k.tgid} << 32) ^ static_cast<std::uint32_t>(k.fd);
    h ^= k.generation * 0x9e3779b97f4a7c15ULL;
    h ^= k.tgid_start_ns + (h << 6) + (h >> 2);
    return static_cast<std::size_t>(h);
  }
};

/// An address as the tables show it: "-" and -1 when unknown (facts §1.0).
struct endpoint {
  std::string addr = "-";
  std::int64_t port = -1;
  friend bool operator==(const endpoint&, const endpoint&) = default;
};

enum class direction : std::uint8_t { egress = WISP_DIR_EGRESS, ingress = WISP_DIR_INGRESS };

/// What a protocol row needs to know about its connection.
struct conn_meta {
  schemas::uint128 upid;  // (asid << 32 | pid, process start time in clock ticks)
  endpoint local;
  endpoint remote;
  schemas::trace_role role = schemas::trace_role::unknown;
  bool encrypted = false;
};

struct conn_open {
  conn_key key;
  std::int64_t time_ns = 0;  // wall clock
  conn_meta meta;
  std::uint32_t source = 0;  // enum wisp_open_source
};

/// A close, or (delivered through on_stats) a connection's totals so far.
struct conn_close {
  conn_key key;
  std::int64_t time_ns = 0;
  std::uint64_t wr_bytes = 0;
  std::uint64_t rd_bytes = 0;
  std::uint32_t protocol = WISP_PROTO_UNKNOWN;  // as the kernel knew it
  schemas::trace_role role = schemas::trace_role::unknown;
};

/// A contiguous piece of one direction of a connection's byte stream. `pos` is the position of
/// bytes[0] in that direction; msg_size > bytes.size() means the tail of the range was not
/// copied (a gap follows).
struct data_chunk {
  conn_key key;
  std::int64_t time_ns = 0;  // wall clock at syscall return
  direction dir = direction::egress;
  std::uint32_t protocol = WISP_PROTO_UNKNOWN;
  std::uint64_t pos = 0;
  std::uint32_t msg_size = 0;
  std::string bytes;
  endpoint peer;  // the datagram's peer when the syscall named one (unconnected UDP)
};

}  // namespace wisp::protocols
