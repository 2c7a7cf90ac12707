#include "actors/tracepoints/tracepoint_manager.hpp"

#include <map>

#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "caf/typed_response_promise.hpp"
#include "schemas/types.hpp"

namespace wisp::tracepoints {

namespace {

using reply_promise = caf::typed_response_promise<std::string, std::string>;

struct manager_state {
  static inline const char* name = "tracepoint_manager";
  std::unique_ptr<deployments> deploy;
  tracepoint_manager_config config;
  std::map<std::string, reply_promise> starting;  // bpftrace upserts waiting for their program

  void publish() { config.board->publish(deploy->status()); }
};

tracepoint_manager_actor::behavior_type manager(tracepoint_manager_actor::stateful_pointer<manager_state> self,
                                                tracepoint_manager_config config) {
  auto& st = self->state;
  st.config = std::move(config);
  auto* sys = &self->system();
  auto directory = st.config.tables;
  const auto budget = st.config.table_bytes;
  table_sink sink;
  sink.create = [sys, directory, budget](const std::string& name, const schemas::relation& rel,
                                         const std::optional<std::string>& replaced_as) {
    if (replaced_as) directory->rename(name, *replaced_as);
    directory->put(name, {rel, tables::spawn_table_shard(*sys, rel, budget), "a tracepoint's table"});
  };
  sink.append = [directory](const std::string& name, schemas::row_batch batch) {
    if (auto t = directory->find(name))
      caf::anon_send(t->shard, actors::append_atom::value,
                     std::make_shared<const schemas::row_batch>(std::move(batch)));
  };
  st.deploy = std::make_unique<deployments>(st.config.deploy, std::move(sink));
  st.publish();
  self->send(self, actors::poll_atom::value);
  self->send(self, tick_atom::value);
  return {
      [self](upsert_atom, pxl::tracepoint_mutation& m) -> caf::result<std::string, std::string> {
        auto& s = self->state;
        // A bpftrace upsert still compiling is answered now: it is being deleted or replaced.
        if (auto waiting = s.starting.find(m.name); waiting != s.starting.end()) {
          waiting->second.deliver(std::string{"deleted or replaced before it started"}, std::string{});
          s.starting.erase(waiting);
        }
        if (m.what == pxl::tracepoint_mutation::kind::remove) {
          auto err = s.deploy->remove(m.name);
          s.publish();
          return {err, std::string{}};
        }
        auto r = s.deploy->upsert(m, schemas::wall_clock_ns());
        s.publish();
        if (r.what != upsert_result::kind::starting) return {r.error, r.table};
        auto promise = self->make_response_promise<std::string, std::string>();
        s.starting.insert_or_assign(m.name, promise);
        return promise;
      },
      [self](actors::poll_atom) {
        auto& s = self->state;
        auto started = s.deploy->poll();
        for (auto& [name, r] : started) {
          if (auto it = s.starting.find(name); it != s.starting.end()) {
            it->second.deliver(r.error, r.table);
            s.starting.erase(it);
          }
        }
        if (!s.starting.empty()) {  // one that ended while it started (its TTL ran out) is answered
          for (const auto& t : s.deploy->status()) {
            auto it = s.starting.find(t.name);
            if (it == s.starting.end() || t.state == tracepoint_state::pending) continue;
            it->second.deliver(t.state == tracepoint_state::running ? std::string{} : t.message,
                               t.tables.empty() ? std::string{} : t.tables.front());
            s.starting.erase(it);
          }
        }
        if (!started.empty()) s.publish();
        self->delayed_send(self, s.config.poll_period, actors::poll_atom::value);
      },
      [self](tick_atom) {
        auto& s = self->state;
        s.deploy->tick(schemas::wall_clock_ns());
        s.publish();
        self->delayed_send(self, std::chrono::seconds{1}, tick_atom::value);
      },
      [self](actors::stats_atom) { return self->state.deploy->counters(); },
  };
}

}  // namespace

tracepoint_manager_actor spawn_tracepoint_manager(caf::actor_system& sys, tracepoint_manager_config config) {
  return sys.spawn(manager, std::move(config));
}

}  // namespace wisp::tracepoints
