#pragma once
// A local HTTP server for the watch-client tests. No Kubernetes API server can run on this
// machine, so the tests replay recorded API responses: the server answers each connection with
// the next scripted response (bytes written as given, then the connection is closed or held
// open) and records the request it got. Optional TLS with a given certificate and key.

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wisp::test {

struct scripted_response {
  std::string bytes;          // the whole response as sent on the wire
  bool hold_open = false;     // keep the connection open (silently) until the client closes it
};

class replay_server {
 public:
  /// Listens on 127.0.0.1 on a free port. With cert/key (PEM files), speaks TLS.
  explicit replay_server(std::vector<scripted_response> script, std::string cert_file = "",
                         std::string key_file = "");
  ~replay_server();

  std::uint16_t port() const { return port_; }
  /// Request heads received so far, in order (request line and headers).
  std::vector<std::string> requests() const;
  /// The request line's target of request i ("/api/v1/pods?limit=500").
  std::string target(std::size_t i) const;
  /// True once every scripted response has been handed out.
  bool exhausted() const { return served_.load() >= total_; }

 private:
  void serve();

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  void* ssl_ctx_ = nullptr;  // SSL_CTX*, kept out of this header
  std::deque<scripted_response> script_;
  std::size_t total_ = 0;
  std::atomic<std::size_t> served_{0};
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

/// "HTTP/1.1 <status> <reason>" with Content-Type: application/json and Content-Length.
std::string http_json(int status, const std::string& body);
/// A 200 with Transfer-Encoding: chunked, `body` cut into chunks of `chunk` bytes (so lines
/// straddle chunk boundaries, as on a real watch); with `truncate_at` the bytes on the wire stop
/// there (a dropped connection), otherwise the body ends with the zero chunk.
std::string http_chunked(const std::string& body, std::size_t chunk,
                         std::size_t truncate_at = std::string::npos);
/// The contents of test/cluster/metadata/replay/<name>.
std::string replay_file(const std::string& name);

}  // namespace wisp::test
