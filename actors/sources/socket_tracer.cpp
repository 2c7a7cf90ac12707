#include "actors/sources/socket_tracer.hpp"

#include <unordered_map>

#include "actors/sources/conn_stats.hpp"
#include "actors/sources/datagram_peers.hpp"
#include "actors/sources/socket_table.hpp"
#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "schemas/tables.hpp"
#include "schemas/types.hpp"

namespace wisp::sources {

namespace {

constexpr const char* stage_kernel = "socket tracer (kernel)";
constexpr const char* stage_user = "socket tracer";

/// The kernel counters that mean data was lost (the others count by design: sendfile bytes are
/// never copied, unknown-protocol bytes are not sent).
struct loss_kind {
  int counter;
  const char* name;
};
constexpr loss_kind kernel_losses[] = {
    {WISP_CNT_DATA_LOST, "data_events_lost"},
    {WISP_CNT_CONTROL_LOST, "control_events_lost"},
    {WISP_CNT_CONN_MAP_FULL, "connections_untracked_map_full"},
    {WISP_CNT_BYTES_NOT_COPIED, "bytes_not_copied"},
};

/// Where each connection's events go: the parser pool of its protocol (decided by its first
/// data), and there one parser by conn_key. Lives as long as the tracer.
class connection_router {
 public:
  using batches = std::map<std::uint32_t, std::vector<protocols::socket_event_batch>>;

  explicit connection_router(const parser_pools& pools) : pools_(pools) {}

  void open(protocols::conn_open&& ev) {
    if (waiting_.size() >= max_waiting_opens) {
      waiting_.erase(waiting_.begin());
      ++opens_dropped_;
    }
    waiting_.insert_or_assign(ev.key, std::move(ev));
  }

  void data(protocols::data_chunk&& ev, batches& out) {
    if (!pools_.contains(ev.protocol)) {
      no_parser_bytes_ += ev.bytes.size();
      return;
    }
    auto [it, added] = routed_.try_emplace(ev.key, ev.protocol);
    if (added) {
      if (routed_.size() > max_routed) {  // closes lost: forget one
        routed_.erase(routed_.begin() == it ? std::next(routed_.begin()) : routed_.begin());
        ++routes_dropped_;
      }
      if (auto w = waiting_.find(ev.key); w != waiting_.end()) {
        batch(out, ev.protocol, ev.key).opens.push_back(std::move(w->second));
        waiting_.erase(w);
      }
    }
    batch(out, it->second, ev.key).data.push_back(std::move(ev));
  }

  void close(protocols::conn_close&& ev, batches& out) {
    if (auto it = routed_.find(ev.key); it != routed_.end()) {
      const auto protocol = it->second;
      routed_.erase(it);
      batch(out, protocol, ev.key).closes.push_back(std::move(ev));
      return;
    }
    waiting_.erase(ev.key);  // no parser ever saw it
  }

  void add_counters(std::vector<wire::loss_counter>& out, const char* stage) const {
    out.push_back({stage, "bytes_without_parser", no_parser_bytes_});
    out.push_back({stage, "waiting_opens_dropped", opens_dropped_});
    out.push_back({stage, "connection_routes_dropped", routes_dropped_});
  }

 private:
  static constexpr std::size_t max_routed = 1 << 20;

  protocols::socket_event_batch& batch(batches& out, std::uint32_t protocol,
                                       const protocols::conn_key& k) {
    auto& shards = out[protocol];
    const auto& pool = pools_.at(protocol);
    shards.resize(pool.size());
    return shards[protocols::conn_key_hash{}(k) % pool.size()];
  }

  const parser_pools& pools_;
  std::unordered_map<protocols::conn_key, protocols::conn_open, protocols::conn_key_hash> waiting_;
  std::unordered_map<protocols::conn_key, std::uint32_t, protocols::conn_key_hash> routed_;
  std::uint64_t no_parser_bytes_ = 0;  // a protocol the kernel knows but no parser is for
  std::uint64_t opens_dropped_ = 0;
  std::uint64_t routes_dropped_ = 0;
};

/// Hands one poll's decoded events to the router and to the conn_stats aggregator.
class poll_sink final : public bpf::socket_event_sink {
 public:
  poll_sink(connection_router& router, connection_router::batches& out, socket_table& table,
            conn_stats_aggregator& stats, datagram_peers& peers)
      : router_(router), out_(out), table_(table), stats_(stats), peers_(peers) {}

  void on_open(protocols::conn_open&& ev) override {
    if (ev.source == WISP_OPEN_INFERRED && ev.meta.role == schemas::trace_role::unknown &&
        ev.meta.local.port >= 0) {
      ev.meta.role = table_.infer_role(ev.key.tgid, static_cast<std::uint16_t>(ev.meta.local.port),
                                       socket_table::clock::now());
    }
    stats_.on_open(ev);
    peers_.open(ev);
    router_.open(std::move(ev));
  }
  void on_close(protocols::conn_close&& ev) override {
    stats_.on_close(ev);
    for (auto& peer : peers_.close(ev))
      router_.close(std::move(peer), out_);
    router_.close(std::move(ev), out_);
  }
  void on_data(protocols::data_chunk&& ev) override {
    stats_.on_data(ev);
    auto peer = peers_.data(ev);
    if (peer.evicted)
      router_.close(std::move(*peer.evicted), out_);
    if (peer.open)
      router_.open(std::move(*peer.open));
    router_.data(std::move(ev), out_);
  }
  void on_stats(protocols::conn_close&& ev) override { stats_.on_stats(ev); }

 private:
  connection_router& router_;
  connection_router::batches& out_;
  socket_table& table_;
  conn_stats_aggregator& stats_;
  datagram_peers& peers_;
};

struct tracer_state {
  static inline const char* name = "socket_tracer";

  std::shared_ptr<bpf::socket_tracer_loader> loader;
  socket_tracer_config config;
  std::unique_ptr<connection_router> router;
  std::unique_ptr<socket_table> sockets;
  std::uint64_t poll_errors = 0;
  conn_stats_aggregator conn_stats;
  datagram_peers peers;
  std::int64_t next_conn_stats_ns = 0;

  void emit_conn_stats(std::int64_t now_ns) {
    const auto& table = config.conn_stats_table;
    if (!table || now_ns < next_conn_stats_ns) return;
    next_conn_stats_ns =
        now_ns + std::chrono::duration_cast<std::chrono::nanoseconds>(config.conn_stats_period).count();
    auto batch = schemas::make_empty_batch(schemas::find_table("conn_stats")->rel);
    conn_stats.emit(now_ns, batch);
    if (batch.num_rows() > 0)
      caf::anon_send(table, actors::append_atom::value,
                     std::make_shared<const schemas::row_batch>(std::move(batch)));
  }
};

socket_tracer_actor::behavior_type socket_tracer(socket_tracer_actor::stateful_pointer<tracer_state> self,
                                                 std::shared_ptr<bpf::socket_tracer_loader> loader,
                                                 socket_tracer_config config) {
  auto& st = self->state;
  st.loader = std::move(loader);
  st.config = std::move(config);
  st.router = std::make_unique<connection_router>(st.config.parsers);
  st.sockets = std::make_unique<socket_table>(std::make_unique<host_proc_reader>());
  self->send(self, actors::poll_atom::value);
  return {
      [self](actors::poll_atom) {
        auto& s = self->state;
        connection_router::batches out;
        poll_sink r{*s.router, out, *s.sockets, s.conn_stats, s.peers};
        // Drain what is there now; a full ring is emptied over several rounds rather than
        // starving the parsers.
        constexpr int max_rounds_per_poll = 8;
        for (int i = 0; i < max_rounds_per_poll; ++i) {
          auto res = s.loader->poll(0, r);
          if (!res) {
            ++s.poll_errors;
            break;
          }
          if (res->records == 0) break;
        }
        for (auto& [protocol, shards] : out) {
          const auto& pool = s.config.parsers.at(protocol);
          for (std::size_t i = 0; i < shards.size(); ++i)
            if (!shards[i].empty()) self->send(pool[i], actors::events_atom::value, std::move(shards[i]));
        }
        s.emit_conn_stats(schemas::wall_clock_ns());
        self->delayed_send(self, s.config.poll_period, actors::poll_atom::value);
      },
      [self](actors::stats_atom) {
        auto& s = self->state;
        std::vector<wire::loss_counter> out;
        if (auto c = s.loader->counters()) {
          for (const auto& k : kernel_losses) {
            const auto i = static_cast<std::size_t>(k.counter);
            out.push_back({stage_kernel, k.name, c->total[i]});
            for (std::size_t cpu = 0; cpu < c->per_cpu.size(); ++cpu)
              if (c->per_cpu[cpu][i])
                out.push_back({stage_kernel, std::string(k.name) + " on cpu " + std::to_string(cpu), c->per_cpu[cpu][i]});
          }
          out.push_back({stage_user, "bad_records", c->user.bad_records});
        }
        out.push_back({stage_user, "poll_errors", s.poll_errors});
        s.router->add_counters(out, stage_user);
        out.push_back({stage_user, "conn_stats_events_without_open", s.conn_stats.events_without_open()});
        out.push_back({stage_user, "conn_stats_connections_not_followed",
                       s.conn_stats.connections_not_followed()});
        out.push_back({stage_user, "socket_table_bad_lines", s.sockets->bad_lines()});
        out.push_back({stage_user, "datagram_peers_evicted", s.peers.peers_evicted()});
        out.push_back({stage_user, "datagram_sockets_forgotten", s.peers.sockets_forgotten()});
        return out;
      },
  };
}

}  // namespace

socket_tracer_actor spawn_socket_tracer(caf::actor_system& sys,
                                        std::unique_ptr<bpf::socket_tracer_loader> loader,
                                        socket_tracer_config config) {
    // A shared_ptr only for the hand-over: spawn arguments must be copyable; the actor is the sole
  // owner afterwards.
  return sys.spawn(socket_tracer, std::shared_ptr<bpf::socket_tracer_loader>(std::move(loader)),
                   std::move(config));
}

}  // namespace wisp::sources
