#include "cluster/query_actor.hpp"

#include <algorithm>
#include <chrono>

#include "actors/exec/memory.hpp"
#include "actors/exec/operator_actor.hpp"
#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"
#include "cluster/broker_gateway.hpp"
#include "cluster/stream_tracker.hpp"
#include "pxl/fragment_codec.hpp"
#include "schemas/tables.hpp"
#include "schemas/types.hpp"

namespace wisp::cluster {

namespace {

constexpr std::chrono::seconds query_deadline{60};
constexpr std::chrono::seconds counters_timeout{2};
/// An agent that sends nothing for this long while the query waits for it is given up on.
constexpr std::chrono::seconds agent_stall_timeout{10};
constexpr std::chrono::seconds stall_check_period{1};
constexpr std::chrono::seconds fragment_timeout{5};

using sink_done_atom = caf::atom_constant<caf::atom("sinkdone")>;
using truncated_atom = caf::atom_constant<caf::atom("truncated")>;
using source_error_atom = caf::atom_constant<caf::atom("srcerror")>;
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;
using stall_check_atom = caf::atom_constant<caf::atom("stallchk")>;

/// State of one running query: the operator actors, the sinks still streaming, the agents'
/// streams still open, and the reply channel. Lives in its own actor so a slow query never
/// blocks the broker.
struct query_state {
  static inline const char* name = "query";
  std::uint64_t id = 0;
  reply_fn reply;
  std::vector<exec::operator_actor> operators;
  std::set<std::string> open_sinks;
  std::vector<wire::truncation> truncated;
  std::string error;
  bool finished = false;
  // On a broker:
  std::optional<broker_gateway_actor> gateway;
  std::shared_ptr<const broker_gateway> registry;
  std::optional<stream_tracker> streams;
  std::map<std::string, exec::operator_actor> stream_sources;  // by stream name
};

using query_pointer = caf::stateful_actor<query_state>*;

}  // namespace

void collect_node_losses(caf::event_based_actor* self, const broker_deps& deps,
                         std::function<void(std::vector<wire::loss_counter>)> done) {
  auto out = std::make_shared<std::vector<wire::loss_counter>>();
  auto pending = std::make_shared<std::size_t>(deps.tracers.size() + deps.parsers.size() +
                                               (deps.tracepoint_manager ? 1 : 0));
  if (*pending == 0) {
    done({});
    return;
  }
  auto complete = [out, pending, done] {
    if (--*pending == 0) done(std::move(*out));
  };
  // A counter that several sources report (each parser shard of a protocol) is one line: their sum.
  auto add = [out](const wire::loss_counter& c) {
    auto same = std::find_if(out->begin(), out->end(),
                             [&](const wire::loss_counter& o) { return o.stage == c.stage && o.name == c.name; });
    if (same == out->end())
      out->push_back(c);
    else
      same->value += c.value;
  };
  auto collect = [add, complete](const std::vector<wire::loss_counter>& counters) {
    for (const auto& c : counters)
      if (c.value > 0) add(c);
    complete();
  };
  auto missed = [add, complete](caf::error&) {
    add({"query", "loss counters unavailable (sources that did not answer)", 1});
    complete();
  };
  for (const auto& t : deps.tracers) self->request(t, counters_timeout, actors::stats_atom::value).then(collect, missed);
  for (const auto& p : deps.parsers) self->request(p, counters_timeout, actors::stats_atom::value).then(collect, missed);
  if (deps.tracepoint_manager)
    self->request(*deps.tracepoint_manager, counters_timeout, actors::stats_atom::value).then(collect, missed);
}

exec::shard_lookup node_shards(const broker_deps& deps) {
  return [tables = deps.tables, dynamic = deps.dynamic_tables](const std::string& table) -> std::optional<exec::shard_source> {
    const auto* builtin = schemas::find_table(table);
    if (auto t = tables.find(table); t != tables.end() && builtin) return exec::shard_source{t->second, builtin->rel};
    if (auto d = dynamic->find(table)) return exec::shard_source{d->shard, d->rel};
    return std::nullopt;
  };
}

namespace {

/// The loss counters of the query's agents (as they ended their streams, else as of their last
/// heartbeats), each stage named after its agent.
std::vector<wire::loss_counter> agent_losses(const broker_gateway& gateway, const stream_tracker& streams) {
  std::vector<wire::loss_counter> out;
  const auto asids = streams.agents();
  for (const auto& a : gateway.agents()) {
    if (!asids.contains(a.asid)) continue;
    for (const auto& l : streams.losses(a.asid, a.losses))
      if (l.value > 0) out.push_back({"agent " + a.info.hostname + " (asid " + std::to_string(a.asid) + ") " + l.stage, l.name, l.value});
  }
  return out;
}

/// Ends the query: stops its operators, gathers the loss counters, then sends Done.
void finish_query(query_pointer self, const broker_deps& deps) {
  auto& st = self->state;
  if (st.finished) return;
  st.finished = true;
  for (auto& op : st.operators) self->send_exit(op, caf::exit_reason::user_shutdown);
  auto done = std::make_shared<wire::done>();
  done->code = st.error.empty() ? wire::status::ok : wire::status::exec_error;
  done->error = st.error;
  done->truncated = st.truncated;
  if (st.gateway) {
    self->send(*st.gateway, close_query_atom::value, st.id);
    done->warnings = st.streams->warnings();
    done->losses = agent_losses(*st.registry, *st.streams);
  }
  collect_node_losses(self, deps, [self, done](std::vector<wire::loss_counter> losses) {
    for (auto& l : losses) done->losses.push_back(std::move(l));
    self->state.reply(wire::server_message{self->state.id, std::move(*done)});
    exec::release_query_memory();  // the query's batches are gone: give their memory back
    self->quit();
  });
}

void end_streams(query_pointer self, const std::vector<std::string>& streams) {
  for (const auto& s : streams)
    if (auto it = self->state.stream_sources.find(s); it != self->state.stream_sources.end())
      self->send(it->second, actors::eos_atom::value, std::size_t{0});
}

/// Sends the agents their fragments and routes their streams to this actor.
void start_cluster_part(query_pointer self, cluster_part& part, const pxl::plan& broker_plan,
                        const std::map<pxl::node_id, exec::operator_actor>& actors) {
  auto& st = self->state;
  st.gateway = part.gateway;
  st.registry = part.registry;
  st.streams.emplace(part.producers, part.names, schemas::wall_clock_ns());
  for (const auto& node : broker_plan.nodes)
    if (const auto* src = std::get_if<pxl::stream_source_op>(&node.op)) st.stream_sources[src->stream] = actors.at(node.id);
  // The agents' traffic for this query comes back as stream_batch/stream_end/agent_lost.
  self->send(*st.gateway, open_query_atom::value, st.id, caf::actor_cast<caf::actor>(self));
  end_streams(self, st.streams->initially_complete());
  for (auto& f : part.fragments) {
    std::string err;
    auto bytes = pxl::encode_fragment(f.fragment, err);
    if (!bytes) {
      end_streams(self, st.streams->on_end(f.asid, {}, wire::status::exec_error, "cannot encode its fragment: " + err, schemas::wall_clock_ns()));
      continue;
    }
    const auto asid = f.asid;
    self->request(*st.gateway, fragment_timeout, send_fragment_atom::value, asid, cluster_wire::plan_fragment{st.id, 0, std::move(*bytes)})
        .then(
            [self, asid](bool sent) {
              if (!sent && !self->state.finished) end_streams(self, self->state.streams->on_lost(asid, "was not registered any more"));
            },
            [self, asid](caf::error&) {
              if (!self->state.finished) end_streams(self, self->state.streams->on_lost(asid, "could not be sent its fragment"));
            });
  }
  self->delayed_send(self, stall_check_period, stall_check_atom::value);
}

caf::behavior query(query_pointer self, query_run run, broker_deps deps) {
  auto& st = self->state;
  st.id = run.id;
  st.reply = std::move(run.reply);

  // Result sinks call back on their own threads; the handler only forwards to the client
  // (reply is thread-safe) and tells this actor when a sink is done.
  auto results = std::make_shared<exec::result_handler>();
  const auto reply_copy = st.reply;
  const auto id = st.id;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  results->on_batch = [reply_copy, id](const std::string& table, schemas::row_batch_ptr b) {
    reply_copy(wire::server_message{id, wire::table_batch{table, *b}});
  };
  results->on_end = [me](const std::string& table, const std::string& error) {
    caf::anon_send(me, sink_done_atom::value, table, error);
  };
  // Both are sent before the affected sink's end, so they arrive before the query finishes.
  results->on_truncated = [me](const std::string& table, std::int64_t limit) {
    caf::anon_send(me, truncated_atom::value, table, limit);
  };
  results->on_error = [me](const std::string& error) { caf::anon_send(me, source_error_atom::value, error); };

  // Announce every result table in script order before any sink can stream, so clients print
  // tables in the order the script displays them.
  for (const auto& node : run.plan.nodes)
    if (const auto* sink = std::get_if<pxl::result_sink_op>(&node.op))
      st.reply(wire::server_message{id, wire::table_schema{sink->name, node.output}});

  auto spawned = exec::spawn_plan(self->system(), run.plan, node_shards(deps), results, run.udtf);
  st.error = spawned.error;
  for (auto& [node, actor] : spawned.actors) st.operators.push_back(actor);
  if (st.error.empty()) {
    for (const auto& node : run.plan.nodes)
      if (const auto* sink = std::get_if<pxl::result_sink_op>(&node.op)) st.open_sinks.insert(sink->name);
    if (run.cluster) start_cluster_part(self, *run.cluster, run.plan, spawned.actors);
  }
  if (!st.error.empty() || st.open_sinks.empty()) finish_query(self, deps);
  self->delayed_send(self, query_deadline, deadline_atom::value);

  return {
      [self, deps](sink_done_atom, const std::string& table, const std::string& error) {
        auto& s = self->state;
        if (!error.empty() && s.error.empty()) s.error = "result table '" + table + "': " + error;
        s.open_sinks.erase(table);
        if (s.open_sinks.empty()) finish_query(self, deps);
      },
      [self](truncated_atom, const std::string& table, std::int64_t limit) {
        self->state.truncated.push_back({table, limit});
      },
      [self](source_error_atom, const std::string& error) {
        if (self->state.error.empty()) self->state.error = error;
      },
      [self, deps](deadline_atom) {
        if (self->state.error.empty())
          self->state.error = "query did not finish within " + std::to_string(query_deadline.count()) + " s";
        finish_query(self, deps);
      },
      [self](stream_batch_atom, std::uint32_t asid, const std::string& stream, schemas::row_batch_ptr& b) {
        auto& s = self->state;
        if (s.finished || !s.streams || !s.streams->on_batch(asid, stream, schemas::wall_clock_ns())) return;
        if (b->num_rows() > 0) self->send(s.stream_sources.at(stream), actors::batch_atom::value, std::size_t{0}, std::move(b));
      },
      [self](stream_end_atom, std::uint32_t asid, const std::string& stream, std::uint8_t code, const std::string& error,
             const std::vector<wire::loss_counter>& losses) {
        auto& s = self->state;
        if (s.finished || !s.streams) return;
        end_streams(self, s.streams->on_end(asid, stream, static_cast<wire::status>(code), error, schemas::wall_clock_ns(), losses));
      },
      [self](agent_lost_atom, std::uint32_t asid) {
        auto& s = self->state;
        if (s.finished || !s.streams) return;
        end_streams(self, s.streams->on_lost(asid, "was lost (no heartbeat)"));
      },
      [self](stall_check_atom) {
        auto& s = self->state;
        if (s.finished || !s.streams) return;
        end_streams(self, s.streams->check_stalls(schemas::wall_clock_ns(), agent_stall_timeout));
        if (!s.streams->all_complete()) self->delayed_send(self, stall_check_period, stall_check_atom::value);
      },
  };
}

}  // namespace

void spawn_query(caf::actor_system& sys, query_run run, const broker_deps& deps) {
  sys.spawn(query, std::move(run), deps);
}

}  // namespace wisp::cluster
