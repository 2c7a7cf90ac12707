#include "cluster/metadata/transport.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wisp::cluster::metadata {
namespace {

using std::chrono::milliseconds;
using clock = std::chrono::steady_clock;

// A blocked read wakes this often to look at the cancel flag.
constexpr milliseconds cancel_poll_slice{100};

error make_error(std::string what) { return error{std::move(what), 0}; }

std::string errno_text(int e) { return std::strerror(e); }

class fd_owner {
 public:
  explicit fd_owner(int fd = -1) : fd_(fd) {}
  fd_owner(fd_owner&& o) noexcept : fd_(o.release()) {}
  fd_owner& operator=(fd_owner&&) = delete;
  ~fd_owner() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

// Waits until `fd` is ready for `events`, the deadline passes, or `cancel` is set.
status wait_ready(int fd, short events, milliseconds timeout, const std::atomic<bool>* cancel,
                  std::string_view what) {
  auto deadline = clock::now() + timeout;
  for (;;) {
    if (cancel && cancel->load(std::memory_order_relaxed))
      return make_error(std::string(what) + ": cancelled");
    auto left = std::chrono::duration_cast<milliseconds>(deadline - clock::now());
    if (left.count() <= 0)
      return make_error(std::string(what) + ": timed out after " +
                        std::to_string(timeout.count()) + " ms");
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min(left, cancel_poll_slice).count()));
    if (r > 0) return ok();
    if (r < 0 && errno != EINTR) return make_error(std::string(what) + ": " + errno_text(errno));
  }
}

expected<fd_owner> tcp_connect(const server_address& addr, const io_timeouts& t,
                               const std::atomic<bool>* cancel) {
  std::string target = addr.host + ":" + std::to_string(addr.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(addr.port);
  if (int rc = ::getaddrinfo(addr.host.c_str(), port.c_str(), &hints, &res); rc != 0)
    return make_error("resolve " + addr.host + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard{res, &::freeaddrinfo};
  std::string last = "no address";
  for (auto* ai = res; ai; ai = ai->ai_next) {
    fd_owner fd{::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                         ai->ai_protocol)};
    if (fd.get() < 0) {
      last = errno_text(errno);
      continue;
    }
    if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last = errno_text(errno);
        continue;
      }
      auto w = wait_ready(fd.get(), POLLOUT, t.connect, cancel, "connect " + target);
      if (!w) return w.error_value();
      int so_error = 0;
      socklen_t len = sizeof so_error;
      ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &len);
      if (so_error != 0) {
        last = errno_text(so_error);
        continue;
      }
    }
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
  }
  return make_error("connect " + target + ": " + last);
}

class tcp_stream final : public byte_stream {
 public:
  tcp_stream(fd_owner fd, milliseconds read_timeout, const std::atomic<bool>* cancel)
      : fd_(std::move(fd)), read_timeout_(read_timeout), cancel_(cancel) {}

  expected<std::size_t> read_some(char* buf, std::size_t n) override {
    for (;;) {
      ssize_t r = ::recv(fd_.get(), buf, n, 0);
      if (r >= 0) return static_cast<std::size_t>(r);
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return make_error("read: " + errno_text(errno));
      auto w = wait_ready(fd_.get(), POLLIN, read_timeout_, cancel_, "read");
      if (!w) return w.error_value();
    }
  }

  status write_all(std::string_view bytes) override {
    while (!bytes.empty()) {
      ssize_t r = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (r > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(r));
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        return make_error("write: " + errno_text(errno));
      auto w = wait_ready(fd_.get(), POLLOUT, read_timeout_, cancel_, "write");
      if (!w) return w.error_value();
    }
    return ok();
  }

  int fd() const { return fd_.get(); }
  milliseconds read_timeout() const { return read_timeout_; }
  const std::atomic<bool>* cancel() const { return cancel_; }

 private:
  fd_owner fd_;
  milliseconds read_timeout_;
  const std::atomic<bool>* cancel_;
};

std::string ssl_error_text() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown TLS error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

// OpenSSL writes to the socket with write(2), which raises SIGPIPE when the server has gone. The
// signal is blocked for the call and a SIGPIPE it caused is consumed, so the process keeps its
// own disposition and the failure comes back as an error value.
class sigpipe_blocked {
 public:
  sigpipe_blocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~sigpipe_blocked() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      timespec zero{0, 0};
      sigtimedwait(&pipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  sigpipe_blocked(const sigpipe_blocked&) = delete;
  sigpipe_blocked& operator=(const sigpipe_blocked&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

struct ssl_ctx_free {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct ssl_free {
  void operator()(SSL* s) const { SSL_free(s); }
};

// TLS over a non-blocking socket: OpenSSL reports WANT_READ/WANT_WRITE and this class waits on
// the socket with the same timeout and cancel rules as plain TCP.
class tls_stream final : public byte_stream {
 public:
  tls_stream(std::unique_ptr<tcp_stream> tcp, std::unique_ptr<SSL_CTX, ssl_ctx_free> ctx,
             std::unique_ptr<SSL, ssl_free> ssl)
      : tcp_(std::move(tcp)), ctx_(std::move(ctx)), ssl_(std::move(ssl)) {}

  ~tls_stream() override {
    sigpipe_blocked guard;
    SSL_shutdown(ssl_.get());  // best effort close_notify; the socket is non-blocking
  }

  template <class Op>
  expected<int> drive(Op op, std::string_view what, milliseconds timeout) {
    for (;;) {
      ERR_clear_error();
      int r = 0;
      {
        sigpipe_blocked guard;
        r = op();
      }
      if (r > 0) return r;
      int e = SSL_get_error(ssl_.get(), r);
      if (e == SSL_ERROR_ZERO_RETURN) return 0;
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        auto w = wait_ready(tcp_->fd(), e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, timeout,
                            tcp_->cancel(), what);
        if (!w) return w.error_value();
        continue;
      }
      if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
        return r == 0 ? 0 : -1;  // EOF without close_notify: treated as a close
      return make_error(std::string(what) + ": " + ssl_error_text());
    }
  }

  status handshake(milliseconds timeout) {
    auto r = drive([&] { return SSL_connect(ssl_.get()); }, "TLS handshake", timeout);
    if (!r) return r.error_value();
    if (*r <= 0) return make_error("TLS handshake: connection closed by the server");
    return ok();
  }

  expected<std::size_t> read_some(char* buf, std::size_t n) override {
    int want = static_cast<int>(std::min<std::size_t>(n, 1 << 30));
    auto r = drive([&] { return SSL_read(ssl_.get(), buf, want); }, "read",
                   tcp_->read_timeout());
    if (!r) return r.error_value();
    if (*r < 0) return make_error("read: " + errno_text(errno));
    return static_cast<std::size_t>(*r);
  }

  status write_all(std::string_view bytes) override {
    while (!bytes.empty()) {
      int want = static_cast<int>(std::min<std::size_t>(bytes.size(), 1 << 30));
      auto r = drive([&] { return SSL_write(ssl_.get(), bytes.data(), want); }, "write",
                     tcp_->read_timeout());
      if (!r) return r.error_value();
      if (*r <= 0) return make_error("write: connection closed");
      bytes.remove_prefix(static_cast<std::size_t>(*r));
    }
    return ok();
  }

 private:
  std::unique_ptr<tcp_stream> tcp_;
  std::unique_ptr<SSL_CTX, ssl_ctx_free> ctx_;
  std::unique_ptr<SSL, ssl_free> ssl_;
};

expected<std::unique_ptr<byte_stream>> tls_connect(std::unique_ptr<tcp_stream> tcp,
                                                   const server_address& addr,
                                                   const io_timeouts& t) {
  std::unique_ptr<SSL_CTX, ssl_ctx_free> ctx{SSL_CTX_new(TLS_client_method())};
  if (!ctx) return make_error("TLS context: " + ssl_error_text());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (addr.ca_file.empty()) return make_error("TLS to " + addr.host + ": no CA file configured");
  if (SSL_CTX_load_verify_locations(ctx.get(), addr.ca_file.c_str(), nullptr) != 1)
    return make_error("load CA file " + addr.ca_file + ": " + ssl_error_text());
  std::unique_ptr<SSL, ssl_free> ssl{SSL_new(ctx.get())};
  if (!ssl) return make_error("TLS session: " + ssl_error_text());
  const std::string& name = addr.server_name.empty() ? addr.host : addr.server_name;
  in6_addr ip6{};
  in_addr ip4{};
  bool is_ip = ::inet_pton(AF_INET, name.c_str(), &ip4) == 1 ||
               ::inet_pton(AF_INET6, name.c_str(), &ip6) == 1;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
  if (is_ip) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1)
      return make_error("TLS: bad IP " + name);
  } else {
    SSL_set_tlsext_host_name(ssl.get(), name.c_str());
    if (X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0) != 1)
      return make_error("TLS: bad host name " + name);
  }
  if (SSL_set_fd(ssl.get(), tcp->fd()) != 1) return make_error("TLS: " + ssl_error_text());
  auto stream = std::make_unique<tls_stream>(std::move(tcp), std::move(ctx), std::move(ssl));
  auto h = stream->handshake(t.connect);
  if (!h) {
    auto e = h.error_value();
    e.what = "connect " + addr.host + ":" + std::to_string(addr.port) + ": " + e.what;
    return e;
  }
  return std::unique_ptr<byte_stream>{std::move(stream)};
}

}  // namespace

expected<std::unique_ptr<byte_stream>> connect_stream(const server_address& addr,
                                                      const io_timeouts& timeouts,
                                                      const std::atomic<bool>* cancel) {
  auto fd = tcp_connect(addr, timeouts, cancel);
  if (!fd) return fd.error_value();
  auto tcp = std::make_unique<tcp_stream>(std::move(*fd), timeouts.read, cancel);
  if (!addr.tls) return std::unique_ptr<byte_stream>{std::move(tcp)};
  return tls_connect(std::move(tcp), addr, timeouts);
}

}  // namespace wisp::cluster::metadata
