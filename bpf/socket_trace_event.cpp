#include "bpf/socket_trace_event.hpp"

#include "schemas/node_asid.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <limits>

namespace wisp::bpf {
namespace {

constexpr std::int64_t ns_per_sec = 1'000'000'000;
// Samples taken to find the tightest REALTIME/MONOTONIC pair (a preemption between the two reads
// would skew the offset).
constexpr int clock_samples = 5;
constexpr std::size_t v4_mapped_prefix = 12;
constexpr std::array<std::uint8_t, v4_mapped_prefix> v4_mapped_bytes = {0, 0, 0, 0, 0, 0,
                                                                        0, 0, 0, 0, 0xff, 0xff};

std::int64_t read_clock(clockid_t id) {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return std::int64_t{ts.tv_sec} * ns_per_sec + ts.tv_nsec;
}

template <class T>
bool read_record(std::span<const std::byte> raw, T& out) {
  if (raw.size() < sizeof(T))
    return false;
  std::memcpy(&out, raw.data(), sizeof(T));
  return true;
}

protocols::conn_key to_key(const wisp_conn_id& id) {
  return {id.tgid, id.fd, id.tgid_start_ns, id.generation};
}

bool valid_role(std::uint32_t r) {
  return r == WISP_ROLE_CLIENT || r == WISP_ROLE_SERVER || r == WISP_ROLE_UNKNOWN;
}

}  // namespace

time_base time_base::capture() {
  time_base tb;
  std::int64_t best_gap = std::numeric_limits<std::int64_t>::max();
  for (int i = 0; i < clock_samples; ++i) {
    std::int64_t m1 = read_clock(CLOCK_MONOTONIC);
    std::int64_t r = read_clock(CLOCK_REALTIME);
    std::int64_t m2 = read_clock(CLOCK_MONOTONIC);
    if (m2 - m1 < best_gap) {
      best_gap = m2 - m1;
      tb.mono_to_wall_ns = r - (m1 + (m2 - m1) / 2);
    }
  }
  long hz = ::sysconf(_SC_CLK_TCK);
  tb.ns_per_clock_tick = hz > 0 ? ns_per_sec / hz : 0;
  return tb;
}

schemas::uint128 make_upid(const time_base& tb, std::uint32_t tgid, std::uint64_t start_ns) {
  std::uint64_t ticks = tb.ns_per_clock_tick > 0
                            ? start_ns / static_cast<std::uint64_t>(tb.ns_per_clock_tick)
                            : 0;
  return {(std::uint64_t{schemas::node_asid()} << 32) | tgid, ticks};
}

protocols::endpoint to_endpoint(const wisp_addr& a) {
  protocols::endpoint ep;
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.family == AF_INET) {
    if (::inet_ntop(AF_INET, a.addr, buf, sizeof(buf)) == nullptr)
      return ep;
  } else if (a.family == AF_INET6) {
    if (std::memcmp(a.addr, v4_mapped_bytes.data(), v4_mapped_prefix) == 0) {
      if (::inet_ntop(AF_INET, a.addr + v4_mapped_prefix, buf, sizeof(buf)) == nullptr)
        return ep;
    } else if (::inet_ntop(AF_INET6, a.addr, buf, sizeof(buf)) == nullptr) {
      return ep;
    }
  } else {
    return ep;
  }
  ep.addr = buf;
  ep.port = a.port;
  return ep;
}

decode_status decode_control(std::span<const std::byte> raw, const time_base& tb,
                             control_record& out) {
  wisp_event_header hdr{};
  if (!read_record(raw, hdr))
    return decode_status::too_short;
  switch (hdr.type) {
    case WISP_EVENT_OPEN: {
      wisp_open_event e{};
      if (raw.size() != sizeof(e))
        return decode_status::bad_size;
      read_record(raw, e);
      if (!valid_role(e.role) || e.source < WISP_OPEN_CONNECT || e.source > WISP_OPEN_INFERRED)
        return decode_status::bad_field;
      out.kind = WISP_EVENT_OPEN;
      out.open = {};
      out.open.key = to_key(e.hdr.conn);
      out.open.time_ns = static_cast<std::int64_t>(e.hdr.ts_ns) + tb.mono_to_wall_ns;
      out.open.meta.upid = make_upid(tb, e.hdr.conn.tgid, e.hdr.conn.tgid_start_ns);
      out.open.meta.local = to_endpoint(e.local);
      out.open.meta.remote = to_endpoint(e.remote);
      out.open.meta.role = static_cast<schemas::trace_role>(e.role);
      out.open.source = e.source;
      return decode_status::ok;
    }
    case WISP_EVENT_CLOSE:
    case WISP_EVENT_STATS: {
      wisp_close_event e{};
      if (raw.size() != sizeof(e))
        return decode_status::bad_size;
      read_record(raw, e);
      if (!valid_role(e.role) || e.protocol > WISP_PROTO_TLS)
        return decode_status::bad_field;
      out.kind = static_cast<wisp_event_type>(hdr.type);
      out.close = {};
      out.close.key = to_key(e.hdr.conn);
      out.close.time_ns = static_cast<std::int64_t>(e.hdr.ts_ns) + tb.mono_to_wall_ns;
      out.close.wr_bytes = e.wr_bytes;
      out.close.rd_bytes = e.rd_bytes;
      out.close.protocol = e.protocol;
      out.close.role = static_cast<schemas::trace_role>(e.role);
      return decode_status::ok;
    }
    default:
      return decode_status::bad_type;
  }
}

decode_status decode_data(std::span<const std::byte> raw, const time_base& tb,
                          protocols::data_chunk& out) {
  constexpr std::size_t fixed = offsetof(wisp_data_event, data);
  if (raw.size() < fixed)
    return decode_status::too_short;
  wisp_event_header hdr{};
  read_record(raw, hdr);
  if (hdr.type != WISP_EVENT_DATA)
    return decode_status::bad_type;
  // Only the fixed part is copied; the payload is read in place.
  wisp_data_event e;
  std::memcpy(&e, raw.data(), fixed);
  if (e.buf_size > WISP_MAX_MSG_SIZE || raw.size() < fixed + e.buf_size ||
      e.msg_size < e.buf_size)
    return decode_status::bad_size;
  if (e.direction > WISP_DIR_INGRESS)
    return decode_status::bad_field;
  out.key = to_key(e.hdr.conn);
  out.time_ns = static_cast<std::int64_t>(e.hdr.ts_ns) + tb.mono_to_wall_ns;
  out.dir = static_cast<protocols::direction>(e.direction);
  out.protocol = e.protocol;
  out.pos = e.pos;
  out.msg_size = e.msg_size;
  out.peer = e.peer.family ? to_endpoint(e.peer) : protocols::endpoint{};
  out.bytes.assign(reinterpret_cast<const char*>(raw.data()) + fixed, e.buf_size);
  return decode_status::ok;
}

std::string_view to_string(decode_status s) {
  switch (s) {
    case decode_status::ok: return "ok";
    case decode_status::too_short: return "too_short";
    case decode_status::bad_type: return "bad_type";
    case decode_status::bad_size: return "bad_size";
    case decode_status::bad_field: return "bad_field";
  }
  return "?";
}

std::string_view to_string(wisp_event_type t) {
  switch (t) {
    case WISP_EVENT_OPEN: return "open";
    case WISP_EVENT_CLOSE: return "close";
    case WISP_EVENT_DATA: return "data";
    case WISP_EVENT_STATS: return "stats";
  }
  return "?";
}

std::string_view to_string(wisp_role r) {
  switch (r) {
    case WISP_ROLE_CLIENT: return "client";
    case WISP_ROLE_SERVER: return "server";
    case WISP_ROLE_UNKNOWN: return "unknown";
  }
  return "?";
}

std::string_view to_string(wisp_direction d) {
  return d == WISP_DIR_EGRESS ? "egress" : d == WISP_DIR_INGRESS ? "ingress" : "?";
}

std::string_view to_string(wisp_protocol p) {
  switch (p) {
    case WISP_PROTO_UNKNOWN: return "unknown";
    case WISP_PROTO_HTTP: return "http";
    case WISP_PROTO_HTTP2: return "http2";
    case WISP_PROTO_MYSQL: return "mysql";
    case WISP_PROTO_CQL: return "cql";
    case WISP_PROTO_PGSQL: return "pgsql";
    case WISP_PROTO_DNS: return "dns";
    case WISP_PROTO_REDIS: return "redis";
    case WISP_PROTO_NATS: return "nats";
    case WISP_PROTO_MONGO: return "mongo";
    case WISP_PROTO_KAFKA: return "kafka";
    case WISP_PROTO_MUX: return "mux";
    case WISP_PROTO_AMQP: return "amqp";
    case WISP_PROTO_TLS: return "tls";
  }
  return "?";
}

std::string_view to_string(wisp_syscall s) {
  switch (s) {
    case WISP_SYS_UNKNOWN: return "unknown";
    case WISP_SYS_CONNECT: return "connect";
    case WISP_SYS_ACCEPT: return "accept";
    case WISP_SYS_ACCEPT4: return "accept4";
    case WISP_SYS_CLOSE: return "close";
    case WISP_SYS_WRITE: return "write";
    case WISP_SYS_READ: return "read";
    case WISP_SYS_SEND: return "send";
    case WISP_SYS_RECV: return "recv";
    case WISP_SYS_SENDTO: return "sendto";
    case WISP_SYS_RECVFROM: return "recvfrom";
    case WISP_SYS_SENDMSG: return "sendmsg";
    case WISP_SYS_RECVMSG: return "recvmsg";
    case WISP_SYS_WRITEV: return "writev";
    case WISP_SYS_READV: return "readv";
    case WISP_SYS_SENDFILE: return "sendfile";
    case WISP_SYS_SENDMMSG: return "sendmmsg";
    case WISP_SYS_RECVMMSG: return "recvmmsg";
  }
  return "?";
}

std::string_view to_string(wisp_open_source s) {
  switch (s) {
    case WISP_OPEN_CONNECT: return "connect";
    case WISP_OPEN_ACCEPT: return "accept";
    case WISP_OPEN_INFERRED: return "inferred";
  }
  return "?";
}

std::string_view to_string(wisp_counter c) {
  switch (c) {
    case WISP_CNT_DATA_EVENTS: return "data_events";
    case WISP_CNT_CONTROL_EVENTS: return "control_events";
    case WISP_CNT_DATA_LOST: return "data_lost";
    case WISP_CNT_CONTROL_LOST: return "control_lost";
    case WISP_CNT_CONN_MAP_FULL: return "conn_map_full";
    case WISP_CNT_BYTES_NOT_COPIED: return "bytes_not_copied";
    case WISP_CNT_SENDFILE_BYTES: return "sendfile_bytes";
    case WISP_CNT_UNKNOWN_PROTO_BYTES: return "unknown_proto_bytes";
    case WISP_CNT_LOCAL_CLIENT_BYTES: return "local_client_bytes";
    case WISP_CNT__MAX: break;
  }
  return "?";
}

std::string to_string(const wisp_conn_id& id) {
  return "{tgid=" + std::to_string(id.tgid) + " fd=" + std::to_string(id.fd) +
         " start=" + std::to_string(id.tgid_start_ns) + " gen=" + std::to_string(id.generation) +
         "}";
}

std::string to_string(const wisp_addr& a) {
  auto ep = to_endpoint(a);
  if (ep.port < 0)
    return "-";
  if (a.family == AF_INET6 && ep.addr.find(':') != std::string::npos)
    return "[" + ep.addr + "]:" + std::to_string(ep.port);
  return ep.addr + ":" + std::to_string(ep.port);
}

std::string to_string(const wisp_open_event& e) {
  return "open " + to_string(e.hdr.conn) + " ts=" + std::to_string(e.hdr.ts_ns) +
         " local=" + to_string(e.local) + " remote=" + to_string(e.remote) +
         " role=" + std::string{to_string(static_cast<wisp_role>(e.role))} +
         " source=" + std::string{to_string(static_cast<wisp_open_source>(e.source))};
}

std::string to_string(const wisp_close_event& e) {
  return std::string{e.hdr.type == WISP_EVENT_STATS ? "stats " : "close "} +
         to_string(e.hdr.conn) + " ts=" + std::to_string(e.hdr.ts_ns) + " wr=" + std::to_string(e.wr_bytes) +
         " rd=" + std::to_string(e.rd_bytes) + " protocol=" +
         std::string{to_string(static_cast<wisp_protocol>(e.protocol))} + " role=" +
         std::string{to_string(static_cast<wisp_role>(e.role))};
}

std::string to_string(const wisp_data_event& e) {
  return "data " + to_string(e.hdr.conn) + " ts=" + std::to_string(e.hdr.ts_ns) +
         " dir=" + std::string{to_string(static_cast<wisp_direction>(e.direction))} +
         " proto=" + std::string{to_string(static_cast<wisp_protocol>(e.protocol))} +
         " role=" + std::string{to_string(static_cast<wisp_role>(e.role))} +
         " sys=" + std::string{to_string(static_cast<wisp_syscall>(e.syscall))} +
         " pos=" + std::to_string(e.pos) + " msg_size=" + std::to_string(e.msg_size) +
         " buf_size=" + std::to_string(e.buf_size);
}

}  // namespace wisp::bpf
