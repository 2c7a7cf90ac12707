#pragma once
// A ZAP handler (ZeroMQ Authentication Protocol, RFC 27): answers libzmq's authentication
// requests on inproc://zeromq.zap.01 of one context, accepting only CURVE clients whose public
// key is in the allowlist. Anything else (another mechanism, an unknown key, a malformed request)
// is refused and counted.
//
// One per zmq context (the endpoint is per context), started before any CURVE server socket of
// that context binds: libzmq lets every client in when no handler is listening. Runs on its own
// thread; the counters may be read from any thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <zmq.hpp>

#include "cluster/curve_keys.hpp"

namespace wisp::cluster {

struct zap_stats {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> refused{0};
};

class zap_handler {
 public:
  zap_handler();
  ~zap_handler();  // stops the thread
  zap_handler(const zap_handler&) = delete;
  zap_handler& operator=(const zap_handler&) = delete;

  /// Binds the ZAP endpoint in `ctx` and starts answering. Empty on success, else why not
  /// (another handler already bound in this context).
  [[nodiscard]] std::string start(zmq::context_t& ctx, key_allowlist allowed);

  const zap_stats& stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace wisp::cluster
