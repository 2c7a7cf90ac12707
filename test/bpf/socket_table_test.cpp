#include "actors/sources/socket_table.hpp"

#include <gtest/gtest.h>

#include <map>

namespace wisp::sources {
namespace {

// Captured from /proc/net/tcp and tcp6 of a host with a server on :8080 and one on [::]:9090.
constexpr const char* tcp4 =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n"
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
    "12345 1 0000000000000000 100 0 0 10 0\n"
    "   1: 0100007F:D2F4 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 "
    "12346 1 0000000000000000 20 4 30 10 -1\n";
constexpr const char* tcp6 =
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000000000000:2382 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 22222 1 0000000000000000 100 0 0 10 0\n";

TEST(parse_proc_net_tcp, finds_listening_ports_only) {
  auto p = parse_proc_net_tcp(tcp4);
  EXPECT_EQ(p.lines, 2U);
  EXPECT_EQ(p.bad_lines, 0U);
  ASSERT_EQ(p.listening_ports.size(), 1U);
  EXPECT_EQ(p.listening_ports[0], 8080);
}

TEST(parse_proc_net_tcp, reads_ipv6_table) {
  auto p = parse_proc_net_tcp(tcp6);
  ASSERT_EQ(p.listening_ports.size(), 1U);
  EXPECT_EQ(p.listening_ports[0], 9090);
}

TEST(parse_proc_net_tcp, counts_and_skips_malformed_lines) {
  auto p = parse_proc_net_tcp("header\n garbage\n   0: 0100007F:zz 00000000:0000 0A\n\n"
                              "   1: 0100007F:0050 00000000:0000 0A\n");
  EXPECT_EQ(p.lines, 3U);
  EXPECT_EQ(p.bad_lines, 2U);
  ASSERT_EQ(p.listening_ports.size(), 1U);
  EXPECT_EQ(p.listening_ports[0], 80);
}

TEST(parse_proc_net_tcp, empty_input) {
  auto p = parse_proc_net_tcp("");
  EXPECT_EQ(p.lines, 0U);
  EXPECT_TRUE(p.listening_ports.empty());
}

struct fake_reader final : proc_reader {
  std::map<std::string, std::string>* files;
  std::map<std::uint32_t, std::uint64_t>* netns;
  int* reads;
  std::optional<std::string> read_file(const std::string& path) override {
    ++*reads;
    auto it = files->find(path);
    if (it == files->end())
      return std::nullopt;
    return it->second;
  }
  std::optional<std::uint64_t> netns_of(std::uint32_t pid) override {
    auto it = netns->find(pid);
    if (it == netns->end())
      return std::nullopt;
    return it->second;
  }
};

struct socket_table_fixture : ::testing::Test {
  std::map<std::string, std::string> files{{"/p/10/net/tcp", tcp4}, {"/p/10/net/tcp6", tcp6}};
  std::map<std::uint32_t, std::uint64_t> netns{{10, 1}, {11, 1}, {20, 2}};
  int reads = 0;
  socket_table::clock::time_point t0{};

  socket_table make() {
    auto r = std::make_unique<fake_reader>();
    r->files = &files;
    r->netns = &netns;
    r->reads = &reads;
    return socket_table{std::move(r), "/p", std::chrono::seconds{5}};
  }
};

TEST_F(socket_table_fixture, server_when_local_port_listens_else_client) {
  auto t = make();
  EXPECT_EQ(t.infer_role(10, 8080, t0), schemas::trace_role::server);
  EXPECT_EQ(t.infer_role(10, 9090, t0), schemas::trace_role::server);
  EXPECT_EQ(t.infer_role(10, 53988, t0), schemas::trace_role::client);
}

TEST_F(socket_table_fixture, caches_per_netns_until_refresh) {
  auto t = make();
  EXPECT_EQ(t.infer_role(10, 8080, t0), schemas::trace_role::server);
  EXPECT_EQ(reads, 2);
  // pid 11 shares the namespace: served from the cache.
  EXPECT_EQ(t.infer_role(11, 8080, t0 + std::chrono::seconds{1}), schemas::trace_role::server);
  EXPECT_EQ(reads, 2);
  files["/p/11/net/tcp"] = "header\n";
  EXPECT_EQ(t.infer_role(11, 8080, t0 + std::chrono::seconds{6}), schemas::trace_role::client);
  EXPECT_EQ(reads, 4);
}

TEST_F(socket_table_fixture, unknown_when_process_or_files_missing) {
  auto t = make();
  EXPECT_EQ(t.infer_role(99, 8080, t0), schemas::trace_role::unknown);
  EXPECT_EQ(t.infer_role(20, 8080, t0), schemas::trace_role::unknown);
}

}  // namespace
}  // namespace wisp::sources
