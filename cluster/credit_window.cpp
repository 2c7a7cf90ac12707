#include "cluster/credit_window.hpp"

namespace wisp::cluster {

std::uint64_t credit_window::next_sequence(const cluster_wire::stream_id& s) const {
  const auto it = streams_.find(s);
  return it == streams_.end() ? 0 : it->second.sent;
}

std::uint64_t credit_window::in_flight(const cluster_wire::stream_id& s) const {
  const auto it = streams_.find(s);
  return it == streams_.end() ? 0 : it->second.sent - it->second.acked;
}

bool credit_window::can_send(const cluster_wire::stream_id& s) const { return in_flight(s) < window_; }

credit_window::admit credit_window::record(const cluster_wire::stream_id& s, std::uint64_t sequence) {
  auto it = streams_.find(s);
  if (it == streams_.end()) {
    if (streams_.size() >= max_streams) return admit::too_many_streams;
    if (sequence != 0) return admit::out_of_order;
    if (window_ == 0) return admit::over_window;
    streams_.emplace(s, counts{1, 0});
    return admit::ok;
  }
  auto& c = it->second;
  if (sequence != c.sent) return admit::out_of_order;
  if (c.sent - c.acked >= window_) return admit::over_window;
  ++c.sent;
  return admit::ok;
}

bool credit_window::acknowledge(const cluster_wire::stream_id& s, std::uint64_t consumed) {
  const auto it = streams_.find(s);
  if (it == streams_.end()) return false;
  auto& c = it->second;
  if (consumed < c.acked || consumed > c.sent) return false;
  c.acked = consumed;
  return true;
}

void credit_window::forget(const cluster_wire::stream_id& s) { streams_.erase(s); }

}  // namespace wisp::cluster
