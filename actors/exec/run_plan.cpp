#include "actors/exec/run_plan.hpp"

#include <algorithm>
#include <functional>

#include "actors/exec/operator.hpp"
#include "actors/exec/source_scan.hpp"

namespace wisp::exec {

std::size_t result_table::num_rows() const {
  std::size_t n = 0;
  for (const auto& b : batches) n += b->num_rows();
  return n;
}

namespace {

class plan_runner {
 public:
  explicit plan_runner(const pxl::plan& p) : plan_(p) {}

  run_result run(const table_provider& tables, const udtf_context& udtf) {
    run_result result;
    for (const auto& n : plan_.nodes) {
      for (auto parent : n.parents) {
        auto& kids = children_[parent];
        if (std::find(kids.begin(), kids.end(), n.id) == kids.end()) kids.push_back(n.id);
      }
      if (std::holds_alternative<pxl::memory_source_op>(n.op) ||
          std::holds_alternative<pxl::udtf_source_op>(n.op) ||
          std::holds_alternative<pxl::stream_source_op>(n.op))
        continue;
      auto made = make_operator(plan_, n);
      if (!made.op) return {{}, "node #" + std::to_string(n.id) + ": " + made.error};
      ops_[n.id] = std::move(made.op);
      if (const auto* sink = std::get_if<pxl::result_sink_op>(&n.op)) {
        sink_index_[n.id] = result.tables.size();
        result.tables.push_back({sink->name, n.output, {}, std::nullopt});
      }
    }
    results_ = &result;
    for (const auto& n : plan_.nodes) remaining_parents_[n.id] = n.parents.size();
    // Sources run one after the other here, smallest first: a join holds its probe side until
    // its build side has ended, and the build side is usually the small table (the operator
    // actors run all sources at once, so there the order does not matter).
    std::vector<std::pair<std::size_t, const pxl::plan_node*>> sources;  // (rows, node)
    for (const auto& n : plan_.nodes) {
      std::size_t rows = 0;  // table functions: small
      if (const auto* src = std::get_if<pxl::memory_source_op>(&n.op)) {
        if (auto table = tables.find(src->table); table != tables.end())
          for (const auto& b : table->second.batches) rows += b->num_rows();
      } else if (const auto* stream = std::get_if<pxl::stream_source_op>(&n.op)) {
        if (auto table = tables.find(stream->stream); table != tables.end())
          for (const auto& b : table->second.batches) rows += b->num_rows();
      } else if (!std::holds_alternative<pxl::udtf_source_op>(n.op)) {
        continue;
      }
      sources.emplace_back(rows, &n);
    }
    std::stable_sort(sources.begin(), sources.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [rows, np] : sources) {
      const auto& n = *np;
      if (std::holds_alternative<pxl::udtf_source_op>(n.op)) {
        auto rows = run_udtf(n, udtf);
        if (!rows.error.empty()) return {{}, rows.error};
        for (auto& b : rows.batches) {
          if (!live(n.id)) break;
          emit(n.id, std::move(b));
        }
        end(n.id);
        continue;
      }
      if (const auto* stream = std::get_if<pxl::stream_source_op>(&n.op)) {
        // A stream's batches are the `tables` entry of its name (none: an empty stream).
        if (auto table = tables.find(stream->stream); table != tables.end())
          for (const auto& b : table->second.batches) {
            if (!live(n.id)) break;
            emit(n.id, b);
          }
        end(n.id);
        continue;
      }
      const auto& src = std::get<pxl::memory_source_op>(n.op);
      auto table = tables.find(src.table);
      if (table == tables.end()) return {{}, "table '" + src.table + "' has no data provider"};
      auto scan = make_source_scan(src, table->second.rel);
      if (!scan.error.empty()) return {{}, scan.error};
      for (const auto& b : table->second.batches) {
        if (!live(n.id)) break;  // every downstream limit is satisfied
        if (auto out = apply_scan(scan.scan, b)) emit(n.id, std::move(out));
      }
      end(n.id);
    }
    // A problem an operator met while running fails the run, as it ends the query's stream.
    for (const auto& [id, op] : ops_)
      if (auto e = op->error(); !e.empty()) return {{}, "node #" + std::to_string(id) + ": " + e};
    // The output limits that cut rows (their sinks are their only children).
    for (const auto& n : plan_.nodes) {
      const auto* limit = std::get_if<pxl::limit_op>(&n.op);
      if (limit == nullptr || limit->result_table.empty() || !ops_.at(n.id)->truncated()) continue;
      for (auto& t : result.tables)
        if (t.name == limit->result_table) t.truncated_to = limit->n;
    }
    return result;
  }

 private:
  // Sends a node's output batch to its children (and to the result if it is a sink). A child
  // that takes the node twice (a self-join) gets it on both edges.
  void emit(pxl::node_id from, schemas::row_batch_ptr batch) {
    if (auto s = sink_index_.find(from); s != sink_index_.end())
      results_->tables[s->second].batches.push_back(batch);
    for (auto child : children_[from]) {
      const auto* node = plan_.find(child);
      for (std::size_t i = 0; i < node->parents.size(); ++i)
        if (node->parents[i] == from)
          for (auto& out : ops_.at(child)->push(batch, i)) emit(child, std::move(out));
    }
  }

  // Node `from` has sent everything: tell each child edge, and finish the children whose
  // parents have all ended (as the operator actors do on eos), in topological order.
  void end(pxl::node_id from) {
    for (auto child : children_[from]) {
      const auto* node = plan_.find(child);
      auto& op = *ops_.at(child);
      for (std::size_t i = 0; i < node->parents.size(); ++i) {
        if (node->parents[i] != from) continue;
        for (auto& out : op.end_of_input(i)) emit(child, std::move(out));
        if (--remaining_parents_[child] == 0) {
          for (auto& out : op.finish()) emit(child, std::move(out));
          end(child);
        }
      }
    }
  }

  // A node is live while some path from it reaches a sink through operators that are not done.
  bool live(pxl::node_id id) {
    if (auto it = ops_.find(id); it != ops_.end() && it->second->done()) return false;
    if (sink_index_.contains(id)) return true;
    for (auto child : children_[id])
      if (live(child)) return true;
    return false;
  }

  const pxl::plan& plan_;
  std::map<pxl::node_id, std::unique_ptr<operator_logic>> ops_;
  std::map<pxl::node_id, std::vector<pxl::node_id>> children_;
  std::map<pxl::node_id, std::size_t> sink_index_;
  std::map<pxl::node_id, std::size_t> remaining_parents_;  // parents that have not ended
  run_result* results_ = nullptr;
};

}  // namespace

run_result run_plan(const pxl::plan& p, const table_provider& tables, const udtf_context* udtf) {
  const udtf_context defaults;
  return plan_runner{p}.run(tables, udtf ? *udtf : defaults);
}

}  // namespace wisp::exec
