#include "cluster/broker_transport.hpp"

#include <array>
#include <vector>

#include <zmq_addon.hpp>

namespace wisp::cluster {

namespace {
constexpr const char* zap_domain = "wisp";
constexpr const char* user_id_property = "User-Id";
}  // namespace

// Member order is destruction order reversed: sockets close before the ZAP handler stops, and
// everything before the context terminates.
struct broker_transport::impl {
  broker_options opts;
  zmq::context_t ctx{1};
  zap_handler zap;
  zmq::socket_t router;
  handshake_monitor monitor;
  wakeup wake;
  transport_stats stats;
  std::map<std::string, credit_window> windows;  // by peer

  ~impl() {
    if (router.handle()) (void)zmq_socket_monitor(router.handle(), nullptr, 0);
  }

  // nullptr when the peer is new and max_tracked_peers are tracked already.
  credit_window* window_of(const std::string& peer) {
    if (auto it = windows.find(peer); it != windows.end()) return &it->second;
    if (windows.size() >= max_tracked_peers) return nullptr;
    return &windows.try_emplace(peer, opts.batch_window).first->second;
  }

  // False when the message must be dropped (counted).
  bool admit(const std::string& peer, const cluster_wire::agent_message& m) {
    if (const auto* b = std::get_if<cluster_wire::batch_message>(&m.payload)) {
      auto* w = window_of(peer);
      if (!w || w->record(b->stream, b->sequence) != credit_window::admit::ok) {
        ++stats.credit_violations;
        return false;
      }
    } else if (const auto* e = std::get_if<cluster_wire::end_of_stream>(&m.payload)) {
      if (auto it = windows.find(peer); it != windows.end()) it->second.forget(e->stream);
    }
    return true;
  }

  std::optional<inbound_message> read_one() {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(router, std::back_inserter(frames), zmq::recv_flags::dontwait)) return std::nullopt;
    // A DEALER sends [routing id, body]; anything else is not one of ours.
    if (frames.size() != 2) {
      ++stats.bad_frames;
      return std::nullopt;
    }
    cluster_wire::decode_error err;
    auto m = cluster_wire::decode_agent(frames[1].to_string_view(), err, opts.max_message_bytes);
    if (!m) {
      stats.count(err.code);
      return std::nullopt;
    }
    auto peer = frames[0].to_string();
    if (!admit(peer, *m)) return std::nullopt;
    std::string key;
    if (opts.server_keys) {
      // Set by libzmq from the ZAP reply's user id, which zap_handler makes the Z85 key.
      if (const char* v = zmq_msg_gets(frames[1].handle(), user_id_property)) key = v;
    }
    ++stats.received;
    stats.bytes_received += frames[1].size();
    return inbound_message{std::move(peer), std::move(key), std::move(*m)};
  }
};

broker_transport::broker_transport() : impl_(std::make_unique<impl>()) {}
broker_transport::~broker_transport() = default;

std::string broker_transport::start(broker_options opts) {
  auto& d = *impl_;
  d.opts = std::move(opts);
  if (!d.opts.server_keys && !is_loopback_endpoint(d.opts.endpoint))
    return "cannot listen on " + d.opts.endpoint +
           " without CURVE keys: only loopback endpoints may go unencrypted (give a key pair)";
  try {
    d.router = zmq::socket_t{d.ctx, zmq::socket_type::router};
    set_common_options(d.router, d.opts.max_message_bytes);
    d.router.set(zmq::sockopt::router_mandatory, 1);
    d.router.set(zmq::sockopt::router_handover, 1);  // a reconnecting agent takes over its identity
    if (d.opts.server_keys) {
      if (!curve_available()) return "cannot use CURVE: the installed libzmq was built without it";
      if (auto e = d.zap.start(d.ctx, std::move(d.opts.allowed_agents)); !e.empty()) return e;
      d.router.set(zmq::sockopt::curve_server, 1);
      d.router.set(zmq::sockopt::curve_secretkey, d.opts.server_keys->secret_z85);
      d.router.set(zmq::sockopt::zap_domain, zap_domain);
    }
    if (auto e = d.monitor.start(d.ctx, d.router); !e.empty()) return e;
    d.router.bind(d.opts.endpoint);
  } catch (const zmq::error_t& e) {
    return "cannot listen on " + d.opts.endpoint + ": " + e.what();
  }
  return {};
}

std::string broker_transport::endpoint() const { return impl_->router.get(zmq::sockopt::last_endpoint); }

std::optional<inbound_message> broker_transport::receive(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  return receive_within(d.router, d.monitor, d.wake, d.stats, timeout, [&d] { return d.read_one(); });
}

bool broker_transport::send(const std::string& peer, const cluster_wire::broker_message& m) {
  auto& d = *impl_;
  const auto bytes = cluster_wire::encode(m);
  if (bytes.size() > d.opts.max_message_bytes) {
    ++d.stats.send_failures;
    return false;
  }
  try {
    std::array<zmq::const_buffer, 2> frames{zmq::buffer(peer), zmq::buffer(bytes)};
    if (!zmq::send_multipart(d.router, frames, zmq::send_flags::dontwait)) {
      ++d.stats.send_failures;
      return false;
    }
  } catch (const zmq::error_t&) {  // EHOSTUNREACH: no such peer (router_mandatory)
    ++d.stats.send_failures;
    return false;
  }
  if (const auto* c = std::get_if<cluster_wire::credit>(&m.payload))
    if (auto* w = d.window_of(peer)) (void)w->acknowledge(c->stream, c->consumed);
  ++d.stats.sent;
  d.stats.bytes_sent += bytes.size();
  return true;
}

void broker_transport::forget_peer(const std::string& peer) { impl_->windows.erase(peer); }

const transport_stats& broker_transport::stats() const { return impl_->stats; }

std::uint64_t broker_transport::refused() const { return impl_->zap.stats().refused.load(); }

void broker_transport::wake() { impl_->wake.notify(); }

}  // namespace wisp::cluster
