// Loads the socket tracer into the running kernel and drives real sockets on loopback. Needs
// root and BTF (skipped otherwise); mounts tracefs if it is missing.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bpf/environment.hpp"
#include "bpf/socket_tracer_loader.hpp"
#include "bpf/tracefs.hpp"

namespace wisp::bpf {
namespace {

using namespace std::chrono_literals;
constexpr auto event_deadline = 10s;
constexpr int poll_ms = 50;

const std::string http_request = "GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n";
const std::string http_response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

struct collecting_sink final : socket_event_sink {
  std::vector<protocols::conn_open> opens;
  std::vector<protocols::conn_close> closes;
  std::vector<protocols::data_chunk> data;
  std::vector<protocols::conn_close> stats;
  void on_open(protocols::conn_open&& ev) override { opens.push_back(std::move(ev)); }
  void on_close(protocols::conn_close&& ev) override { closes.push_back(std::move(ev)); }
  void on_data(protocols::data_chunk&& ev) override { data.push_back(std::move(ev)); }
  void on_stats(protocols::conn_close&& ev) override { stats.push_back(std::move(ev)); }
};

struct fd_guard {
  int fd = -1;
  explicit fd_guard(int f = -1) : fd(f) {}
  fd_guard(fd_guard&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  fd_guard& operator=(fd_guard&& o) noexcept {
    reset();
    fd = std::exchange(o.fd, -1);
    return *this;
  }
  ~fd_guard() { reset(); }
  void reset() {
    if (fd >= 0)
      ::close(fd);
    fd = -1;
  }
};

struct tcp_pair {
  fd_guard listener, client, server;
  std::uint16_t port = 0;         // server port
  std::uint16_t client_port = 0;  // client's ephemeral port
};

std::uint16_t local_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

tcp_pair make_tcp_pair() {
  tcp_pair p;
  p.listener = fd_guard{::socket(AF_INET, SOCK_STREAM, 0)};
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(p.listener.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  EXPECT_EQ(::listen(p.listener.fd, SOMAXCONN), 0);
  p.port = local_port(p.listener.fd);
  a.sin_port = htons(p.port);
  p.client = fd_guard{::socket(AF_INET, SOCK_STREAM, 0)};
  EXPECT_EQ(::connect(p.client.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  p.server = fd_guard{::accept(p.listener.fd, nullptr, nullptr)};
  EXPECT_GE(p.server.fd, 0);
  p.client_port = local_port(p.client.fd);
  return p;
}

/// A bound UDP socket and a client socket connected to it, as resolvers use UDP.
std::pair<fd_guard, fd_guard> make_udp_pair() {
  fd_guard server{::socket(AF_INET, SOCK_DGRAM, 0)};
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(server.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  a.sin_port = htons(local_port(server.fd));
  fd_guard client{::socket(AF_INET, SOCK_DGRAM, 0)};
  EXPECT_EQ(::connect(client.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  return {std::move(server), std::move(client)};
}

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    ASSERT_GT(n, 0);
    off += static_cast<std::size_t>(n);
  }
}

std::string read_exact(int fd, std::size_t n) {
  std::string out(n, '\0');
  std::size_t off = 0;
  while (off < n) {
    ssize_t r = ::read(fd, out.data() + off, n - off);
    if (r <= 0)
      break;
    off += static_cast<std::size_t>(r);
  }
  out.resize(off);
  return out;
}
/// A new TCP pair whose client has sent `bytes` and whose server has read them.
tcp_pair exchanged(const std::string& bytes) {
  auto p = make_tcp_pair();
  write_all(p.client.fd, bytes);
  EXPECT_EQ(read_exact(p.server.fd, bytes.size()), bytes);
  return p;
}


std::uint64_t proc_start_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  constexpr int start_time_index = 19;  // field 22 counted from field 3 (state)
  for (int i = 0; i <= start_time_index; ++i)
    rest >> field;
  return std::stoull(field);
}

class socket_tracer_test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root";
    if (!check_kernel_btf())
      GTEST_SKIP() << "no kernel BTF";
    auto t = ensure_tracefs();
    ASSERT_TRUE(t) << t.error_value().what;
  }

  void start(bool trace_self = true) {
    socket_tracer_options opts;
    opts.trace_self = trace_self;
    start(opts);
  }

  void start(const socket_tracer_options& opts) {
    auto l = socket_tracer_loader::start(opts);
    ASSERT_TRUE(l) << l.error_value().what;
    loader_ = std::move(l.value());
  }

  // Polls until pred holds or the deadline passes; returns pred's final value.
  bool poll_until(const std::function<bool()>& pred) {
    auto deadline = std::chrono::steady_clock::now() + event_deadline;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      auto r = loader_->poll(poll_ms, sink_);
      EXPECT_TRUE(r) << (r ? "" : r.error_value().what);
    }
    return true;
  }

  const protocols::conn_open* open_of(pid_t pid, int fd) const {
    const protocols::conn_open* found = nullptr;
    for (auto& o : sink_.opens)
      if (o.key.tgid == static_cast<std::uint32_t>(pid) && o.key.fd == fd)
        found = &o;
    return found;
  }

  std::vector<const protocols::data_chunk*> chunks(pid_t pid, int fd,
                                                   protocols::direction dir) const {
    std::vector<const protocols::data_chunk*> out;
    for (auto& d : sink_.data)
      if (d.key.tgid == static_cast<std::uint32_t>(pid) && d.key.fd == fd && d.dir == dir)
        out.push_back(&d);
    return out;
  }

  std::uint64_t bytes_seen(pid_t pid, int fd, protocols::direction dir) const {
    std::uint64_t end = 0;
    for (auto* c : chunks(pid, fd, dir))
      end = std::max<std::uint64_t>(end, c->pos + c->msg_size);
    return end;
  }

  // Checks that the chunks of one direction are contiguous from position 0 and returns the
  // copied bytes concatenated.
  std::string stream(pid_t pid, int fd, protocols::direction dir) const {
    std::string out;
    std::uint64_t next = 0;
    for (auto* c : chunks(pid, fd, dir)) {
      EXPECT_EQ(c->pos, next) << "gap or overlap in the stream";
      next = c->pos + c->msg_size;
      out += c->bytes;
    }
    return out;
  }

  std::uint64_t counter(wisp_counter c) const {
    auto v = loader_->counters();
    EXPECT_TRUE(v);
    return v ? v->total[c] : 0;
  }

  std::unique_ptr<socket_tracer_loader> loader_;
  collecting_sink sink_;
  pid_t self_ = ::getpid();
};

TEST_F(socket_tracer_test, connect_and_accept_emit_open_events_with_roles_and_addresses) {
  start();
  auto p = make_tcp_pair();
  ASSERT_TRUE(poll_until([&] { return open_of(self_, p.client.fd) && open_of(self_, p.server.fd); }));
  auto* c = open_of(self_, p.client.fd);
  EXPECT_EQ(c->source, WISP_OPEN_CONNECT);
  EXPECT_EQ(c->meta.role, schemas::trace_role::client);
  EXPECT_EQ(c->meta.local, (protocols::endpoint{"127.0.0.1", p.client_port}));
  EXPECT_EQ(c->meta.remote, (protocols::endpoint{"127.0.0.1", p.port}));
  EXPECT_EQ(c->meta.upid.high, static_cast<std::uint64_t>(self_));
  EXPECT_EQ(c->meta.upid.low, proc_start_ticks(self_));
  auto* s = open_of(self_, p.server.fd);
  EXPECT_EQ(s->source, WISP_OPEN_ACCEPT);
  EXPECT_EQ(s->meta.role, schemas::trace_role::server);
  EXPECT_EQ(s->meta.local, (protocols::endpoint{"127.0.0.1", p.port}));
  EXPECT_EQ(s->meta.remote, (protocols::endpoint{"127.0.0.1", p.client_port}));
  auto now = std::chrono::system_clock::now().time_since_epoch();
  EXPECT_LT(std::abs(std::chrono::nanoseconds(now).count() - c->time_ns), 60'000'000'000LL);
}

TEST_F(socket_tracer_test, write_and_read_produce_contiguous_http_chunks) {
  start();
  auto p = make_tcp_pair();
  write_all(p.client.fd, http_request);
  ASSERT_EQ(read_exact(p.server.fd, http_request.size()), http_request);
  write_all(p.server.fd, http_response);
  ASSERT_EQ(read_exact(p.client.fd, http_response.size()), http_response);
  using protocols::direction;
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, p.client.fd, direction::ingress) == http_response.size() &&
           bytes_seen(self_, p.server.fd, direction::egress) == http_response.size();
  }));
  EXPECT_EQ(stream(self_, p.client.fd, direction::egress), http_request);
  EXPECT_EQ(stream(self_, p.server.fd, direction::ingress), http_request);
  EXPECT_EQ(stream(self_, p.server.fd, direction::egress), http_response);
  EXPECT_EQ(stream(self_, p.client.fd, direction::ingress), http_response);
  for (auto* c : chunks(self_, p.client.fd, direction::egress))
    EXPECT_EQ(c->protocol, WISP_PROTO_HTTP);
}

TEST_F(socket_tracer_test, send_recv_sendto_recvfrom) {
  start();
  auto p = make_tcp_pair();
  std::string part2 = "X-More: yes\r\n\r\n";
  ASSERT_EQ(::send(p.client.fd, http_request.data(), http_request.size(), 0),
            static_cast<ssize_t>(http_request.size()));
  ASSERT_EQ(::sendto(p.client.fd, part2.data(), part2.size(), 0, nullptr, 0),
            static_cast<ssize_t>(part2.size()));
  std::string want = http_request + part2;
  std::string got(want.size(), '\0');
  std::size_t off = 0;
  while (off < want.size()) {
    ssize_t n = off == 0 ? ::recv(p.server.fd, got.data(), 10, 0)
                         : ::recvfrom(p.server.fd, got.data() + off, want.size() - off, 0,
                                      nullptr, nullptr);
    ASSERT_GT(n, 0);
    off += static_cast<std::size_t>(n);
  }
  ASSERT_EQ(got, want);
  using protocols::direction;
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, p.server.fd, direction::ingress) == want.size() &&
           bytes_seen(self_, p.client.fd, direction::egress) == want.size();
  }));
  EXPECT_EQ(stream(self_, p.client.fd, direction::egress), want);
  EXPECT_EQ(stream(self_, p.server.fd, direction::ingress), want);
}

TEST_F(socket_tracer_test, sendmsg_recvmsg_writev_readv_walk_iovecs) {
  start();
  auto p = make_tcp_pair();
  std::string a = "POST /x HTTP/1.1\r\n", b = "Content-Length: 3\r\n", c = "\r\nabc";
  iovec out[] = {{a.data(), a.size()}, {b.data(), b.size()}, {c.data(), c.size()}};
  msghdr m{};
  m.msg_iov = out;
  m.msg_iovlen = std::size(out);
  std::string want = a + b + c;
  ASSERT_EQ(::sendmsg(p.client.fd, &m, 0), static_cast<ssize_t>(want.size()));
  ASSERT_EQ(::writev(p.client.fd, out, std::size(out)), static_cast<ssize_t>(want.size()));
  std::string r1(7, '\0'), r2(want.size() - 7, '\0');
  iovec in[] = {{r1.data(), r1.size()}, {r2.data(), r2.size()}};
  msghdr mi{};
  mi.msg_iov = in;
  mi.msg_iovlen = std::size(in);
  ASSERT_EQ(::recvmsg(p.server.fd, &mi, MSG_WAITALL), static_cast<ssize_t>(want.size()));
  EXPECT_EQ(r1 + r2, want);
  ASSERT_EQ(::readv(p.server.fd, in, std::size(in)), static_cast<ssize_t>(want.size()));
  using protocols::direction;
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, p.server.fd, direction::ingress) == 2 * want.size() &&
           bytes_seen(self_, p.client.fd, direction::egress) == 2 * want.size();
  }));
  EXPECT_EQ(stream(self_, p.client.fd, direction::egress), want + want);
  EXPECT_EQ(stream(self_, p.server.fd, direction::ingress), want + want);
  // The iovecs of one syscall are gathered into one event.
  EXPECT_EQ(chunks(self_, p.client.fd, direction::egress).size(), 2U);
}

TEST_F(socket_tracer_test, writev_larger_than_one_event_is_sent_per_iovec) {
  start();
  auto p = make_tcp_pair();
  std::string a = "POST /v HTTP/1.1\r\n\r\n";
  std::string b(WISP_MAX_MSG_SIZE, 'v');
  iovec out[] = {{a.data(), a.size()}, {b.data(), b.size()}};
  std::string want = a + b;
  std::thread reader([&] { read_exact(p.server.fd, want.size()); });
  ASSERT_EQ(::writev(p.client.fd, out, std::size(out)), static_cast<ssize_t>(want.size()));
  reader.join();
  using protocols::direction;
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, p.client.fd, direction::egress) == want.size();
  }));
  EXPECT_EQ(stream(self_, p.client.fd, direction::egress), want);
  auto cs = chunks(self_, p.client.fd, direction::egress);
  ASSERT_EQ(cs.size(), 2U);
  EXPECT_EQ(cs[1]->pos, a.size());
}

// With the host's addresses set, the client side of an HTTP exchange to this host is counted and
// not copied; the server side is complete, and the client's positions still advance.
TEST_F(socket_tracer_test, client_side_of_local_http_is_counted_not_copied) {
  socket_tracer_options opts;
  opts.trace_self = true;
  opts.local_addresses = {"::1", "127.0.0.1"};
  start(opts);
  std::uint64_t before = counter(WISP_CNT_LOCAL_CLIENT_BYTES);
  auto p = make_tcp_pair();
  write_all(p.client.fd, http_request);
  ASSERT_EQ(read_exact(p.server.fd, http_request.size()), http_request);
  write_all(p.server.fd, http_response);
  ASSERT_EQ(read_exact(p.client.fd, http_response.size()), http_response);
  int client_fd = p.client.fd;
  ASSERT_TRUE(poll_until([&] { return open_of(self_, client_fd) != nullptr; }));
  auto client_key = open_of(self_, client_fd)->key;
  p.client.reset();
  using protocols::direction;
  ASSERT_TRUE(poll_until([&] {
    bool closed = false;
    for (auto& c : sink_.closes)
      closed = closed || c.key == client_key;
    return closed && bytes_seen(self_, p.server.fd, direction::egress) == http_response.size();
  }));
  EXPECT_EQ(stream(self_, p.server.fd, direction::ingress), http_request);
  EXPECT_EQ(stream(self_, p.server.fd, direction::egress), http_response);
  for (auto& d : sink_.data)
    EXPECT_FALSE(d.key == client_key) << "client-side data was copied";
  for (auto& c : sink_.closes)
    if (c.key == client_key) {
      EXPECT_EQ(c.wr_bytes, http_request.size());
      EXPECT_EQ(c.rd_bytes, http_response.size());
    }
  EXPECT_GE(counter(WISP_CNT_LOCAL_CLIENT_BYTES) - before,
            http_request.size() + http_response.size());
}

TEST_F(socket_tracer_test, bad_local_address_is_a_clear_error) {
  socket_tracer_options opts;
  opts.local_addresses = {"127.0.0.1", "not-an-address"};
  auto l = socket_tracer_loader::start(opts);
  ASSERT_FALSE(l);
  EXPECT_NE(l.error_value().what.find("'not-an-address' is not a numeric IPv4 or IPv6 address"),
            std::string::npos)
      << l.error_value().what;
}

TEST_F(socket_tracer_test, large_write_is_split_into_chunks_with_positions) {
  start();
  auto p = make_tcp_pair();
  // Fits in WISP_MAX_CHUNKS chunks: fully copied.
  std::string big = "POST /big HTTP/1.1\r\n\r\n";
  big.resize(WISP_MAX_MSG_SIZE * 2 + 1000, 'a');
  // Too large: the tail of the last chunk is only counted.
  std::string huge(WISP_MAX_MSG_SIZE * WISP_MAX_CHUNKS + 5000, 'b');
  std::thread reader([&] { read_exact(p.server.fd, big.size() + huge.size()); });
  write_all(p.client.fd, big);
  std::uint64_t not_copied_before = counter(WISP_CNT_BYTES_NOT_COPIED);
  write_all(p.client.fd, huge);
  reader.join();
  using protocols::direction;
  std::uint64_t total = big.size() + huge.size();
  ASSERT_TRUE(poll_until([&] { return bytes_seen(self_, p.client.fd, direction::egress) == total; }));
  auto cs = chunks(self_, p.client.fd, direction::egress);
  std::string copied = stream(self_, p.client.fd, direction::egress);
  ASSERT_GE(cs.size(), 3U);
  EXPECT_EQ(cs[0]->pos, 0U);
  EXPECT_EQ(cs[0]->bytes.size(), static_cast<std::size_t>(WISP_MAX_MSG_SIZE));
  EXPECT_EQ(cs[1]->pos, static_cast<std::uint64_t>(WISP_MAX_MSG_SIZE));
  EXPECT_EQ(copied.substr(0, big.size()), big);
  std::size_t gap = 0;
  for (auto* c : cs)
    gap += c->msg_size - c->bytes.size();
  EXPECT_GE(gap, 5000U);
  EXPECT_GE(counter(WISP_CNT_BYTES_NOT_COPIED) - not_copied_before, gap);
}

TEST_F(socket_tracer_test, sendfile_is_counted_not_copied) {
  start();
  auto p = make_tcp_pair();
  char path[] = "/tmp/wisp_sendfile_XXXXXX";
  fd_guard file{::mkstemp(path)};
  ASSERT_GE(file.fd, 0);
  ::unlink(path);
  constexpr std::size_t body = 5000;
  write_all(file.fd, std::string(body, 'z'));
  std::string header = "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n";
  std::uint64_t sendfile_before = counter(WISP_CNT_SENDFILE_BYTES);
  write_all(p.server.fd, header);
  off_t off = 0;
  ASSERT_EQ(::sendfile(p.server.fd, file.fd, &off, body), static_cast<ssize_t>(body));
  write_all(p.server.fd, "tail");
  ASSERT_EQ(read_exact(p.client.fd, header.size() + body + 4).size(), header.size() + body + 4);
  using protocols::direction;
  std::uint64_t total = header.size() + body + 4;
  ASSERT_TRUE(poll_until([&] { return bytes_seen(self_, p.server.fd, direction::egress) == total; }));
  auto cs = chunks(self_, p.server.fd, direction::egress);
  ASSERT_EQ(cs.size(), 3U);
  EXPECT_EQ(cs[1]->pos, header.size());
  EXPECT_EQ(cs[1]->msg_size, body);
  EXPECT_TRUE(cs[1]->bytes.empty());
  EXPECT_EQ(cs[2]->pos, header.size() + body);
  EXPECT_EQ(cs[2]->bytes, "tail");
  EXPECT_GE(counter(WISP_CNT_SENDFILE_BYTES) - sendfile_before, body);
}

TEST_F(socket_tracer_test, close_reports_total_bytes) {
  start();
  auto p = make_tcp_pair();
  write_all(p.client.fd, http_request);
  read_exact(p.server.fd, http_request.size());
  int fd = p.client.fd;
  ASSERT_TRUE(poll_until([&] { return open_of(self_, fd) != nullptr; }));
  auto key = open_of(self_, fd)->key;
  p.client.reset();
  ASSERT_TRUE(poll_until([&] {
    for (auto& c : sink_.closes)
      if (c.key == key)
        return true;
    return false;
  }));
  for (auto& c : sink_.closes)
    if (c.key == key) {
      EXPECT_EQ(c.wr_bytes, http_request.size());
      EXPECT_EQ(c.rd_bytes, 0U);
      EXPECT_EQ(c.protocol, WISP_PROTO_HTTP);
      EXPECT_EQ(c.role, schemas::trace_role::client);
    }
}

// conn_stats needs the traffic of every connection, not only of parsed protocols: a stats event
// each time a connection's total crosses a multiple of 64 KiB, protocol unknown included.
TEST_F(socket_tracer_test, stats_events_follow_totals_of_every_protocol) {
  start();
  auto p = make_tcp_pair();
  const std::string blob(200 * 1024, '\0');  // no protocol: counted, never copied
  std::thread reader([&] { read_exact(p.server.fd, blob.size()); });
  write_all(p.client.fd, blob);
  reader.join();
  ASSERT_TRUE(poll_until([&] { return open_of(self_, p.client.fd) && open_of(self_, p.server.fd); }));
  const auto client = open_of(self_, p.client.fd)->key;
  const auto server = open_of(self_, p.server.fd)->key;
  auto steps = [&](const protocols::conn_key& k) {
    std::vector<std::uint64_t> totals;
    for (const auto& s : sink_.stats)
      if (s.key == k) totals.push_back(s.wr_bytes + s.rd_bytes);
    return totals;
  };
  // 200 KiB crosses 64, 128 and 192 KiB on each side. One syscall that crosses several
  // boundaries sends one event, so each side gets one to three, the last at 192 KiB or later.
  auto crossed_last = [&](const protocols::conn_key& k) {
    auto t = steps(k);
    return !t.empty() && t.back() >= 3 * WISP_STATS_STEP;
  };
  ASSERT_TRUE(poll_until([&] { return crossed_last(client) && crossed_last(server); }));
  for (const auto& k : {client, server}) {
    auto t = steps(k);
    EXPECT_LE(t.size(), 3U);
    EXPECT_GE(t.front(), WISP_STATS_STEP);
    EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
    EXPECT_LE(t.back(), blob.size());
  }
  for (const auto& s : sink_.stats)
    if (s.key == client) {
      EXPECT_EQ(s.protocol, WISP_PROTO_UNKNOWN);
      EXPECT_EQ(s.role, schemas::trace_role::client);
      EXPECT_EQ(s.rd_bytes, 0U);
    }
  EXPECT_TRUE(chunks(self_, p.client.fd, protocols::direction::egress).empty());
}

// A process that exits with its socket open never calls close(): the socket's move to
// TCP_CLOSE ends the connection instead, with its final totals.
TEST_F(socket_tracer_test, exit_without_close_still_ends_the_connection) {
  start();
  auto p = make_tcp_pair();
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(p.port);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) ::_exit(1);
    const std::string msg(100, 'x');
    if (::write(fd, msg.data(), msg.size()) != 100) ::_exit(2);
    ::_exit(0);  // no close()
  }
  fd_guard server{::accept(p.listener.fd, nullptr, nullptr)};
  ASSERT_GE(server.fd, 0);
  read_exact(server.fd, 100);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const protocols::conn_close* closed = nullptr;
  ASSERT_TRUE(poll_until([&] {
    for (auto& c : sink_.closes)
      if (c.key.tgid == static_cast<std::uint32_t>(child)) closed = &c;
    return closed != nullptr;
  }));
  EXPECT_EQ(closed->wr_bytes, 100U);
  EXPECT_EQ(closed->role, schemas::trace_role::client);
}

// A non-blocking connect() returns EINPROGRESS and a second connect() reports its completion
// (hiredis, so redis-cli, does this): one connection, one open event.
TEST_F(socket_tracer_test, second_connect_of_the_same_socket_is_not_a_new_connection) {
  start();
  auto p = make_tcp_pair();
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(p.port);
  fd_guard c{::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)};
  int first = ::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  ASSERT_TRUE(first == 0 || errno == EINPROGRESS);
  fd_guard s{::accept(p.listener.fd, nullptr, nullptr)};
  ASSERT_GE(s.fd, 0);
  int second = ::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  EXPECT_TRUE(second == 0 || errno == EISCONN);
  write_all(s.fd, http_response);
  // The accepted side's data arrives after both connects were processed.
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, s.fd, protocols::direction::egress) == http_response.size();
  }));
  int opens = 0;
  for (const auto& o : sink_.opens)
    if (o.key.tgid == static_cast<std::uint32_t>(self_) && o.key.fd == c.fd) ++opens;
  EXPECT_EQ(opens, 1);
  for (const auto& cl : sink_.closes)
    EXPECT_FALSE(cl.key.tgid == static_cast<std::uint32_t>(self_) && cl.key.fd == c.fd);
}

TEST_F(socket_tracer_test, connection_opened_before_load_is_inferred) {
  auto p = make_tcp_pair();
  start();
  write_all(p.client.fd, http_request);
  ASSERT_EQ(read_exact(p.server.fd, http_request.size()), http_request);
  ASSERT_TRUE(poll_until([&] { return open_of(self_, p.client.fd) && open_of(self_, p.server.fd); }));
  auto* c = open_of(self_, p.client.fd);
  EXPECT_EQ(c->source, WISP_OPEN_INFERRED);
  EXPECT_EQ(c->meta.role, schemas::trace_role::unknown);
  EXPECT_EQ(c->meta.local, (protocols::endpoint{"127.0.0.1", p.client_port}));
  EXPECT_EQ(c->meta.remote, (protocols::endpoint{"127.0.0.1", p.port}));
  auto* s = open_of(self_, p.server.fd);
  EXPECT_EQ(s->source, WISP_OPEN_INFERRED);
  EXPECT_EQ(s->meta.local, (protocols::endpoint{"127.0.0.1", p.port}));
  using protocols::direction;
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, p.server.fd, direction::ingress) == http_request.size();
  }));
  EXPECT_EQ(stream(self_, p.server.fd, direction::ingress), http_request);
}

TEST_F(socket_tracer_test, pipes_files_and_unix_sockets_are_ignored) {
  start();
  int pfd[2];
  ASSERT_EQ(::pipe(pfd), 0);
  fd_guard pr{pfd[0]}, pw{pfd[1]};
  write_all(pw.fd, http_request);
  read_exact(pr.fd, http_request.size());
  char path[] = "/tmp/wisp_file_XXXXXX";
  fd_guard file{::mkstemp(path)};
  ::unlink(path);
  write_all(file.fd, http_request);
  int us[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, us), 0);
  fd_guard u0{us[0]}, u1{us[1]};
  write_all(u0.fd, http_request);
  read_exact(u1.fd, http_request.size());
  // A traced connection afterwards: once its data arrives, the earlier syscalls were processed.
  auto p = make_tcp_pair();
  write_all(p.client.fd, http_request);
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, p.client.fd, protocols::direction::egress) == http_request.size();
  }));
  for (int fd : {pr.fd, pw.fd, file.fd, u0.fd, u1.fd}) {
    EXPECT_EQ(open_of(self_, fd), nullptr) << "fd " << fd;
    EXPECT_TRUE(chunks(self_, fd, protocols::direction::egress).empty()) << "fd " << fd;
    EXPECT_TRUE(chunks(self_, fd, protocols::direction::ingress).empty()) << "fd " << fd;
  }
}

TEST_F(socket_tracer_test, unknown_protocol_is_counted_not_sent) {
  start();
  auto p = make_tcp_pair();
  std::uint64_t before = counter(WISP_CNT_UNKNOWN_PROTO_BYTES);
  std::string blob = "\x01\x02 not a known protocol";
  write_all(p.client.fd, blob);
  ASSERT_EQ(read_exact(p.server.fd, blob.size()), blob);
  auto q = make_tcp_pair();
  write_all(q.client.fd, http_request);
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, q.client.fd, protocols::direction::egress) == http_request.size();
  }));
  EXPECT_NE(open_of(self_, p.client.fd), nullptr);
  EXPECT_TRUE(chunks(self_, p.client.fd, protocols::direction::egress).empty());
  EXPECT_TRUE(chunks(self_, p.server.fd, protocols::direction::ingress).empty());
  EXPECT_GE(counter(WISP_CNT_UNKNOWN_PROTO_BYTES) - before, 2 * blob.size());
}

// PostgreSQL and Redis inference (facts §4.4), each only when enabled: the first bytes a real
// client sends (an SSLRequest and a simple Query from psql, a RESP array from redis-cli) decide
// the protocol; bytes that only look close stay unknown and are counted, not sent.
TEST_F(socket_tracer_test, pgsql_and_redis_are_inferred_when_enabled) {
  const std::string ssl_request{"\x00\x00\x00\x08\x04\xd2\x16\x2f", 8};
  const std::string query = std::string{"Q\x00\x00\x00\x0eselect 1;\x00", 15};
  const std::string bad_query = std::string{"Q\x00\x00\x00\x20select 1;\x00", 15};  // length lies
  const std::string ping = "*1\r\n$4\r\nPING\r\n";
  const std::string not_resp = "+OK no line end";
  auto before = make_tcp_pair();  // opened before the load: roles come from inference
  socket_tracer_options opts;
  opts.trace_self = true;
  opts.protocols = (1U << WISP_PROTO_HTTP) | (1U << WISP_PROTO_PGSQL) | (1U << WISP_PROTO_REDIS);
  start(opts);
  auto ssl = exchanged(ssl_request);
  auto bad = exchanged(bad_query);
  auto redis = exchanged(ping);
  auto other = exchanged(not_resp);
  write_all(before.client.fd, query);
  read_exact(before.server.fd, query.size());
  using protocols::direction;
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, ssl.server.fd, direction::ingress) == ssl_request.size() &&
           bytes_seen(self_, before.server.fd, direction::ingress) == query.size() &&
           bytes_seen(self_, redis.server.fd, direction::ingress) == ping.size();
  }));
  auto protocol_of = [&](const tcp_pair& p, direction d) {
    auto c = chunks(self_, d == direction::egress ? p.client.fd : p.server.fd, d);
    return c.empty() ? -1 : static_cast<int>(c.front()->protocol);
  };
  EXPECT_EQ(protocol_of(ssl, direction::egress), WISP_PROTO_PGSQL);
  EXPECT_EQ(protocol_of(ssl, direction::ingress), WISP_PROTO_PGSQL);
  EXPECT_EQ(protocol_of(before, direction::ingress), WISP_PROTO_PGSQL);
  EXPECT_EQ(protocol_of(redis, direction::egress), WISP_PROTO_REDIS);
  EXPECT_EQ(protocol_of(redis, direction::ingress), WISP_PROTO_REDIS);
  EXPECT_EQ(stream(self_, before.server.fd, direction::ingress), query);
  EXPECT_TRUE(chunks(self_, bad.server.fd, direction::ingress).empty());
  EXPECT_TRUE(chunks(self_, other.server.fd, direction::ingress).empty());
}

// MySQL, DNS (over TCP and UDP) and NATS inference, with the bytes their real clients send
// first: a COM_QUERY packet, a standard query for one name, a CONNECT.
TEST_F(socket_tracer_test, mysql_dns_and_nats_are_inferred_when_enabled) {
  const std::string select1 = "select 1";
  std::string mysql_query{"\x09\x00\x00\x00\x03", 5};
  mysql_query += select1;
  // Query id 0x1234, RD, one question: wisp.test A IN.
  const std::string dns_query{"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                              "\x04wisp\x04test\x00\x00\x01\x00\x01", 27};
  const std::string dns_tcp = std::string{"\x00\x1b", 2} + dns_query;
  std::string not_dns = dns_query;
  not_dns[5] = 2;  // two questions: never sent by resolvers
  const std::string nats_connect = "CONNECT {\"verbose\":false}\r\n";
  socket_tracer_options opts;
  opts.trace_self = true;
  opts.protocols = (1U << WISP_PROTO_MYSQL) | (1U << WISP_PROTO_DNS) | (1U << WISP_PROTO_NATS);
  start(opts);
  auto mysql = exchanged(mysql_query);
  auto dns = exchanged(dns_tcp);
  auto nats = exchanged(nats_connect);
  auto other = exchanged(not_dns);
  // DNS over connected UDP sockets, as resolvers send it.
  auto [u_server, u_client] = make_udp_pair();
  ASSERT_EQ(::send(u_client.fd, dns_query.data(), dns_query.size(), 0),
            static_cast<ssize_t>(dns_query.size()));
  char buf[64];
  ASSERT_EQ(::recv(u_server.fd, buf, sizeof buf, 0), static_cast<ssize_t>(dns_query.size()));
  using protocols::direction;
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, mysql.server.fd, direction::ingress) == mysql_query.size() &&
           bytes_seen(self_, dns.server.fd, direction::ingress) == dns_tcp.size() &&
           bytes_seen(self_, nats.server.fd, direction::ingress) == nats_connect.size() &&
           bytes_seen(self_, u_client.fd, direction::egress) == dns_query.size();
  }));
  auto protocol_of = [&](int fd, direction d) {
    auto c = chunks(self_, fd, d);
    return c.empty() ? -1 : static_cast<int>(c.front()->protocol);
  };
  EXPECT_EQ(protocol_of(mysql.server.fd, direction::ingress), WISP_PROTO_MYSQL);
  EXPECT_EQ(protocol_of(dns.server.fd, direction::ingress), WISP_PROTO_DNS);
  EXPECT_EQ(protocol_of(nats.server.fd, direction::ingress), WISP_PROTO_NATS);
  EXPECT_EQ(protocol_of(u_client.fd, direction::egress), WISP_PROTO_DNS);
  EXPECT_EQ(stream(self_, u_client.fd, direction::egress), dns_query);
  EXPECT_TRUE(chunks(self_, other.server.fd, direction::ingress).empty());
}

// An unconnected UDP server (a DNS server's socket) answers several clients on one fd: every
// datagram carries its peer, from recvfrom/sendto addresses and from recvmsg/sendmsg msg_name.
TEST_F(socket_tracer_test, datagrams_of_an_unconnected_socket_name_their_peers) {
  const std::string dns_query{"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                              "\x04wisp\x04test\x00\x00\x01\x00\x01", 27};
  socket_tracer_options opts;
  opts.trace_self = true;
  opts.protocols = 1U << WISP_PROTO_DNS;
  start(opts);
  fd_guard server{::socket(AF_INET, SOCK_DGRAM, 0)};
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(server.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  a.sin_port = htons(local_port(server.fd));
  fd_guard c1{::socket(AF_INET, SOCK_DGRAM, 0)}, c2{::socket(AF_INET, SOCK_DGRAM, 0)};
  for (int fd : {c1.fd, c2.fd})
    ASSERT_EQ(::sendto(fd, dns_query.data(), dns_query.size(), 0,
                       reinterpret_cast<sockaddr*>(&a), sizeof(a)),
              static_cast<ssize_t>(dns_query.size()));
  char buf[64];
  // First datagram through recvfrom/sendto, the second through recvmsg/sendmsg.
  sockaddr_in from{};
  socklen_t from_len = sizeof(from);
  ASSERT_EQ(::recvfrom(server.fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len),
            static_cast<ssize_t>(dns_query.size()));
  ASSERT_EQ(::sendto(server.fd, buf, dns_query.size(), 0, reinterpret_cast<sockaddr*>(&from),
                     from_len),
            static_cast<ssize_t>(dns_query.size()));
  sockaddr_in from2{};
  iovec v{buf, sizeof buf};
  msghdr m{};
  m.msg_name = &from2;
  m.msg_namelen = sizeof(from2);
  m.msg_iov = &v;
  m.msg_iovlen = 1;
  ASSERT_EQ(::recvmsg(server.fd, &m, 0), static_cast<ssize_t>(dns_query.size()));
  v.iov_len = dns_query.size();
  ASSERT_EQ(::sendmsg(server.fd, &m, 0), static_cast<ssize_t>(dns_query.size()));
  using protocols::direction;
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, server.fd, direction::ingress) == 2 * dns_query.size() &&
           bytes_seen(self_, server.fd, direction::egress) == 2 * dns_query.size();
  }));
  const std::int64_t port1 = local_port(c1.fd), port2 = local_port(c2.fd);
  for (auto d : {direction::ingress, direction::egress}) {
    auto c = chunks(self_, server.fd, d);
    ASSERT_EQ(c.size(), 2U);
    std::set<std::int64_t> ports;
    for (const auto* chunk : c) {
      EXPECT_EQ(chunk->peer.addr, "127.0.0.1");
      ports.insert(chunk->peer.port);
    }
    EXPECT_EQ(ports, (std::set<std::int64_t>{port1, port2}));
  }
  // The unconnected clients' sendto names the server too.
  for (int fd : {c1.fd, c2.fd}) {
    auto c = chunks(self_, fd, direction::egress);
    ASSERT_EQ(c.size(), 1U);
    EXPECT_EQ(c.front()->peer.port, local_port(server.fd));
  }
}

// dig sends a UDP query with sendmmsg (one message) and over TCP writes the 2-byte length and
// the message as two iovecs: both are inferred and copied.
TEST_F(socket_tracer_test, one_message_sendmmsg_and_a_split_length_prefix_are_copied) {
  const std::string dns_query{"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                              "\x04wisp\x04test\x00\x00\x01\x00\x01", 27};
  const std::string prefix{"\x00\x1b", 2};
  socket_tracer_options opts;
  opts.trace_self = true;
  opts.protocols = 1U << WISP_PROTO_DNS;
  start(opts);
  auto tcp = make_tcp_pair();
  iovec parts[2] = {{const_cast<char*>(prefix.data()), prefix.size()},
                    {const_cast<char*>(dns_query.data()), dns_query.size()}};
  ASSERT_EQ(::writev(tcp.client.fd, parts, 2), static_cast<ssize_t>(prefix.size() + dns_query.size()));
  read_exact(tcp.server.fd, prefix.size() + dns_query.size());
  auto [u_server, u_client] = make_udp_pair();
  iovec one{const_cast<char*>(dns_query.data()), dns_query.size()};
  mmsghdr m{};
  m.msg_hdr.msg_iov = &one;
  m.msg_hdr.msg_iovlen = 1;
  ASSERT_EQ(::sendmmsg(u_client.fd, &m, 1, 0), 1);
  using protocols::direction;
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, tcp.client.fd, direction::egress) == prefix.size() + dns_query.size() &&
           bytes_seen(self_, u_client.fd, direction::egress) == dns_query.size();
  }));
  EXPECT_EQ(stream(self_, tcp.client.fd, direction::egress), prefix + dns_query);
  EXPECT_EQ(stream(self_, u_client.fd, direction::egress), dns_query);
  EXPECT_EQ(chunks(self_, u_client.fd, direction::egress).front()->protocol, WISP_PROTO_DNS);
}

// dig's query for alias.wisp.lan with the id 0x850b, EDNS and the AD bit (as the DNS end-to-end
// test once sent it): its first nine bytes also read as a CQL v5 ERROR frame of 16 MiB. Over UDP
// only DNS is tried, so it is DNS with every protocol enabled. The control: the same bytes over
// TCP (no DNS there without a length prefix) are taken for CQL, which comes first in Pixie's
// order, so the UDP result is the datagram rule's doing and not a CQL check that fails anyway.
TEST_F(socket_tracer_test, a_datagram_is_only_taken_for_dns) {
  const std::string query{"\x85\x0b\x01\x20\x00\x01\x00\x00\x00\x00\x00\x01"
                          "\x05" "alias\x04wisp\x03lan\x00\x00\x01\x00\x01"
                          "\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00", 43};
  socket_tracer_options opts;
  opts.trace_self = true;
  opts.protocols = ~0U;
  start(opts);
  auto [u_server, u_client] = make_udp_pair();
  ASSERT_EQ(::send(u_client.fd, query.data(), query.size(), 0), static_cast<ssize_t>(query.size()));
  char buf[64];
  ASSERT_EQ(::recv(u_server.fd, buf, sizeof buf, 0), static_cast<ssize_t>(query.size()));
  auto tcp = exchanged(query);
  using protocols::direction;
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, u_client.fd, direction::egress) == query.size() &&
           bytes_seen(self_, tcp.server.fd, direction::ingress) == query.size();
  }));
  auto udp = chunks(self_, u_client.fd, direction::egress);
  ASSERT_FALSE(udp.empty());
  EXPECT_EQ(udp.front()->protocol, WISP_PROTO_DNS);
  auto over_tcp = chunks(self_, tcp.server.fd, direction::ingress);
  ASSERT_FALSE(over_tcp.empty());
  EXPECT_EQ(over_tcp.front()->protocol, WISP_PROTO_CQL);
}

// CQL and Kafka inference with the first bytes their clients send: a CQL v4 OPTIONS frame
// (what drivers send first) and a Kafka ApiVersions v3 request (librdkafka's first request).
TEST_F(socket_tracer_test, cql_and_kafka_are_inferred_when_enabled) {
  const std::string cql_options{"\x04\x00\x00\x00\x05\x00\x00\x00\x00", 9};
  std::string api_versions{"\x00\x00\x00\x00\x00\x12\x00\x03\x00\x00\x00\x01\x00\x07rdkafka"
                           "\x00\x08librdkafka\x06" "2.0.2\x00", 40};
  api_versions[3] = static_cast<char>(api_versions.size() - 4);
  const std::string not_kafka = std::string{"\x00\x00\x00\x07", 4} + api_versions.substr(4);
  socket_tracer_options opts;
  opts.trace_self = true;
  opts.protocols = (1U << WISP_PROTO_CQL) | (1U << WISP_PROTO_KAFKA);
  start(opts);
  auto cql = exchanged(cql_options);
  auto kafka = exchanged(api_versions);
  auto other = exchanged(not_kafka);  // the size does not match the bytes
  using protocols::direction;
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, cql.server.fd, direction::ingress) == cql_options.size() &&
           bytes_seen(self_, kafka.server.fd, direction::ingress) == api_versions.size();
  }));
  EXPECT_EQ(chunks(self_, cql.server.fd, direction::ingress).front()->protocol, WISP_PROTO_CQL);
  EXPECT_EQ(chunks(self_, kafka.server.fd, direction::ingress).front()->protocol, WISP_PROTO_KAFKA);
  EXPECT_TRUE(chunks(self_, other.server.fd, direction::ingress).empty());
}

// Java clients and brokers move a Kafka message's 4-byte size in a syscall of its own (write(4)
// then write(rest); read(4) then read(size)). Inference decides on the second syscall with the
// size it remembered, and the stream still starts at the size field, on both sides.
TEST_F(socket_tracer_test, a_kafka_size_moved_apart_from_its_message_is_inferred_and_kept) {
  std::string api_versions{"\x00\x00\x00\x00\x00\x12\x00\x03\x00\x00\x00\x01\x00\x07rdkafka"
                           "\x00\x08librdkafka\x06" "2.0.2\x00", 40};
  api_versions[3] = static_cast<char>(api_versions.size() - 4);
  socket_tracer_options opts;
  opts.trace_self = true;
  opts.protocols = 1U << WISP_PROTO_KAFKA;
  start(opts);
  auto p = make_tcp_pair();
  write_all(p.client.fd, api_versions.substr(0, 4));
  ASSERT_EQ(read_exact(p.server.fd, 4), api_versions.substr(0, 4));
  write_all(p.client.fd, api_versions.substr(4));
  ASSERT_EQ(read_exact(p.server.fd, api_versions.size() - 4), api_versions.substr(4));
  using protocols::direction;
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, p.server.fd, direction::ingress) == api_versions.size() &&
           bytes_seen(self_, p.client.fd, direction::egress) == api_versions.size();
  }));
  EXPECT_EQ(stream(self_, p.server.fd, direction::ingress), api_versions);
  EXPECT_EQ(stream(self_, p.client.fd, direction::egress), api_versions);
  for (auto* c : chunks(self_, p.server.fd, direction::ingress)) EXPECT_EQ(c->protocol, WISP_PROTO_KAFKA);
  // A 4-byte syscall whose value is not the next syscall's size decides nothing.
  auto q = make_tcp_pair();
  write_all(q.client.fd, std::string{"\x00\x00\x00\x05", 4});
  write_all(q.client.fd, api_versions.substr(4));
  read_exact(q.server.fd, api_versions.size());
  auto marker = exchanged(api_versions);  // once its data is seen, q's events were read too
  ASSERT_TRUE(poll_until([&] { return bytes_seen(self_, marker.server.fd, direction::ingress) > 0; }));
  EXPECT_TRUE(chunks(self_, q.client.fd, direction::egress).empty());
  EXPECT_TRUE(chunks(self_, q.server.fd, direction::ingress).empty());
}

TEST_F(socket_tracer_test, protocols_not_enabled_are_not_inferred) {
  start();  // HTTP only, the default
  auto p = make_tcp_pair();
  const std::string ping = "*1\r\n$4\r\nPING\r\n";
  write_all(p.client.fd, ping);
  read_exact(p.server.fd, ping.size());
  auto q = make_tcp_pair();
  write_all(q.client.fd, http_request);
  ASSERT_TRUE(poll_until([&] {
    return bytes_seen(self_, q.client.fd, protocols::direction::egress) == http_request.size();
  }));
  EXPECT_TRUE(chunks(self_, p.client.fd, protocols::direction::egress).empty());
  EXPECT_TRUE(chunks(self_, p.server.fd, protocols::direction::ingress).empty());
}

TEST_F(socket_tracer_test, own_process_is_excluded_by_default) {
  start(/*trace_self=*/false);
  auto p = make_tcp_pair();
  write_all(p.client.fd, http_request);
  read_exact(p.server.fd, http_request.size());
  // A child does the same; its events prove the tracer is running.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto q = make_tcp_pair();
    write_all(q.client.fd, http_request);
    read_exact(q.server.fd, http_request.size());
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(poll_until([&] {
    for (auto& d : sink_.data)
      if (d.key.tgid == static_cast<std::uint32_t>(child))
        return true;
    return false;
  }));
  for (auto& o : sink_.opens)
    EXPECT_NE(o.key.tgid, static_cast<std::uint32_t>(self_));
  for (auto& d : sink_.data)
    EXPECT_NE(d.key.tgid, static_cast<std::uint32_t>(self_));
}

// curl against python3 -m http.server on loopback: separate processes, real HTTP stacks.
TEST_F(socket_tracer_test, curl_against_python_http_server) {
  start();
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  // Pick a free port by binding and releasing it.
  fd_guard probe{::socket(AF_INET, SOCK_STREAM, 0)};
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(probe.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  std::uint16_t port = local_port(probe.fd);
  probe.reset();
  std::string port_s = std::to_string(port);
  pid_t server = ::fork();
  ASSERT_GE(server, 0);
  if (server == 0) {
    ::dup2(ready[1], STDOUT_FILENO);
    ::dup2(ready[1], STDERR_FILENO);
    ::close(ready[0]);
    ::execlp("python3", "python3", "-u", "-m", "http.server", port_s.c_str(), "--bind",
             "127.0.0.1", "--directory", "/tmp", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(ready[1]);
  fd_guard ready_r{ready[0]};
  std::string banner;
  char ch;
  while (banner.find("Serving HTTP") == std::string::npos && ::read(ready_r.fd, &ch, 1) == 1)
    banner += ch;
  ASSERT_NE(banner.find("Serving HTTP"), std::string::npos) << banner;
  std::string url = "http://127.0.0.1:" + port_s + "/";
  pid_t curl = ::fork();
  ASSERT_GE(curl, 0);
  if (curl == 0) {
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, STDOUT_FILENO);
    ::execlp("curl", "curl", "-s", "-o", "/dev/null", url.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(curl, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto has = [&](pid_t pid, protocols::direction dir, const std::string& prefix) {
    for (auto& d : sink_.data)
      if (d.key.tgid == static_cast<std::uint32_t>(pid) && d.dir == dir && d.pos == 0 &&
          d.bytes.rfind(prefix, 0) == 0)
        return true;
    return false;
  };
  using protocols::direction;
  bool seen = poll_until([&] {
    return has(curl, direction::egress, "GET / HTTP/1.1") &&
           has(server, direction::ingress, "GET / HTTP/1.1") &&
           has(server, direction::egress, "HTTP/1.") && has(curl, direction::ingress, "HTTP/1.");
  });
  ::kill(server, SIGTERM);
  ::waitpid(server, &status, 0);
  ASSERT_TRUE(seen);
  bool client_open = false, server_open = false;
  for (auto& o : sink_.opens) {
    if (o.key.tgid == static_cast<std::uint32_t>(curl) && o.meta.remote.port == port) {
      client_open = true;
      EXPECT_EQ(o.meta.role, schemas::trace_role::client);
      EXPECT_EQ(o.meta.remote.addr, "127.0.0.1");
    }
    if (o.key.tgid == static_cast<std::uint32_t>(server) && o.meta.local.port == port) {
      server_open = true;
      EXPECT_EQ(o.meta.role, schemas::trace_role::server);
      EXPECT_EQ(o.source, WISP_OPEN_ACCEPT);
    }
  }
  EXPECT_TRUE(client_open);
  EXPECT_TRUE(server_open);
}

}  // namespace
}  // namespace wisp::bpf
