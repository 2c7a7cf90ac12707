#include "actors/sources/socket_tracer.hpp"

#include "actors/sources/socket_table.hpp"
#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

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

/// Collects one poll's events into one batch per parser.
class router final : public bpf::socket_event_sink {
 public:
  router(std::vector<protocols::socket_event_batch>& shards, socket_table& table)
      : shards_(shards), table_(table) {}

  void on_open(protocols::conn_open&& ev) override {
    if (ev.source == WISP_OPEN_INFERRED && ev.meta.role == schemas::trace_role::unknown &&
        ev.meta.local.port >= 0) {
      ev.meta.role = table_.infer_role(ev.key.tgid, static_cast<std::uint16_t>(ev.meta.local.port),
                                       socket_table::clock::now());
    }
    shard(ev.key).opens.push_back(std::move(ev));
  }
  void on_close(protocols::conn_close&& ev) override { shard(ev.key).closes.push_back(std::move(ev)); }
  void on_data(protocols::data_chunk&& ev) override { shard(ev.key).data.push_back(std::move(ev)); }

 private:
  protocols::socket_event_batch& shard(const protocols::conn_key& k) {
    return shards_[protocols::conn_key_hash{}(k) % shards_.size()];
  }
  std::vector<protocols::socket_event_batch>& shards_;
  socket_table& table_;
};

struct tracer_state {
  static inline const char* name = "socket_tracer";

  std::shared_ptr<bpf::socket_tracer_loader> loader;
  std::vector<protocols::parser_actor> parsers;
  std::chrono::milliseconds period{};
  std::unique_ptr<socket_table> sockets;
  std::uint64_t poll_errors = 0;
};

socket_tracer_actor::behavior_type socket_tracer(socket_tracer_actor::stateful_pointer<tracer_state> self,
                                                 std::shared_ptr<bpf::socket_tracer_loader> loader,
                                                 std::vector<protocols::parser_actor> parsers,
                                                 std::chrono::milliseconds period) {
  auto& st = self->state;
  st.loader = std::move(loader);
  st.parsers = std::move(parsers);
  st.period = period;
  st.sockets = std::make_unique<socket_table>(std::make_unique<host_proc_reader>());
  self->send(self, actors::poll_atom::value);
  return {
      [self](actors::poll_atom) {
        auto& s = self->state;
        std::vector<protocols::socket_event_batch> shards(s.parsers.size());
        router r{shards, *s.sockets};
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
        for (std::size_t i = 0; i < shards.size(); ++i)
          if (!shards[i].empty()) self->send(s.parsers[i], actors::events_atom::value, std::move(shards[i]));
        self->delayed_send(self, s.period, actors::poll_atom::value);
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
        out.push_back({stage_user, "socket_table_bad_lines", s.sockets->bad_lines()});
        return out;
      },
  };
}

}  // namespace

socket_tracer_actor spawn_socket_tracer(caf::actor_system& sys,
                                        std::unique_ptr<bpf::socket_tracer_loader> loader,
                                        std::vector<protocols::parser_actor> parsers,
                                        std::chrono::milliseconds poll_period) {
    // A shared_ptr only for the hand-over: spawn arguments must be copyable; the actor is the sole
  // owner afterwards.
  return sys.spawn(socket_tracer, std::shared_ptr<bpf::socket_tracer_loader>(std::move(loader)),
                   std::move(parsers), poll_period);
}

}  // namespace wisp::sources
