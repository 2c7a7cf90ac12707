#include "test/cluster/metadata/replay_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace wisp::test {

replay_server::replay_server(std::vector<scripted_response> script, std::string cert_file,
                             std::string key_file)
    : script_(script.begin(), script.end()), total_(script.size()) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("replay_server: cannot listen on 127.0.0.1");
  port_ = ntohs(a.sin_port);
  if (!cert_file.empty()) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
      throw std::runtime_error("replay_server: cannot load " + cert_file);
    ssl_ctx_ = ctx;
  }
  thread_ = std::thread([this] { serve(); });
}

replay_server::~replay_server() {
  stop_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  thread_.join();
  ::close(listen_fd_);
  if (ssl_ctx_) SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
}

std::vector<std::string> replay_server::requests() const {
  std::lock_guard lock{mu_};
  return requests_;
}

std::string replay_server::target(std::size_t i) const {
  auto r = requests();
  if (i >= r.size()) return "";
  auto sp1 = r[i].find(' ');
  auto sp2 = r[i].find(' ', sp1 + 1);
  return r[i].substr(sp1 + 1, sp2 - sp1 - 1);
}

void replay_server::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    SSL* ssl = nullptr;
    if (ssl_ctx_) {
      ssl = SSL_new(static_cast<SSL_CTX*>(ssl_ctx_));
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) != 1) {  // e.g. the client refused our certificate
        SSL_free(ssl);
        ::close(fd);
        continue;
      }
    }
    auto rd = [&](char* b, int n) { return ssl ? SSL_read(ssl, b, n) : static_cast<int>(::recv(fd, b, n, 0)); };
    auto wr = [&](const std::string& s) {
      if (ssl) SSL_write(ssl, s.data(), static_cast<int>(s.size()));
      else ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    };
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
      int n = rd(buf, sizeof buf);
      if (n <= 0) break;
      head.append(buf, static_cast<std::size_t>(n));
    }
    scripted_response resp{"HTTP/1.1 599 Script Exhausted\r\nContent-Length: 0\r\n\r\n", false};
    {
      std::lock_guard lock{mu_};
      requests_.push_back(head.substr(0, head.find("\r\n\r\n")));
      if (!script_.empty()) {
        resp = std::move(script_.front());
        script_.pop_front();
      }
    }
    wr(resp.bytes);
    served_++;
    if (resp.hold_open) {
      while (!stop_) {  // until the client goes away
        pollfd c{fd, POLLIN, 0};
        if (::poll(&c, 1, 50) > 0 && ::recv(fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) break;
      }
    }
    if (ssl) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    ::close(fd);
  }
}

std::string http_json(int status, const std::string& body) {
  std::string reason = status == 200 ? "OK" : status == 403 ? "Forbidden" : status == 410 ? "Gone" : "Error";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nAudit-Id: 5d1c9a3e-1f3b-4a7e-9e0b-6c2f0d8a4b11\r\nCache-Control: no-cache, private"
         "\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string http_chunked(const std::string& body, std::size_t chunk, std::size_t truncate_at) {
  std::string out =
      "HTTP/1.1 200 OK\r\nAudit-Id: 0b7e6f4c-2d1a-4c3b-8a9f-1e2d3c4b5a69\r\nCache-Control: no-cache, private"
      "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::size_t head = out.size();
  for (std::size_t i = 0; i < body.size(); i += chunk) {
    auto part = body.substr(i, chunk);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", part.size());
    out += size + part + "\r\n";
  }
  out += "0\r\n\r\n";
  if (truncate_at != std::string::npos) out.resize(head + truncate_at);
  return out;
}

std::string replay_file(const std::string& name) {
  std::string path = std::string(WISP_SOURCE_DIR) + "/test/cluster/metadata/replay/" + name;
  std::ifstream in{path};
  if (!in) throw std::runtime_error("missing replay file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace wisp::test
