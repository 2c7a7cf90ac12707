#include "cluster/query_broker.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "cluster/broker_gateway.hpp"
#include "cluster/query_actor.hpp"
#include "pxl/compile.hpp"
#include "pxl/distribute.hpp"
#include "pxl/mutation_codec.hpp"
#include "schemas/types.hpp"

namespace wisp::cluster {

namespace {

wire::diagnostic to_wire(const pxl::diagnostic& d) {
  return {d.file, d.line, d.col, d.message, d.hint};
}

/// The node state that UDTF sources read, from what the broker knows.
std::shared_ptr<const exec::udtf_context> make_udtf_context(const broker_deps& deps,
                                                            const pxl::table_catalog& catalog) {
  auto ctx = std::make_shared<exec::udtf_context>();
  ctx->tables = catalog;
  if (deps.gateway) {
    ctx->agents = [gateway = deps.gateway] {
      std::vector<exec::agent_status> out;
      const auto now = schemas::wall_clock_ns();
      for (const auto& a : gateway->agents()) {
        exec::agent_status s;
        s.agent_id = schemas::uint128_from_string(a.info.agent_id).value_or(schemas::uint128{0, a.asid});
        s.asid = a.asid;
        s.hostname = a.info.hostname;
        s.ip_address = a.info.ip_address;
        s.state = to_string(a.health);
        s.create_time_ns = a.info.start_time_ns;
        s.last_heartbeat_ns = now - a.last_heartbeat_ns;
        s.kernel_headers_installed = a.info.kernel_headers_installed;
        out.push_back(std::move(s));
      }
      return out;
    };
  } else {
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
  }
  // A broker reports its agents' tracepoints (from their heartbeats and replies), merged.
  if (deps.gateway)
    ctx->tracepoints = [gateway = deps.gateway] {
      std::vector<exec::tracepoint_row> out;
      for (const auto& t : cluster_tracepoints(gateway->agents()))
        out.push_back({t.id, t.name, t.state, t.message, t.tables});
      return out;
    };
  else if (deps.tracepoint_manager)
    ctx->tracepoints = [board = deps.tracepoint_status] {
      std::vector<exec::tracepoint_row> out;
      for (const auto& t : board->snapshot())
        out.push_back({t.id, t.name, std::string{tracepoints::to_string(t.state)}, t.message, t.tables});
      return out;
    };
  return ctx;
}

struct broker_state {
  static inline const char* name = "query_broker";
  broker_deps deps;
  pxl::table_catalog catalog;
};

using broker_pointer = query_broker_actor::stateful_pointer<broker_state>;

/// The tables the agents reported (a broker's): name -> relation, from the first agent that has it.
std::map<std::string, schemas::relation, std::less<>> agent_tables(const broker_gateway* gateway) {
  std::map<std::string, schemas::relation, std::less<>> out;
  if (gateway)
    for (const auto& a : gateway->agents())
      for (const auto& t : a.info.tables) out.try_emplace(t.name, t.rel);
  return out;
}

/// The built-in tables, then the ones tracepoints made on this node, then (on a broker) the
/// ones the agents hold.
pxl::table_catalog full_catalog(std::shared_ptr<tables::table_directory> dir, std::shared_ptr<broker_gateway> gateway) {
  auto builtin = pxl::table_catalog::builtin();
  pxl::table_catalog c;
  c.find = [builtin, dir, gateway](std::string_view name) -> std::optional<schemas::relation> {
    if (auto r = builtin.find(name)) return r;
    if (auto e = dir->find(name)) return e->rel;
    auto remote = agent_tables(gateway.get());
    if (auto it = remote.find(name); it != remote.end()) return it->second;
    return std::nullopt;
  };
  c.names = [builtin, dir, gateway] {
    auto names = builtin.names();
    for (auto& n : dir->names()) names.push_back(std::move(n));
    for (auto& [n, rel] : agent_tables(gateway.get()))
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    return names;
  };
  c.desc = [builtin, dir](std::string_view name) {
    if (auto e = dir->find(name)) return e->desc;
    return builtin.desc(name);
  };
  return c;
}

/// The healthy agents and their tables, as the planner sees them.
std::vector<pxl::agent_tables> planner_agents(const broker_gateway& gateway) {
  std::vector<pxl::agent_tables> out;
  for (const auto& a : gateway.agents()) {
    if (a.health != agent_health::healthy) continue;
    pxl::agent_tables t{a.asid, a.info.hostname, {}};
    for (const auto& table : a.info.tables) t.tables.insert(table.name);
    out.push_back(std::move(t));
  }
  return out;
}

/// How a request is compiled (its file, arguments, vis spec) against `catalog`, now.
pxl::compile_options compile_options_for(const wire::query_request& req, const pxl::table_catalog& catalog) {
  pxl::compile_options opts;
  opts.file = req.file_name.empty() ? "script.pxl" : req.file_name;
  opts.now_ns = schemas::wall_clock_ns();
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
  auto compiled = pxl::compile(req.script, compile_options_for(req, self->state.catalog));
  if (!compiled.ok()) {
    std::vector<wire::diagnostic> diags;
    for (const auto& diag : compiled.diagnostics) diags.push_back(to_wire(diag));
    reply_compile_error(reply, id, std::move(diags));
    return;
  }
  const auto& deps = self->state.deps;
  query_run run{id, std::move(reply), std::move(compiled.plan), make_udtf_context(deps, self->state.catalog), std::nullopt};
  if (deps.gateway) {  // a broker: split the plan across the agents that hold its tables
    const auto agents = planner_agents(*deps.gateway);
    auto split = pxl::distribute(run.plan, agents);
    if (req.explain) {
      wire::done d;
      d.explain = pxl::to_string(split, agents);
      run.reply(wire::server_message{id, std::move(d)});
      return;
    }
    cluster_part part{*deps.gateway_actor, deps.gateway, std::move(split.agents), std::move(split.producers), {}};
    for (const auto& a : agents) part.names[a.asid] = a.name;
    run.plan = std::move(split.broker);
    run.cluster = std::move(part);
  } else if (req.explain) {
    wire::done d;
    d.explain = pxl::to_string(run.plan);
    run.reply(wire::server_message{id, std::move(d)});
    return;
  }
  spawn_query(self->system(), std::move(run), deps);
}

using deploy_answer = std::function<void(const std::string& error)>;

/// The mutation carried out by this node's own tracepoint manager (standalone).
void deploy_here(broker_pointer self, const pxl::tracepoint_mutation& m, deploy_answer done) {
  self->request(*self->state.deps.tracepoint_manager, tracepoints::upsert_timeout, tracepoints::upsert_atom::value, m)
      .then([done](const std::string& error, const std::string&) { done(error); },
            [self, done](caf::error& e) { done("the tracepoint manager did not answer: " + self->system().render(e)); });
}

/// On a broker: the mutation, encoded, goes to the healthy agents (for a UPID target, only the
/// agent the UPID names). It succeeded when one agent carried it out; otherwise the error names
/// each agent and its reason.
void deploy_on_agents(broker_pointer self, const pxl::tracepoint_mutation& m, deploy_answer done) {
  using kind = pxl::trace_target::kind;
  const bool removing = m.what == pxl::tracepoint_mutation::kind::remove;
  const bool by_upid = !removing && (m.target.what == kind::upid || m.target.what == kind::shared_object);
  const auto upid_asid = static_cast<std::uint32_t>(m.target.upid.high >> 32);
  std::vector<std::uint32_t> asids;
  for (const auto& a : self->state.deps.gateway->agents())
    if (a.health == agent_health::healthy && (!by_upid || a.asid == upid_asid)) asids.push_back(a.asid);
  if (asids.empty()) {
    done(by_upid ? "no healthy agent has ASID " + std::to_string(upid_asid) + ", the UPID's"
                 : removing ? "no healthy agent to delete it from" : "no healthy agent to deploy it to");
    return;
  }
  std::string error;
  auto bytes = pxl::encode_mutation(m, error);
  if (!bytes) {
    done(error);
    return;
  }
  cluster_wire::tracepoint_request r{0, std::move(*bytes)};
  constexpr auto agents_timeout = tracepoints::upsert_timeout + std::chrono::seconds{30};  // beyond the agents' own wait
  self->request(*self->state.deps.gateway_actor, agents_timeout, send_tracepoint_atom::value, std::move(r), asids)
      .then(
          [done, removing](const std::vector<cluster_wire::tracepoint_outcome>& outcomes) {
            std::string errors;
            for (const auto& o : outcomes) {
              if (o.error.empty()) return done({});
              errors += (errors.empty() ? "" : "; ") + o.hostname + " (ASID " + std::to_string(o.asid) + "): " + o.error;
            }
            done(std::string{removing ? "no agent deleted it" : "no agent deployed it"} +
                 (errors.empty() ? " (none answered)" : ": " + errors));
          },
          [self, done](caf::error& e) { done("the agents did not answer: " + self->system().render(e)); });
}

/// A script with `import pxtrace` is a mutation first (design §6): its tracepoints are deployed,
/// one after the other, each answer awaited (a bpftrace program compiles first), and only then
/// is the script compiled in full, with the tables they made, and run. A broker deploys them on
/// its agents, whose replies bring the new tables along.
void deploy_then_run(broker_pointer self, std::uint64_t id, std::shared_ptr<wire::query_request> req,
                     reply_fn reply, std::shared_ptr<std::vector<pxl::tracepoint_mutation>> mutations,
                     std::size_t next) {
  if (next == mutations->size()) {
    compile_and_run(self, id, *req, std::move(reply));
    return;
  }
  const auto& m = (*mutations)[next];
  const std::string file = req->file_name.empty() ? "script.pxl" : req->file_name;
  auto done = [=, loc = m.loc, name = m.name](const std::string& error) {
    if (!error.empty())
      reply_compile_error(reply, id, {{file, loc.line, loc.col, "tracepoint '" + name + "': " + error, ""}});
    else
      deploy_then_run(self, id, req, reply, mutations, next + 1);
  };
  if (self->state.deps.tracepoint_manager)
    deploy_here(self, m, std::move(done));
  else
    deploy_on_agents(self, m, std::move(done));
}

bool imports_pxtrace(const std::string& script) {
  return script.find("import pxtrace") != std::string::npos || script.find("from pxtrace") != std::string::npos;
}

query_broker_actor::behavior_type broker(broker_pointer self, broker_deps deps) {
  self->state.deps = std::move(deps);
  self->state.catalog = full_catalog(self->state.deps.dynamic_tables, self->state.deps.gateway);
  return {
      [self](actors::run_atom, std::uint64_t id, wire::query_request& req, const client_identity& client,
             reply_fn& reply) {
        if (imports_pxtrace(req.script)) {
          auto opts = compile_options_for(req, self->state.catalog);
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
            auto full = pxl::compile(req.script, compile_options_for(req, self->state.catalog));
            d.explain += full.ok() ? pxl::to_string(full.plan)
                                   : "(the query part reads tables these tracepoints make; it is planned once they run)\n";
            reply(wire::server_message{id, std::move(d)});
            return;
          }
          if (!first.plan.mutations.empty()) {
            const auto& loc = first.plan.mutations.front().loc;
            if (!client.may_trace) {
              reply_compile_error(reply, id, {{req.file_name, loc.line, loc.col,
                                               "this client may not deploy or delete tracepoints",
                                               "its key is not on the daemon's --tracepoint_clients list"}});
              return;
            }
            if (!self->state.deps.tracepoint_manager && !self->state.deps.gateway) {
              reply_compile_error(reply, id, {{req.file_name, loc.line, loc.col, "this node has no tracepoint manager", ""}});
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

