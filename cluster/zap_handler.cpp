#include "cluster/zap_handler.hpp"

#include <array>
#include <thread>
#include <vector>

#include <zmq_addon.hpp>

namespace wisp::cluster {

namespace {

constexpr const char* zap_endpoint = "inproc://zeromq.zap.01";
constexpr const char* zap_version = "1.0";
constexpr const char* curve_mechanism = "CURVE";
// The request: version, request id, domain, address, routing id, mechanism, credentials...
constexpr std::size_t zap_request_id = 1;
constexpr std::size_t zap_mechanism = 5;
constexpr std::size_t zap_first_credential = 6;

}  // namespace

struct zap_handler::impl {
  zmq::socket_t rep;
  zmq::socket_t stop_pull;
  zmq::socket_t stop_push;
  std::thread thread;
  key_allowlist allowed;
  zap_stats stats;

  void serve() {
    std::array<zmq::pollitem_t, 2> items{{{rep.handle(), 0, ZMQ_POLLIN, 0}, {stop_pull.handle(), 0, ZMQ_POLLIN, 0}}};
    for (;;) {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds{-1});
      if (items[1].revents & ZMQ_POLLIN) return;
      if (items[0].revents & ZMQ_POLLIN) answer();
    }
  }

  void answer() {
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(rep, std::back_inserter(frames))) return;
    const bool well_formed = frames.size() > zap_first_credential && frames[0].to_string_view() == zap_version;
    bool ok = false;
    std::string user;
    if (well_formed && frames[zap_mechanism].to_string_view() == curve_mechanism) {
      const auto key = frames[zap_first_credential].to_string();
      ok = key.size() == curve_key_bytes && allowed.count(key) > 0;
      if (ok) {
        char z85[z85_key_chars + 1] = {};
        zmq_z85_encode(z85, reinterpret_cast<const std::uint8_t*>(key.data()), key.size());
        user = z85;
      }
    }
    ++(ok ? stats.accepted : stats.refused);
    // A REP socket must answer every request, even a malformed one, or it cannot take the next.
    const std::string request_id = frames.size() > zap_request_id ? frames[zap_request_id].to_string() : "";
    std::array<zmq::const_buffer, 6> reply{zmq::str_buffer("1.0"), zmq::buffer(request_id),
                                           ok ? zmq::str_buffer("200") : zmq::str_buffer("400"),
                                           ok ? zmq::str_buffer("OK") : zmq::str_buffer("key not allowed"),
                                           zmq::buffer(user), zmq::str_buffer("")};
    (void)zmq::send_multipart(rep, reply);
  }
};

zap_handler::zap_handler() : impl_(std::make_unique<impl>()) {}

zap_handler::~zap_handler() {
  if (impl_->thread.joinable()) {
    (void)impl_->stop_push.send(zmq::str_buffer("stop"), zmq::send_flags::none);
    impl_->thread.join();
  }
}

std::string zap_handler::start(zmq::context_t& ctx, key_allowlist allowed) {
  auto& d = *impl_;
  d.allowed = std::move(allowed);
  // The stop pair is named after this object so that two handlers in two contexts never clash.
  const std::string stop_endpoint = "inproc://wisp-zap-stop-" + std::to_string(reinterpret_cast<std::uintptr_t>(this));
  try {
    d.rep = zmq::socket_t{ctx, zmq::socket_type::rep};
    d.rep.set(zmq::sockopt::linger, 0);
    d.rep.bind(zap_endpoint);
    d.stop_pull = zmq::socket_t{ctx, zmq::socket_type::pull};
    d.stop_pull.set(zmq::sockopt::linger, 0);
    d.stop_pull.bind(stop_endpoint);
    d.stop_push = zmq::socket_t{ctx, zmq::socket_type::push};
    d.stop_push.set(zmq::sockopt::linger, 0);
    d.stop_push.connect(stop_endpoint);
  } catch (const zmq::error_t& e) {
    return std::string{"cannot start the ZAP handler on "} + zap_endpoint + ": " + e.what();
  }
  d.thread = std::thread([&d] { d.serve(); });
  return {};
}

const zap_stats& zap_handler::stats() const { return impl_->stats; }

}  // namespace wisp::cluster
