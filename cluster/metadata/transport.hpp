#pragma once
// A blocking byte stream to the Kubernetes API server: plain TCP (tests, `kubectl proxy`) or TLS
// over TCP verified against the service-account CA (the in-cluster API). Every read and the
// connect have a timeout; a read also gives up early when the caller's cancel flag is set, so a
// watch blocked on an idle stream stops promptly. One stream belongs to one thread.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cluster/metadata/error.hpp"

namespace wisp::cluster::metadata {

struct server_address {
  std::string host;  // a name or an IPv4/IPv6 literal
  std::uint16_t port = 0;
  bool tls = false;
  std::string ca_file;      // PEM bundle the server certificate must chain to (tls only)
  std::string server_name;  // name checked in the certificate; host when empty (tls only)
};

struct io_timeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds read{30000};  // longest silence tolerated inside one read
};

class byte_stream {
 public:
  virtual ~byte_stream() = default;
  /// Reads at most `n` bytes; 0 means the peer closed the stream. An error on timeout, on a
  /// reset, or when `*cancel` becomes true.
  [[nodiscard]] virtual expected<std::size_t> read_some(char* buf, std::size_t n) = 0;
  [[nodiscard]] virtual status write_all(std::string_view bytes) = 0;
};

/// Connects (and for tls, handshakes and verifies the certificate chain and host name).
/// `cancel` may be null; it must outlive the stream. Name resolution (getaddrinfo) is not under
/// the connect timeout: in a cluster the API server is addressed by IP.
[[nodiscard]] expected<std::unique_ptr<byte_stream>> connect_stream(
    const server_address& addr, const io_timeouts& timeouts,
    const std::atomic<bool>* cancel = nullptr);

}  // namespace wisp::cluster::metadata
