#include "cluster/transport_common.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>

namespace wisp::cluster {

void transport_stats::count(cluster_wire::decode_errc code) {
  switch (code) {
    case cluster_wire::decode_errc::oversize:
      ++oversize;
      return;
    case cluster_wire::decode_errc::malformed:
      ++malformed;
      return;
    case cluster_wire::decode_errc::wrong_version:
      ++wrong_version;
      return;
    case cluster_wire::decode_errc::invalid:
      ++invalid;
      return;
  }
}

void set_common_options(zmq::socket_t& s, std::size_t max_message_bytes) {
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(max_message_bytes));
}

bool is_loopback_endpoint(std::string_view endpoint) {
  if (endpoint.starts_with("inproc://") || endpoint.starts_with("ipc://")) return true;
  constexpr std::string_view tcp = "tcp://";
  if (!endpoint.starts_with(tcp)) return false;
  const auto host = endpoint.substr(tcp.size());
  return host.starts_with("127.") || host.starts_with("[::1]:") || host.starts_with("localhost:");
}

wakeup::wakeup() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
wakeup::~wakeup() {
  if (fd_ >= 0) ::close(fd_);
}
void wakeup::notify() {
  const std::uint64_t one = 1;
  (void)!::write(fd_, &one, sizeof one);
}
void wakeup::drain() {
  std::uint64_t n = 0;
  (void)!::read(fd_, &n, sizeof n);
}

namespace {
constexpr int handshake_events =
    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
}  // namespace

std::string handshake_monitor::start(zmq::context_t& ctx, zmq::socket_t& watched) {
  const std::string endpoint = "inproc://wisp-monitor-" + std::to_string(reinterpret_cast<std::uintptr_t>(this));
  if (zmq_socket_monitor(watched.handle(), endpoint.c_str(), handshake_events) != 0)
    return "cannot monitor the socket: " + std::string{zmq_strerror(zmq_errno())};
  try {
    pair_ = zmq::socket_t{ctx, zmq::socket_type::pair};
    pair_.set(zmq::sockopt::linger, 0);
    pair_.connect(endpoint);
  } catch (const zmq::error_t& e) {
    return std::string{"cannot connect the socket monitor: "} + e.what();
  }
  return {};
}

std::uint64_t handshake_monitor::drain(failure_kinds* kinds) {
  std::uint64_t failures = 0;
  for (;;) {
    // An event is two frames: 2 bytes of event id + 4 bytes of value, then the endpoint.
    zmq::message_t event, where;
    if (!pair_.recv(event, zmq::recv_flags::dontwait)) return failures;
    if (event.more()) (void)pair_.recv(where, zmq::recv_flags::dontwait);
    if (event.size() < sizeof(std::uint16_t)) continue;
    std::uint16_t id = 0;
    std::memcpy(&id, event.data(), sizeof id);
    if (id & handshake_events) ++failures;
    if (kinds) {
      kinds->no_detail += (id & ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) != 0;
      kinds->protocol += (id & ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) != 0;
      kinds->auth += (id & ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0;
    }
  }
}

}  // namespace wisp::cluster
