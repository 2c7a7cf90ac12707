#include "cluster/agent_transport.hpp"

namespace wisp::cluster {

struct agent_transport::impl {
  agent_options opts;
  zmq::context_t ctx{1};
  zmq::socket_t dealer;
  handshake_monitor monitor;
  wakeup wake;
  transport_stats stats;
  credit_window window{0};

  ~impl() {
    if (dealer.handle()) (void)zmq_socket_monitor(dealer.handle(), nullptr, 0);
  }

  std::optional<cluster_wire::broker_message> read_one() {
    zmq::message_t body;
    if (!dealer.recv(body, zmq::recv_flags::dontwait)) return std::nullopt;
    if (body.more()) {  // the broker sends one frame; skip the rest of anything else
      while (body.more() && dealer.recv(body, zmq::recv_flags::dontwait)) {
      }
      ++stats.bad_frames;
      return std::nullopt;
    }
    cluster_wire::decode_error err;
    auto m = cluster_wire::decode_broker(body.to_string_view(), err, opts.max_message_bytes);
    if (!m) {
      stats.count(err.code);
      return std::nullopt;
    }
    if (const auto* c = std::get_if<cluster_wire::credit>(&m->payload)) (void)window.acknowledge(c->stream, c->consumed);
    ++stats.received;
    stats.bytes_received += body.size();
    return m;
  }
};

agent_transport::agent_transport() : impl_(std::make_unique<impl>()) {}
agent_transport::~agent_transport() = default;

std::string agent_transport::start(agent_options opts) {
  auto& d = *impl_;
  d.opts = std::move(opts);
  d.window = credit_window{d.opts.batch_window};
  if (!d.opts.client_keys && !is_loopback_endpoint(d.opts.broker_endpoint))
    return "cannot connect to " + d.opts.broker_endpoint +
           " without CURVE keys: only loopback endpoints may go unencrypted (give a key pair)";
  try {
    d.dealer = zmq::socket_t{d.ctx, zmq::socket_type::dealer};
    set_common_options(d.dealer, d.opts.max_message_bytes);
    if (d.opts.client_keys) {
      if (!curve_available()) return "cannot use CURVE: the installed libzmq was built without it";
      if (!z85_key_bytes(d.opts.broker_public_z85))
        return "the broker's public key is not a Z85 CURVE key (40 characters)";
      d.dealer.set(zmq::sockopt::curve_serverkey, d.opts.broker_public_z85);
      d.dealer.set(zmq::sockopt::curve_publickey, d.opts.client_keys->public_z85);
      d.dealer.set(zmq::sockopt::curve_secretkey, d.opts.client_keys->secret_z85);
    }
    if (auto e = d.monitor.start(d.ctx, d.dealer); !e.empty()) return e;
    d.dealer.connect(d.opts.broker_endpoint);
  } catch (const zmq::error_t& e) {
    return "cannot connect to " + d.opts.broker_endpoint + ": " + e.what();
  }
  return {};
}

send_result agent_transport::send(const cluster_wire::agent_message& m) {
  auto& d = *impl_;
  const auto* batch = std::get_if<cluster_wire::batch_message>(&m.payload);
  if (batch) {
    if (batch->sequence != d.window.next_sequence(batch->stream)) return send_result::out_of_order;
    if (!d.window.can_send(batch->stream)) return send_result::no_credit;
  }
  const auto bytes = cluster_wire::encode(m);
  if (bytes.size() > d.opts.max_message_bytes) {  // the broker would drop the connection
    ++d.stats.send_failures;
    return send_result::failed;
  }
  if (!d.dealer.send(zmq::buffer(bytes), zmq::send_flags::dontwait)) {
    ++d.stats.send_failures;
    return send_result::failed;
  }
  if (batch) (void)d.window.record(batch->stream, batch->sequence);
  if (const auto* e = std::get_if<cluster_wire::end_of_stream>(&m.payload)) d.window.forget(e->stream);
  ++d.stats.sent;
  d.stats.bytes_sent += bytes.size();
  return send_result::sent;
}

std::optional<cluster_wire::broker_message> agent_transport::receive(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  return receive_within(d.dealer, d.monitor, d.wake, d.stats, timeout, [&d] { return d.read_one(); });
}

const credit_window& agent_transport::window() const { return impl_->window; }
const transport_stats& agent_transport::stats() const { return impl_->stats; }

void agent_transport::wake() { impl_->wake.notify(); }

}  // namespace wisp::cluster
