#include "bpf/socket_trace_event.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>
#include <vector>

#include "schemas/node_asid.hpp"

namespace wisp::bpf {
namespace {

std::span<const std::byte> bytes_of(const void* p, std::size_t n) {
  return {static_cast<const std::byte*>(p), n};
}

TEST(socket_trace_event, decodes_open_with_endpoints_and_upid) {
  wisp_open_event e{};
  e.hdr.type = WISP_EVENT_OPEN;
  e.hdr.ts_ns = 1000;
  e.hdr.conn = {42, 7, 2'500'000'000ULL, 99};
  e.local.family = AF_INET;
  e.local.port = 8080;
  ::inet_pton(AF_INET, "127.0.0.1", e.local.addr);
  e.remote.family = AF_INET6;
  e.remote.port = 5555;
  ::inet_pton(AF_INET6, "::1", e.remote.addr);
  e.role = WISP_ROLE_SERVER;
  e.source = WISP_OPEN_ACCEPT;
  time_base tb{.mono_to_wall_ns = 5, .ns_per_clock_tick = 10'000'000};
  schemas::set_node_asid(3);
  control_record rec;
  ASSERT_EQ(decode_control(bytes_of(&e, sizeof(e)), tb, rec), decode_status::ok);
  EXPECT_EQ(rec.kind, WISP_EVENT_OPEN);
  EXPECT_EQ(rec.open.time_ns, 1005);
  EXPECT_EQ(rec.open.meta.local, (protocols::endpoint{"127.0.0.1", 8080}));
  EXPECT_EQ(rec.open.meta.remote, (protocols::endpoint{"::1", 5555}));
  EXPECT_EQ(rec.open.meta.role, schemas::trace_role::server);
  EXPECT_EQ(rec.open.meta.upid.high, (3ULL << 32) | 42U);
  EXPECT_EQ(rec.open.meta.upid.low, 250U);
  EXPECT_EQ(rec.open.key.generation, 99U);
}

TEST(socket_trace_event, v4_mapped_and_unknown_endpoints) {
  wisp_addr a{};
  a.family = AF_INET6;
  a.port = 1;
  ::inet_pton(AF_INET6, "::ffff:10.1.2.3", a.addr);
  EXPECT_EQ(to_endpoint(a), (protocols::endpoint{"10.1.2.3", 1}));
  wisp_addr none{};
  EXPECT_EQ(to_endpoint(none), (protocols::endpoint{"-", -1}));
}

TEST(socket_trace_event, rejects_bad_control_records) {
  time_base tb;
  control_record rec;
  wisp_open_event e{};
  e.hdr.type = WISP_EVENT_OPEN;
  e.role = WISP_ROLE_CLIENT;
  e.source = WISP_OPEN_CONNECT;
  EXPECT_EQ(decode_control(bytes_of(&e, 3), tb, rec), decode_status::too_short);
  EXPECT_EQ(decode_control(bytes_of(&e, sizeof(e) - 1), tb, rec), decode_status::bad_size);
  e.role = 3;
  EXPECT_EQ(decode_control(bytes_of(&e, sizeof(e)), tb, rec), decode_status::bad_field);
  e.hdr.type = WISP_EVENT_DATA;
  EXPECT_EQ(decode_control(bytes_of(&e, sizeof(e)), tb, rec), decode_status::bad_type);
}

TEST(socket_trace_event, decodes_data_and_rejects_inconsistent_sizes) {
  constexpr std::size_t fixed = offsetof(wisp_data_event, data);
  std::vector<std::byte> raw(fixed + 4);
  wisp_data_event hdr{};
  hdr.hdr.type = WISP_EVENT_DATA;
  hdr.pos = 10;
  hdr.msg_size = 4;
  hdr.buf_size = 4;
  hdr.direction = WISP_DIR_INGRESS;
  hdr.protocol = WISP_PROTO_HTTP;
  std::memcpy(raw.data(), &hdr, fixed);
  std::memcpy(raw.data() + fixed, "GET ", 4);
  protocols::data_chunk c;
  ASSERT_EQ(decode_data(raw, time_base{}, c), decode_status::ok);
  EXPECT_EQ(c.bytes, "GET ");
  EXPECT_EQ(c.pos, 10U);
  EXPECT_EQ(c.dir, protocols::direction::ingress);

  hdr.buf_size = 5;  // more than the record holds
  hdr.msg_size = 5;
  std::memcpy(raw.data(), &hdr, fixed);
  EXPECT_EQ(decode_data(raw, time_base{}, c), decode_status::bad_size);
  hdr.buf_size = 4;
  hdr.msg_size = 3;  // msg_size < buf_size
  std::memcpy(raw.data(), &hdr, fixed);
  EXPECT_EQ(decode_data(raw, time_base{}, c), decode_status::bad_size);
  EXPECT_EQ(decode_data(std::span(raw).first(fixed - 1), time_base{}, c),
            decode_status::too_short);
}

}  // namespace
}  // namespace wisp::bpf
