#include "cluster/query_broker.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <set>

#include "actors/exec/memory.hpp"
#include "actors/exec/operator_actor.hpp"
#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "pxl/compile.hpp"
#include "schemas/tables.hpp"

namespace wisp::cluster {

namespace {

constexpr std::chrono::seconds query_deadline{60};
constexpr std::chrono::seconds counters_timeout{2};

std::int64_t wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

wire::diagnostic to_wire(const pxl::diagnostic& d) {
  return {d.file, d.line, d.col, d.message, d.hint};
}

using sink_done_atom = caf::atom_constant<caf::atom("sinkdone")>;
using truncated_atom = caf::atom_constant<caf::atom("truncated")>;
using source_error_atom = caf::atom_constant<caf::atom("srcerror")>;
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;

/// State of one running query: the operator actors, the sinks still streaming, and the reply
/// channel. Lives in its own actor so a slow query never blocks the broker.
struct query_state {
  static inline const char* name = "query";
  std::uint64_t id = 0;
  reply_fn reply;
  std::vector<exec::operator_actor> operators;
  std::set<std::string> open_sinks;
  std::vector<wire::truncation> truncated;
  std::string error;
  bool finished = false;
};

/// Ends the query: asks every loss source for its counters (bounded wait), then sends Done.
void finish_query(caf::stateful_actor<query_state>* self, const broker_deps& deps) {
  auto& st = self->state;
  if (st.finished) return;
  st.finished = true;
  for (auto& op : st.operators) self->send_exit(op, caf::exit_reason::user_shutdown);
  auto done = std::make_shared<wire::done>();
  done->code = st.error.empty() ? wire::status::ok : wire::status::exec_error;
  done->error = st.error;
  done->truncated = st.truncated;
  auto pending = std::make_shared<std::size_t>(deps.tracers.size() + deps.parsers.size() +
                                               (deps.tracepoint_manager ? 1 : 0));
  auto complete = [self, done, pending] {
    if (--*pending > 0) return;
    self->state.reply(wire::server_message{self->state.id, std::move(*done)});
    exec::release_query_memory();  // the query's batches are gone: give their memory back
    self->quit();
  };
  if (*pending == 0) {
    ++*pending;
    complete();
    return;
  }
  auto collect = [done, complete](const std::vector<wire::loss_counter>& counters) {
    for (const auto& c : counters)
      if (c.value > 0) done->losses.push_back(c);
    complete();
  };
  auto missed = [done, complete](caf::error&) {
    done->losses.push_back({"query", "loss counters unavailable (a source did not answer)", 1});
    complete();
  };
  for (const auto& t : deps.tracers)
    self->request(t, counters_timeout, actors::stats_atom::value).then(collect, missed);
  for (const auto& p : deps.parsers)
    self->request(p, counters_timeout, actors::stats_atom::value).then(collect, missed);
  if (deps.tracepoint_manager)
    self->request(*deps.tracepoint_manager, counters_timeout, actors::stats_atom::value).then(collect, missed);
}

/// The node state that UDTF sources read, from what the broker knows.
std::shared_ptr<const exec::udtf_context> make_udtf_context(const broker_deps& deps,
                                                            const pxl::table_catalog& catalog) {
  auto ctx = std::make_shared<exec::udtf_context>();
  ctx->tables = catalog;
  ctx->agents = [agents = deps.agents] {
    std::vector<exec::agent_status> out;
    for (const auto& a : agents) {
      exec::agent_status s;
      s.agent_id = a.agent_id;
      s.asid = a.asid;
      s.hostname = a.hostname;
      s.ip_address = a.ip_address;
      s.create_time_ns = a.start_time_ns;
      s.last_heartbeat_ns = 0;  // the agent is this process, answering now
      s.kernel_headers_installed = a.kernel_headers_installed;
      out.push_back(std::move(s));
    }
    return out;
  };
  ctx->tracepoints = [board = deps.tracepoint_status] {
    std::vector<exec::tracepoint_row> out;
    for (const auto& t : board->snapshot())
      out.push_back({t.id, t.name, std::string{tracepoints::to_string(t.state)}, t.message, t.tables});
    return out;
  };
  return ctx;
}

caf::behavior query(caf::stateful_actor<query_state>* self, std::uint64_t id, pxl::plan plan,
                    reply_fn reply, broker_deps deps, std::shared_ptr<const exec::udtf_context> udtf) {
  auto& st = self->state;
  st.id = id;
  st.reply = std::move(reply);

  // Result sinks call back on their own threads; the handler only forwards to the client
  // (reply is thread-safe) and tells this actor when a sink is done.
  auto results = std::make_shared<exec::result_handler>();
  const auto reply_copy = st.reply;
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
  for (const auto& node : plan.nodes)
    if (const auto* sink = std::get_if<pxl::result_sink_op>(&node.op))
      st.reply(wire::server_message{id, wire::table_schema{sink->name, node.output}});

  // Spawn children before parents: walk the topological order backwards.
  std::map<pxl::node_id, exec::operator_actor> actors_by_node;
  for (auto it = plan.nodes.rbegin(); it != plan.nodes.rend(); ++it) {
    const auto& node = *it;
    std::vector<exec::child_edge> children;
    for (auto child_id : plan.children(node.id)) {
      const auto* child = plan.find(child_id);
      for (std::size_t i = 0; i < child->parents.size(); ++i)
        if (child->parents[i] == node.id) children.emplace_back(actors_by_node.at(child_id), i);
    }
    std::optional<exec::shard_source> stored;
    if (const auto* src = std::get_if<pxl::memory_source_op>(&node.op)) {
      const auto* builtin = schemas::find_table(src->table);
      if (auto t = deps.tables.find(src->table); t != deps.tables.end() && builtin) {
        stored = exec::shard_source{t->second, builtin->rel};
      } else if (auto d = deps.dynamic_tables->find(src->table)) {
        stored = exec::shard_source{d->shard, d->rel};
      } else {
        st.error = "table '" + src->table + "' has no shard on this node";
        break;
      }
    }
    if (const auto* sink = std::get_if<pxl::result_sink_op>(&node.op)) st.open_sinks.insert(sink->name);
    auto [actor, err] = exec::spawn_operator(self->system(), plan, node, stored ? &*stored : nullptr, std::move(children), results, udtf);
    if (!err.empty()) {
      st.error = err;
      break;
    }
    actors_by_node.emplace(node.id, actor);
    st.operators.push_back(actor);
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
  };
}

struct broker_state {
  static inline const char* name = "query_broker";
  broker_deps deps;
  pxl::table_catalog catalog;
};

using broker_pointer = query_broker_actor::stateful_pointer<broker_state>;

/// The built-in tables, then the ones tracepoints made.
pxl::table_catalog full_catalog(std::shared_ptr<tables::table_directory> dir) {
  auto builtin = pxl::table_catalog::builtin();
  pxl::table_catalog c;
  c.find = [builtin, dir](std::string_view name) -> std::optional<schemas::relation> {
    if (auto r = builtin.find(name)) return r;
    if (auto e = dir->find(name)) return e->rel;
    return std::nullopt;
  };
  c.names = [builtin, dir] {
    auto names = builtin.names();
    for (auto& n : dir->names()) names.push_back(std::move(n));
    return names;
  };
  c.desc = [builtin, dir](std::string_view name) {
    if (auto e = dir->find(name)) return e->desc;
    return builtin.desc(name);
  };
  return c;
}

pxl::compile_options options_for(const wire::query_request& req, const pxl::table_catalog& catalog) {
  pxl::compile_options opts;
  opts.file = req.file_name.empty() ? "script.pxl" : req.file_name;
  opts.now_ns = wall_clock_ns();
  opts.tables = catalog;
  opts.args = req.args;
  if (req.vis) {
    opts.vis = req.vis->text;
    if (!req.vis->file_name.empty()) opts.vis_file = req.vis->file_name;
  }
  return opts;
}

void reply_compile_error(const reply_fn& reply, std::uint64_t id, std::vector<wire::diagnostic> diags) {
  wire::done d;
  d.code = wire::status::compile_error;
  d.diagnostics = std::move(diags);
  reply(wire::server_message{id, std::move(d)});
}

void compile_and_run(broker_pointer self, std::uint64_t id, const wire::query_request& req, reply_fn reply) {
  auto compiled = pxl::compile(req.script, options_for(req, self->state.catalog));
  if (!compiled.ok()) {
    std::vector<wire::diagnostic> diags;
    for (const auto& diag : compiled.diagnostics) diags.push_back(to_wire(diag));
    reply_compile_error(reply, id, std::move(diags));
    return;
  }
  if (req.explain) {
    wire::done d;
    d.explain = pxl::to_string(compiled.plan);
    reply(wire::server_message{id, std::move(d)});
    return;
  }
  self->system().spawn(query, id, std::move(compiled.plan), std::move(reply), self->state.deps,
                       make_udtf_context(self->state.deps, self->state.catalog));
}

/// A script with `import pxtrace` is a mutation first (design §6): its tracepoints are deployed,
/// one after the other, each answer awaited (a bpftrace program compiles first), and only then
/// is the script compiled in full, with the tables they made, and run.
void deploy_then_run(broker_pointer self, std::uint64_t id, std::shared_ptr<wire::query_request> req,
                     reply_fn reply, std::shared_ptr<std::vector<pxl::tracepoint_mutation>> mutations,
                     std::size_t next) {
  if (next == mutations->size()) {
    compile_and_run(self, id, *req, std::move(reply));
    return;
  }
  const auto& m = (*mutations)[next];
  const std::string file = req->file_name.empty() ? "script.pxl" : req->file_name;
  auto fail = [reply, id, file, loc = m.loc, name = m.name](const std::string& why) {
    reply_compile_error(reply, id, {{file, loc.line, loc.col, "tracepoint '" + name + "': " + why, ""}});
  };
  constexpr std::chrono::seconds deploy_timeout{60};
  self->request(*self->state.deps.tracepoint_manager, deploy_timeout, tracepoints::upsert_atom::value, m)
      .then(
          [=](const std::string& error, const std::string&) {
            if (!error.empty()) {
              fail(error);
              return;
            }
            deploy_then_run(self, id, req, reply, mutations, next + 1);
          },
          [=](caf::error& e) { fail("the tracepoint manager did not answer: " + self->system().render(e)); });
}

bool imports_pxtrace(const std::string& script) {
  return script.find("import pxtrace") != std::string::npos || script.find("from pxtrace") != std::string::npos;
}

query_broker_actor::behavior_type broker(broker_pointer self, broker_deps deps) {
  self->state.deps = std::move(deps);
  self->state.catalog = full_catalog(self->state.deps.dynamic_tables);
  return {
      [self](actors::run_atom, std::uint64_t id, wire::query_request& req, reply_fn& reply) {
        if (imports_pxtrace(req.script)) {
          auto opts = options_for(req, self->state.catalog);
          opts.mutations_only = true;
          auto first = pxl::compile(req.script, opts);
          if (!first.ok()) {
            std::vector<wire::diagnostic> diags;
            for (const auto& diag : first.diagnostics) diags.push_back(to_wire(diag));
            reply_compile_error(reply, id, std::move(diags));
            return;
          }
          if (req.explain && !first.plan.mutations.empty()) {
            // Nothing is deployed: the mutations, then the query part if its tables exist yet.
            wire::done d;
            for (const auto& m : first.plan.mutations) d.explain += "mutation " + pxl::to_string(m) + "\n";
            auto full = pxl::compile(req.script, options_for(req, self->state.catalog));
            d.explain += full.ok() ? pxl::to_string(full.plan)
                                   : "(the query part reads tables these tracepoints make; it is planned once they run)\n";
            reply(wire::server_message{id, std::move(d)});
            return;
          }
          if (!first.plan.mutations.empty()) {
            if (!self->state.deps.tracepoint_manager) {
              const auto& loc = first.plan.mutations.front().loc;
              reply_compile_error(reply, id, {{req.file_name, loc.line, loc.col,
                                               "this node has no tracepoint manager", ""}});
              return;
            }
            deploy_then_run(self, id, std::make_shared<wire::query_request>(std::move(req)), std::move(reply),
                            std::make_shared<std::vector<pxl::tracepoint_mutation>>(std::move(first.plan.mutations)),
                            0);
            return;
          }
        }
        compile_and_run(self, id, req, std::move(reply));
      },
  };
}

}  // namespace

query_broker_actor spawn_query_broker(caf::actor_system& sys, broker_deps deps) {
  return sys.spawn(broker, std::move(deps));
}

}  // namespace wisp::cluster

