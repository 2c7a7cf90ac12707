#include "cluster/client.hpp"

#include <array>
#include <random>
#include <zmq.hpp>

#include "cluster/transport_common.hpp"

namespace wisp::cluster {

std::string load_client_keys(const std::string& key_base, const std::string& server_key_file, client_keys& out) {
  std::string err;
  auto own = read_keypair(key_base, err);
  if (!own) return "cannot read the client key pair " + key_base + ": " + err + " (make one with `wisp keys NAME`)";
  auto server = read_key_file(server_key_file, err);
  if (!server) return "cannot read the server key " + server_key_file + ": " + err + " (the daemon's NAME.pub)";
  if (!z85_key_bytes(*server)) return "cannot use the server key " + server_key_file + ": not a 40-character Z85 key";
  out = {std::move(*own), std::move(*server)};
  return {};
}

struct client::impl {
  client_options opts;
  zmq::context_t ctx{1};
  zmq::socket_t sock{ctx, zmq::socket_type::dealer};
  handshake_monitor monitor;
  std::string setup_error;  // a socket that could not be set up: every run() returns it
  bool connected = false;
  std::uint64_t next_id;

  explicit impl(client_options o) : opts(std::move(o)), next_id(std::random_device{}()) {
    try {
      set_common_options(sock, wire::max_message_bytes);
      if (opts.keys) {
        if (!curve_available()) {
          setup_error = "cannot use CURVE keys: the installed libzmq was built without CURVE";
          return;
        }
        for (const auto* k : {&opts.keys->own.public_z85, &opts.keys->own.secret_z85, &opts.keys->server_public_z85})
          if (!z85_key_bytes(*k)) {
            setup_error = "cannot use the client's CURVE keys: a key is not 40 Z85 characters";
            return;
          }
        sock.set(zmq::sockopt::curve_serverkey, opts.keys->server_public_z85);
        sock.set(zmq::sockopt::curve_publickey, opts.keys->own.public_z85);
        sock.set(zmq::sockopt::curve_secretkey, opts.keys->own.secret_z85);
      }
      setup_error = monitor.start(ctx, sock);
    } catch (const zmq::error_t& e) {
      setup_error = std::string{"cannot set up the client socket: "} + e.what();
    }
  }

  ~impl() {
    if (sock.handle()) (void)zmq_socket_monitor(sock.handle(), nullptr, 0);
  }

  std::string connect() {
    if (connected) return {};
    try {
      sock.connect(opts.endpoint);
    } catch (const zmq::error_t& e) {
      return "cannot connect to " + opts.endpoint + ": " + e.what();
    }
    connected = true;
    return {};
  }

  /// After a failed handshake: stop the socket's reconnect attempts (each would be refused and
  /// counted by the daemon again); the next run() connects anew.
  std::string handshake_failed(std::uint64_t refused_by_zap) {
    try {
      sock.disconnect(opts.endpoint);
    } catch (const zmq::error_t&) {
    }
    connected = false;
    if (refused_by_zap > 0)
      return "the daemon at " + opts.endpoint +
             " refused this client's key (add the client's NAME.pub to the daemon's --allowed_clients)";
    if (opts.keys)
      return "no reply from wispd at " + opts.endpoint +
             ": the CURVE handshake failed (is the server key the daemon's public key? a daemon without "
             "--key_file takes no keys)";
    return "no reply from wispd at " + opts.endpoint +
           ": the handshake failed (the daemon wants CURVE keys: give this client a key pair and the daemon's "
           "public key, `wisp --key DIR/NAME --server_key FILE`)";
  }

  std::string unreachable() const {
    return "cannot reach wispd at " + opts.endpoint + ": no answer within " +
           std::to_string(opts.accept_timeout.count()) + " ms (is `wispd` running" +
           (opts.keys ? "? is the server key the daemon's public key?)" : "?)");
  }
};

client::client(client_options opts) : impl_(std::make_unique<impl>(std::move(opts))) {}
client::~client() = default;

query_outcome client::run(const wire::query_request& req,
                          const std::function<void(const wire::server_message&)>& on_message) {
  auto& d = *impl_;
  if (!d.setup_error.empty()) return d.setup_error;
  (void)d.monitor.drain();  // events of an earlier connection
  if (auto e = d.connect(); !e.empty()) return e;
  auto& s = d.sock;
  const auto id = d.next_id++;
  const auto bytes = wire::encode(wire::client_message{id, req});
  // ZeroMQ queues the message until the connection is up; the accept timeout below is what tells
  // a missing daemon apart from a slow query, and the handshake monitor a refused client.
  if (!s.send(zmq::buffer(bytes), zmq::send_flags::dontwait)) return "cannot send the query to " + d.opts.endpoint;

  bool accepted = false;
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    const auto limit = accepted ? d.opts.query_timeout : d.opts.accept_timeout;
    const auto left = limit - std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - start);
    if (left.count() <= 0) {
      if (!accepted) return d.unreachable();
      return "query timed out after " + std::to_string(d.opts.query_timeout.count()) + " ms";
    }
    std::array<zmq::pollitem_t, 2> items{{{s.handle(), 0, ZMQ_POLLIN, 0}, {d.monitor.socket().handle(), 0, ZMQ_POLLIN, 0}}};
    zmq::poll(items.data(), items.size(), left);
    if (items[1].revents & ZMQ_POLLIN) {
      handshake_monitor::failure_kinds kinds;
      if (d.monitor.drain(&kinds) > 0 && !accepted) return d.handshake_failed(kinds.auth);
    }
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    zmq::message_t msg;
    if (!s.recv(msg, zmq::recv_flags::dontwait)) continue;
    std::string err;
    auto m = wire::decode_server(msg.to_string_view(), err);
    if (!m) return "bad message from wispd: " + err;
    if (m->query_id != id) continue;  // a late answer to an earlier, abandoned query
    if (std::holds_alternative<wire::accepted>(m->payload)) {
      accepted = true;
      continue;
    }
    if (auto* done = std::get_if<wire::done>(&m->payload)) return std::move(*done);
    accepted = true;
    on_message(*m);
  }
}

}  // namespace wisp::cluster
