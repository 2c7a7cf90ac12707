#include "actors/exec/operator_actor.hpp"

#include <limits>

#include "actors/exec/operator.hpp"
#include "actors/exec/source_scan.hpp"
#include "caf/actor_system.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "schemas/tables.hpp"

namespace wisp::exec {

namespace {

constexpr std::chrono::seconds scan_timeout{30};

void send_all(operator_actor::pointer self, const std::vector<child_edge>& children,
              const std::vector<schemas::row_batch_ptr>& batches) {
  for (const auto& b : batches)
    for (const auto& [child, index] : children) self->send(child, actors::batch_atom::value, index, b);
}

void send_eos(operator_actor::pointer self, const std::vector<child_edge>& children) {
  for (const auto& [child, index] : children) self->send(child, actors::eos_atom::value, index);
}

// --- memory source: scans its shard once, trims to the time range and columns, then ends. ---

struct source_state {
  static inline const char* name = "memory_source";
};

operator_actor::behavior_type memory_source(operator_actor::stateful_pointer<source_state> self,
                                            source_scan scan, tables::table_shard_actor shard,
                                            std::vector<child_edge> children) {
  const auto start = scan.start_ns.value_or(std::numeric_limits<std::int64_t>::min());
  const auto end = scan.end_ns.value_or(std::numeric_limits<std::int64_t>::max());
  self->request(shard, scan_timeout, actors::scan_atom::value, start, end)
      .then(
          [self, scan, children](const actors::batch_list& batches) {
            for (const auto& b : batches)
              if (auto trimmed = apply_scan(scan, b)) send_all(self, children, {trimmed});
            send_eos(self, children);
            self->quit();
          },
          [self, children](caf::error&) {
            // The shard did not answer: end the stream so the query completes (partially).
            send_eos(self, children);
            self->quit();
          });
  return {
      [](actors::batch_atom, std::size_t, const schemas::row_batch_ptr&) {},
      [](actors::eos_atom, std::size_t) {},
  };
}

// --- UDTF source: makes its rows from the node state once, sends them, then ends. ---

struct udtf_state {
  static inline const char* name = "udtf_source";
};

operator_actor::behavior_type udtf_source(operator_actor::stateful_pointer<udtf_state> self,
                                          pxl::plan_node node, std::shared_ptr<const udtf_context> ctx,
                                          std::vector<child_edge> children,
                                          std::shared_ptr<const result_handler> results) {
  auto rows = run_udtf(node, *ctx);
  if (!rows.error.empty()) {
    if (results && results->on_error) results->on_error(rows.error);
  } else {
    send_all(self, children, rows.batches);
  }
  send_eos(self, children);
  self->quit();
  return {
      [](actors::batch_atom, std::size_t, const schemas::row_batch_ptr&) {},
      [](actors::eos_atom, std::size_t) {},
  };
}

// --- transform nodes: map, filter, aggregate, limit, union, join. ---

struct transform_state {
  static inline const char* name = "operator";
  // Shared only because spawn arguments must be copyable; this actor is its sole user.
  std::shared_ptr<operator_logic> logic;
  std::vector<child_edge> children;
  std::vector<bool> parent_done;
  bool ended = false;
  std::function<void()> on_truncated;  // set for a max_output_rows_per_table limit
  std::function<void(const std::string&)> on_error;  // the query's, told once of logic->error()
  bool error_reported = false;
};

/// Passes the operator's error (e.g. malformed partial states from another node) to the query,
/// once.
void report_error(operator_actor::stateful_pointer<transform_state> self) {
  auto& st = self->state;
  if (st.error_reported || !st.on_error) return;
  if (auto e = st.logic->error(); !e.empty()) {
    st.error_reported = true;
    st.on_error(e);
  }
}

void end_stream(operator_actor::stateful_pointer<transform_state> self) {
  auto& st = self->state;
  if (st.ended) return;
  st.ended = true;
  send_all(self, st.children, st.logic->finish());
  report_error(self);
  if (st.on_truncated && st.logic->truncated()) st.on_truncated();
  send_eos(self, st.children);
  self->quit();
}

operator_actor::behavior_type transform(operator_actor::stateful_pointer<transform_state> self,
                                        std::shared_ptr<operator_logic> logic, std::size_t parents,
                                        std::vector<child_edge> children, std::function<void()> on_truncated,
                                        std::function<void(const std::string&)> on_error) {
  auto& st = self->state;
  st.logic = std::move(logic);
  st.on_truncated = std::move(on_truncated);
  st.on_error = std::move(on_error);
  st.children = std::move(children);
  st.parent_done.assign(parents, false);
  return {
      [self](actors::batch_atom, std::size_t parent, const schemas::row_batch_ptr& b) {
        auto& s = self->state;
        if (s.ended) return;
        send_all(self, s.children, s.logic->push(b, parent));
        report_error(self);
        if (s.logic->done()) end_stream(self);
      },
      [self](actors::eos_atom, std::size_t parent) {
        auto& s = self->state;
        if (s.ended || parent >= s.parent_done.size() || s.parent_done[parent]) return;
        s.parent_done[parent] = true;
        send_all(self, s.children, s.logic->end_of_input(parent));
        if (s.logic->done()) {
          end_stream(self);
          return;
        }
        for (bool d : s.parent_done)
          if (!d) return;
        end_stream(self);
      },
  };
}

// --- result sink: streams its table to the result handler. ---

struct sink_state {
  static inline const char* name = "result_sink";
};

operator_actor::behavior_type result_sink(operator_actor::stateful_pointer<sink_state> self,
                                          pxl::plan_node node, std::shared_ptr<const result_handler> results) {
  const auto& name = std::get<pxl::result_sink_op>(node.op).name;
  return {
      [results, name](actors::batch_atom, std::size_t, const schemas::row_batch_ptr& b) {
        if (b->num_rows() > 0) results->on_batch(name, b);
      },
      [self, results, name](actors::eos_atom, std::size_t) {
        results->on_end(name, {});
        self->quit();
      },
  };
}

}  // namespace

std::pair<operator_actor, std::string> spawn_operator(caf::actor_system& sys, const pxl::plan& plan,
                                                      const pxl::plan_node& node,
                                                      const shard_source* table,
                                                      std::vector<child_edge> children,
                                                      std::shared_ptr<const result_handler> results,
                                                      std::shared_ptr<const udtf_context> udtf) {
  if (const auto* src = std::get_if<pxl::memory_source_op>(&node.op)) {
    if (table == nullptr || !table->shard) return {{}, "no table shard for '" + src->table + "'"};
    auto made = make_source_scan(*src, table->rel);
    if (!made.error.empty()) return {{}, made.error};
    return {sys.spawn(memory_source, std::move(made.scan), table->shard, std::move(children)), {}};
  }
  if (std::holds_alternative<pxl::udtf_source_op>(node.op)) {
    if (!udtf) udtf = std::make_shared<const udtf_context>();
    return {sys.spawn(udtf_source, node, std::move(udtf), std::move(children), std::move(results)), {}};
  }
  if (std::holds_alternative<pxl::result_sink_op>(node.op))
    return {sys.spawn(result_sink, node, std::move(results)), {}};
  auto made = make_operator(plan, node);
  if (!made.op) return {{}, made.error};
  std::function<void()> on_truncated;
  if (const auto* limit = std::get_if<pxl::limit_op>(&node.op);
      limit && !limit->result_table.empty() && results && results->on_truncated)
    on_truncated = [results, table = limit->result_table, n = limit->n] { results->on_truncated(table, n); };
  std::function<void(const std::string&)> on_error;
  if (results && results->on_error)
    on_error = [results, id = node.id](const std::string& e) { results->on_error("node #" + std::to_string(id) + ": " + e); };
  // A stream source has one input edge, fed by the broker's query actor.
  const auto inputs = std::holds_alternative<pxl::stream_source_op>(node.op) ? 1 : node.parents.size();
  return {sys.spawn(transform, std::shared_ptr<operator_logic>(std::move(made.op)), inputs,
                    std::move(children), std::move(on_truncated), std::move(on_error)),
          {}};
}

spawned_plan spawn_plan(caf::actor_system& sys, const pxl::plan& plan, const shard_lookup& tables,
                        std::shared_ptr<const result_handler> results,
                        std::shared_ptr<const udtf_context> udtf) {
  spawned_plan out;
  // Children before parents: walk the topological order backwards.
  for (auto it = plan.nodes.rbegin(); it != plan.nodes.rend(); ++it) {
    const auto& node = *it;
    std::vector<child_edge> children;
    for (auto child_id : plan.children(node.id)) {
      const auto* child = plan.find(child_id);
      for (std::size_t i = 0; i < child->parents.size(); ++i)
        if (child->parents[i] == node.id) children.emplace_back(out.actors.at(child_id), i);
    }
    std::optional<shard_source> stored;
    if (const auto* src = std::get_if<pxl::memory_source_op>(&node.op)) {
      stored = tables(src->table);
      if (!stored) out.error = "table '" + src->table + "' has no shard on this node";
    }
    std::string err;
    if (out.error.empty()) {
      auto [actor, e] = spawn_operator(sys, plan, node, stored ? &*stored : nullptr, std::move(children), results, udtf);
      if (e.empty()) out.actors.emplace(node.id, actor);
      err = std::move(e);
    }
    if (!err.empty()) out.error = std::move(err);
    if (!out.error.empty()) {
      for (auto& [id, a] : out.actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
      out.actors.clear();
      return out;
    }
  }
  return out;
}

}  // namespace wisp::exec
