#include "actors/sources/conn_stats.hpp"

#include <algorithm>

#include "schemas/conn_stats.hpp"

namespace wisp::sources {

namespace {

schemas::addr_family family_of(const std::string& addr) {
  if (addr.empty() || addr == "-") return schemas::addr_family::unspecified;
  return addr.find(':') != std::string::npos ? schemas::addr_family::ipv6 : schemas::addr_family::ipv4;
}

}  // namespace

void conn_stats_aggregator::on_open(const protocols::conn_open& ev) {
  if (conns_.size() >= max_conn_stats_connections && !conns_.contains(ev.key)) {
    ++not_followed_;
    return;
  }
  key k{ev.meta.upid, ev.meta.remote.addr,
        ev.meta.role == schemas::trace_role::server ? 0 : ev.meta.remote.port, ev.meta.role};
  auto& c = keys_[k];
  c.addr_family = static_cast<std::int64_t>(family_of(ev.meta.remote.addr));
  ++c.opened;
  c.changed = true;
  conns_.insert_or_assign(ev.key, connection{std::move(k), 0, 0});
}

conn_stats_aggregator::counters* conn_stats_aggregator::advance(const protocols::conn_key& ck,
                                                                std::uint64_t wr, std::uint64_t rd,
                                                                std::uint32_t protocol) {
  auto it = conns_.find(ck);
  if (it == conns_.end()) {
    ++without_open_;
    return nullptr;
  }
  auto& conn = it->second;
  auto& c = keys_[conn.k];
  if (wr > conn.sent) {
    c.sent += wr - conn.sent;
    conn.sent = wr;
    c.changed = true;
  }
  if (rd > conn.received) {
    c.received += rd - conn.received;
    conn.received = rd;
    c.changed = true;
  }
  if (protocol != WISP_PROTO_UNKNOWN && c.protocol != protocol) {
    c.protocol = protocol;
    c.changed = true;
  }
  return &c;
}

void conn_stats_aggregator::on_data(const protocols::data_chunk& ev) {
  auto it = conns_.find(ev.key);
  if (it == conns_.end()) return;  // counted by the stats or close event that follows
  const std::uint64_t end = ev.pos + ev.msg_size;
  const bool egress = ev.dir == protocols::direction::egress;
  advance(ev.key, egress ? end : it->second.sent, egress ? it->second.received : end, ev.protocol);
}

void conn_stats_aggregator::on_stats(const protocols::conn_close& totals) {
  advance(totals.key, totals.wr_bytes, totals.rd_bytes, totals.protocol);
}

void conn_stats_aggregator::on_close(const protocols::conn_close& ev) {
  if (auto* c = advance(ev.key, ev.wr_bytes, ev.rd_bytes, ev.protocol)) {
    ++c->closed;
    c->changed = true;
  }
  conns_.erase(ev.key);
}

void conn_stats_aggregator::emit(std::int64_t now_ns, schemas::row_batch& out) {
  for (auto it = keys_.begin(); it != keys_.end();) {
    auto& [k, c] = *it;
    if (c.changed) {
      out.columns[schemas::conn_stats.col("time_")].push_int(now_ns);
      out.columns[schemas::conn_stats.col("upid")].push_uint128(k.upid);
      out.columns[schemas::conn_stats.col("remote_addr")].push_string(k.remote_addr);
      out.columns[schemas::conn_stats.col("remote_port")].push_int(k.remote_port);
      out.columns[schemas::conn_stats.col("trace_role")].push_int(static_cast<std::int64_t>(k.role));
      out.columns[schemas::conn_stats.col("addr_family")].push_int(c.addr_family);
      out.columns[schemas::conn_stats.col("protocol")].push_int(c.protocol);
      out.columns[schemas::conn_stats.col("ssl")].push_bool(false);
      out.columns[schemas::conn_stats.col("conn_open")].push_int(c.opened);
      out.columns[schemas::conn_stats.col("conn_close")].push_int(c.closed);
      out.columns[schemas::conn_stats.col("conn_active")].push_int(c.opened - c.closed);
      out.columns[schemas::conn_stats.col("bytes_sent")].push_int(static_cast<std::int64_t>(c.sent));
      out.columns[schemas::conn_stats.col("bytes_recv")].push_int(static_cast<std::int64_t>(c.received));
      c.changed = false;
    }
    // Its final cumulative row is in the table: a key without open connections can go.
    if (c.opened == c.closed)
      it = keys_.erase(it);
    else
      ++it;
  }
}

}  // namespace wisp::sources
