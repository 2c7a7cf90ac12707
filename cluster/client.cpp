#include "cluster/client.hpp"

#include <random>
#include <zmq.hpp>

namespace wisp::cluster {

struct client::impl {
  client_options opts;
  zmq::context_t ctx{1};
  zmq::socket_t sock{ctx, zmq::socket_type::dealer};
  std::uint64_t next_id;

  explicit impl(client_options o) : opts(std::move(o)), next_id(std::random_device{}()) {
    sock.set(zmq::sockopt::linger, 0);
    sock.set(zmq::sockopt::maxmsgsize, wire::max_message_bytes);
    sock.connect(opts.endpoint);
  }
};

client::client(client_options opts) : impl_(std::make_unique<impl>(std::move(opts))) {}
client::~client() = default;

query_outcome client::run(const wire::query_request& req,
                          const std::function<void(const wire::server_message&)>& on_message) {
  auto& s = impl_->sock;
  const auto id = impl_->next_id++;
  const auto bytes = wire::encode(wire::client_message{id, req});
  // ZeroMQ queues the message until the connection is up; the accept timeout below is what tells
  // a missing daemon apart from a slow query.
  if (!s.send(zmq::buffer(bytes), zmq::send_flags::dontwait))
    return "cannot send the query to " + impl_->opts.endpoint;

  bool accepted = false;
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    const auto limit = accepted ? impl_->opts.query_timeout : impl_->opts.accept_timeout;
    const auto left = limit - std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - start);
    if (left.count() <= 0) {
      if (!accepted)
        return "cannot reach wispd at " + impl_->opts.endpoint + ": no answer within " +
               std::to_string(impl_->opts.accept_timeout.count()) +
               " ms (is `wispd --role=standalone` running?)";
      return "query timed out after " + std::to_string(impl_->opts.query_timeout.count()) + " ms";
    }
    zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, left);
    if (!(item.revents & ZMQ_POLLIN)) continue;
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
    if (auto* d = std::get_if<wire::done>(&m->payload)) return std::move(*d);
    accepted = true;
    on_message(*m);
  }
}

}  // namespace wisp::cluster
