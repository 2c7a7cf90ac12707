#pragma once
// libwisp_client: runs PxL queries against a Wisp daemon over ZeroMQ (DEALER socket to the
// daemon's ROUTER client endpoint). Used by the `wisp` CLI and by programmatic clients.
// One client object per thread.
//
// A daemon started with --key_file is a CURVE server that admits only the client keys on its
// --allowed_clients list: such a client needs its own key pair and the daemon's public key
// (client_options::keys, load_client_keys). A refused key or a handshake that fails (keys on
// one side only) ends run() at once with an error that says so; it never waits for the timeout.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "cluster/curve_keys.hpp"
#include "schemas/wire.hpp"

namespace wisp::cluster {

inline constexpr const char* default_endpoint = "tcp://127.0.0.1:50300";

/// A CURVE client's keys: its own pair and the daemon's public key (Z85 each).
struct client_keys {
  curve_keypair own;
  std::string server_public_z85;
};

struct client_options {
  std::string endpoint = default_endpoint;
  /// How long to wait for the daemon to acknowledge a query before declaring it unreachable.
  std::chrono::milliseconds accept_timeout{3000};
  /// How long a query may run in total.
  std::chrono::milliseconds query_timeout{60000};
  /// None: connect without encryption (a daemon without --key_file, on loopback).
  std::optional<client_keys> keys;
};

/// Reads the client's key pair (`key_base` is DIR/NAME: DIR/NAME.key and DIR/NAME.pub, made by
/// `wisp keys NAME`) and the daemon's public key file (its NAME.pub). Empty on success, else one
/// line naming the file and what is wrong.
[[nodiscard]] std::string load_client_keys(const std::string& key_base, const std::string& server_key_file,
                                           client_keys& out);

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
