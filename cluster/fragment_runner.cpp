#include "cluster/fragment_runner.hpp"

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "cluster/query_actor.hpp"
#include "pxl/fragment_codec.hpp"
#include "pxl/functions.hpp"
#include "pxl/mutation_codec.hpp"
#include "schemas/tables.hpp"

namespace wisp::cluster {

namespace {

using poll_losses_atom = caf::atom_constant<caf::atom("polllosses")>;

/// Sends an end of stream to the broker with this node's loss counters as they are now, so that
/// the query's Done reports them as of its end rather than as of the last heartbeat. A
/// short-lived actor asks the sources; any thread may call this.
void send_end(caf::actor_system& sys, const broker_deps& node, const agent_gateway_actor& gateway,
              cluster_wire::end_of_stream end) {
  sys.spawn([node, gateway, end = std::move(end)](caf::event_based_actor* self) {
    collect_node_losses(self, node, [self, gateway, end](std::vector<wire::loss_counter> losses) mutable {
      end.losses = std::move(losses);
      self->send(gateway, actors::eos_atom::value, std::move(end));
      self->quit();
    });
  });
}

/// What the sinks of one fragment report to: batches and ends go to the gateway; a source
/// error is kept and goes with every end that follows.
struct fragment_streams {
  caf::actor_system* sys = nullptr;
  broker_deps node;
  agent_gateway_actor gateway;
  cluster_wire::stream_id base;  // query and fragment; sink filled per stream
  std::mutex mutex;
  std::string source_error;

  cluster_wire::stream_id stream(const std::string& sink) const {
    auto s = base;
    s.sink = sink;
    return s;
  }
  void end(const std::string& sink, const std::string& error) const {
    send_end(*sys, node, gateway,
             cluster_wire::end_of_stream{stream(sink), 0, error.empty() ? wire::status::ok : wire::status::exec_error, error, {}});
  }
};

std::shared_ptr<const exec::result_handler> stream_to_broker(std::shared_ptr<fragment_streams> out) {
  auto h = std::make_shared<exec::result_handler>();
  h->on_batch = [out](const std::string& sink, schemas::row_batch_ptr b) {
    caf::anon_send(out->gateway, actors::batch_atom::value, out->stream(sink), std::move(b));
  };
  h->on_end = [out](const std::string& sink, const std::string& error) {
    std::string why = error;
    {
      std::lock_guard lock{out->mutex};
      if (why.empty()) why = out->source_error;
    }
    out->end(sink, why);
  };
  h->on_error = [out](const std::string& error) {
    std::lock_guard lock{out->mutex};
    if (out->source_error.empty()) out->source_error = error;
  };
  return h;
}

struct runner_state {
  static inline const char* name = "fragment_runner";
};

fragment_runner_actor::behavior_type runner(fragment_runner_actor::stateful_pointer<runner_state> self,
                                            fragment_runner_deps deps) {
  auto catalog = node_catalog(deps.node);
  auto udtf = std::make_shared<exec::udtf_context>();
  udtf->tables = catalog;
  return {
      [self, deps, catalog, udtf](actors::run_atom, const cluster_wire::plan_fragment& f) {
        auto out = std::make_shared<fragment_streams>();
        out->sys = &self->system();
        out->node = deps.node;
        out->gateway = deps.gateway;
        out->base = {f.query_id, f.fragment_id, {}};
        // No sink named: the broker ends every stream it expects from this agent.
        auto fail = [&](const std::string& why) { out->end({}, why); };
        std::string err;
        auto plan = pxl::decode_fragment(f.plan, pxl::function_registry::builtin(), catalog, err);
        if (!plan) {
          fail("refused its plan fragment: " + err);
          return;
        }
        auto spawned = exec::spawn_plan(self->system(), *plan, node_shards(deps.node), stream_to_broker(out), udtf);
        if (!spawned.error.empty()) fail("could not run its plan fragment: " + spawned.error);
      },
      [self, deps](tracepoints::upsert_atom, const cluster_wire::tracepoint_request& r) {
        auto answer = [gateway = deps.gateway, node = deps.node, id = r.request_id](std::string error,
                                                                                 const std::string& table) {
          cluster_wire::tracepoint_reply out{id, std::move(error), std::nullopt, node_tracepoints(node)};
          if (auto e = table.empty() ? std::nullopt : node.dynamic_tables->find(table))
            out.table = cluster_wire::table_info{table, e->rel};
          caf::anon_send(gateway, tracepoint_done_atom::value, std::move(out));
        };
        if (!deps.node.tracepoint_manager) {
          answer("this agent has no tracepoint manager", {});
          return;
        }
        std::string err;
        auto m = pxl::decode_mutation(r.mutation, err);
        if (!m) {
          answer("refused the tracepoint mutation: " + err, {});
          return;
        }
        self->request(*deps.node.tracepoint_manager, tracepoints::upsert_timeout, tracepoints::upsert_atom::value,
                      std::move(*m))
            .then([answer](const std::string& error, const std::string& table) { answer(error, table); },
                  [self, answer](caf::error& e) {
                    answer("the tracepoint manager did not answer: " + self->system().render(e), {});
                  });
      },
  };
}

struct poller_state {
  static inline const char* name = "loss_poller";
};

caf::behavior poller(caf::stateful_actor<poller_state>* self, broker_deps node, std::shared_ptr<loss_snapshot> out,
                     std::chrono::milliseconds period) {
  self->send(self, poll_losses_atom::value);
  return {
      [self, node, out, period](poll_losses_atom) {
        collect_node_losses(self, node, [out](std::vector<wire::loss_counter> v) { out->set(std::move(v)); });
        self->delayed_send(self, period, poll_losses_atom::value);
      },
  };
}

}  // namespace

fragment_runner_actor spawn_fragment_runner(caf::actor_system& sys, fragment_runner_deps deps) {
  return sys.spawn(runner, std::move(deps));
}

caf::actor spawn_loss_poller(caf::actor_system& sys, broker_deps node, std::shared_ptr<loss_snapshot> out,
                             std::chrono::milliseconds period) {
  return sys.spawn(poller, std::move(node), std::move(out), period);
}

std::vector<cluster_wire::table_info> node_tables(const broker_deps& node) {
  std::vector<cluster_wire::table_info> out;
  for (const auto& [name, shard] : node.tables)
    if (const auto* t = schemas::find_table(name)) out.push_back({name, t->rel});
  for (const auto& name : node.dynamic_tables->names())
    if (auto e = node.dynamic_tables->find(name)) out.push_back({name, e->rel});
  return out;
}

std::vector<cluster_wire::tracepoint_info> node_tracepoints(const broker_deps& node) {
  std::vector<cluster_wire::tracepoint_info> out;
  for (const auto& t : node.tracepoint_status->snapshot())
    out.push_back({t.id, t.name, std::string{tracepoints::to_string(t.state)}, t.message, t.tables});
  return out;
}

pxl::table_catalog node_catalog(const broker_deps& node) {
  pxl::table_catalog c;
  c.find = [node](std::string_view name) -> std::optional<schemas::relation> {
    for (auto& t : node_tables(node))
      if (t.name == name) return t.rel;
    return std::nullopt;
  };
  c.names = [node] {
    std::vector<std::string> names;
    for (auto& t : node_tables(node)) names.push_back(t.name);
    return names;
  };
  c.desc = [](std::string_view) { return std::string{}; };
  return c;
}

}  // namespace wisp::cluster
