#pragma once
// libwisp_client: runs PxL queries against a Wisp daemon over ZeroMQ (DEALER socket to the
// daemon's ROUTER client endpoint). Used by the `wisp` CLI and by programmatic clients.
// One client object per thread.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "schemas/wire.hpp"

namespace wisp::cluster {

inline constexpr const char* default_endpoint = "tcp://127.0.0.1:50300";

struct client_options {
  std::string endpoint = default_endpoint;
  /// How long to wait for the daemon to acknowledge a query before declaring it unreachable.
  std::chrono::milliseconds accept_timeout{3000};
  /// How long a query may run in total.
  std::chrono::milliseconds query_timeout{60000};
};

/// The outcome of a query: the daemon's final message, or a transport failure in one line.
using query_outcome = std::variant<wire::done, std::string>;

class client {
 public:
  explicit client(client_options opts);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Sends the query and calls `on_message` for every schema and batch message that belongs to
  /// it, in order. Returns the Done message or a transport error.
  query_outcome run(const wire::query_request& req,
                    const std::function<void(const wire::server_message&)>& on_message);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace wisp::cluster
