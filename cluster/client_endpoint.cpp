#include "cluster/client_endpoint.hpp"

#include <mutex>
#include <zmq.hpp>

#include "cluster/transport_common.hpp"
#include "cluster/zap_handler.hpp"

namespace wisp::cluster {

namespace {
constexpr const char* replies_inproc = "inproc://wisp-client-replies";
constexpr const char* stop_message = "";
constexpr const char* zap_domain = "wisp-clients";
}  // namespace

// Replies from any thread go through one PUSH socket (guarded by a mutex) to the endpoint
// thread's PULL socket; only the endpoint thread touches the ROUTER socket. Member order is
// destruction order reversed: sockets close before the ZAP handler stops, and everything
// before the context terminates.
struct client_endpoint::impl {
  zmq::context_t ctx{1};
  zap_handler zap;
  zmq::socket_t router{ctx, zmq::socket_type::router};
  handshake_monitor monitor;
  zmq::socket_t pull{ctx, zmq::socket_type::pull};
  std::mutex push_mutex;
  zmq::socket_t push{ctx, zmq::socket_type::push};
  std::thread thread;
  endpoint_stats stats;
  query_handler handler;
  std::function<void(std::uint64_t)> on_refused;
  std::optional<key_allowlist> tracers;

  ~impl() {
    if (router.handle()) (void)zmq_socket_monitor(router.handle(), nullptr, 0);
  }

  void send_reply(const std::string& routing_id, const wire::server_message& m) {
    const auto bytes = wire::encode(m);
    std::lock_guard lock{push_mutex};
    if (!push.handle()) return;
    push.send(zmq::buffer(routing_id), zmq::send_flags::sndmore);
    push.send(zmq::buffer(bytes), zmq::send_flags::none);
  }

  void serve() {
    zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                               {pull.handle(), 0, ZMQ_POLLIN, 0},
                               {monitor.socket().handle(), 0, ZMQ_POLLIN, 0}};
    for (;;) {
      zmq::poll(items, 3, std::chrono::milliseconds{-1});
      if (items[2].revents & ZMQ_POLLIN) {
        // A peer that hangs up mid-handshake (a TCP probe, a port scan) is no refused client.
        handshake_monitor::failure_kinds kinds;
        (void)monitor.drain(&kinds);
        stats.abandoned += kinds.no_detail;
        if (const auto failed = kinds.protocol + kinds.auth; failed > 0) {
          const auto total = stats.refused += failed;
          if (on_refused) on_refused(total);
        }
      }
      if (items[1].revents & ZMQ_POLLIN) {
        zmq::message_t id, body;
        (void)pull.recv(id);
        if (id.size() == 0) return;  // stop
        (void)pull.recv(body);
        router.send(id, zmq::send_flags::sndmore);
        if (!router.send(body, zmq::send_flags::dontwait)) ++stats.replies_dropped;
      }
      if (items[0].revents & ZMQ_POLLIN) {
        zmq::message_t id, body;
        (void)router.recv(id);
        if (!id.more()) continue;
        (void)router.recv(body);
        while (body.more()) (void)router.recv(body);  // ignore unexpected extra frames
        const char* user = zmq_msg_gets(body.handle(), "User-Id");  // the ZAP handler's: the key
        handle(id.to_string(), body.to_string_view(), user ? user : "");
      }
    }
  }

  client_identity identify(std::string key) const {
    client_identity c{std::move(key), true};
    if (tracers) {
      const auto raw = z85_key_bytes(c.key);
      c.may_trace = raw && tracers->count(*raw) > 0;
    }
    return c;
  }

  void handle(const std::string& routing_id, std::string_view bytes, std::string client_key) {
    ++stats.requests;
    std::string err;
    auto m = wire::decode_client(bytes, err);
    if (!m) {
      ++stats.bad_requests;
      wire::done d;
      d.code = wire::status::bad_request;
      d.error = err;
      auto msg = wire::encode(wire::server_message{0, std::move(d)});
      router.send(zmq::buffer(routing_id), zmq::send_flags::sndmore);
      (void)router.send(zmq::buffer(msg), zmq::send_flags::dontwait);
      return;
    }
    auto ack = wire::encode(wire::server_message{m->query_id, wire::accepted{}});
    router.send(zmq::buffer(routing_id), zmq::send_flags::sndmore);
    (void)router.send(zmq::buffer(ack), zmq::send_flags::dontwait);
    handler(m->query_id, std::move(m->request), identify(std::move(client_key)),
            [this, routing_id](const wire::server_message& reply) { send_reply(routing_id, reply); });
  }
};

std::string check_client_endpoint_options(const client_endpoint_options& opts) {
  if (!opts.server_keys && !is_loopback_endpoint(opts.endpoint))
    return "cannot listen on " + opts.endpoint +
           " without CURVE keys: only loopback endpoints may go unencrypted (give --key_file and --allowed_clients)";
  if (opts.server_keys && !curve_available()) return "cannot use CURVE: the installed libzmq was built without it";
  return {};
}

client_endpoint::client_endpoint() : impl_(std::make_unique<impl>()) {}

client_endpoint::~client_endpoint() {
  if (impl_->thread.joinable()) {
    {
      std::lock_guard lock{impl_->push_mutex};
      impl_->push.send(zmq::buffer(std::string_view{stop_message}), zmq::send_flags::none);
    }
    impl_->thread.join();
  }
  std::lock_guard lock{impl_->push_mutex};
  impl_->push.close();
}

std::string client_endpoint::start(client_endpoint_options opts, query_handler handler) {
  auto& d = *impl_;
  d.handler = std::move(handler);
  d.on_refused = std::move(opts.on_refused);
  d.tracers = std::move(opts.tracers);
  const auto& endpoint = opts.endpoint;
  if (auto e = check_client_endpoint_options(opts); !e.empty()) return e;
  try {
    set_common_options(d.router, wire::max_message_bytes);
    d.router.set(zmq::sockopt::router_mandatory, 0);
    if (opts.server_keys) {
      if (auto e = d.zap.start(d.ctx, std::move(opts.allowed_clients)); !e.empty()) return e;
      d.router.set(zmq::sockopt::curve_server, 1);
      d.router.set(zmq::sockopt::curve_secretkey, opts.server_keys->secret_z85);
      d.router.set(zmq::sockopt::zap_domain, zap_domain);
    }
    if (auto e = d.monitor.start(d.ctx, d.router); !e.empty()) return e;
    d.router.bind(endpoint);
    d.pull.bind(replies_inproc);
    d.push.set(zmq::sockopt::linger, 0);
    d.push.connect(replies_inproc);
  } catch (const zmq::error_t& e) {
    return "cannot listen on " + endpoint + ": " + e.what();
  }
  d.thread = std::thread([&d] { d.serve(); });
  return {};
}

std::string client_endpoint::endpoint() const { return impl_->router.get(zmq::sockopt::last_endpoint); }

const endpoint_stats& client_endpoint::stats() const { return impl_->stats; }

}  // namespace wisp::cluster
