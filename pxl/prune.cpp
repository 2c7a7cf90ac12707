#include "pxl/prune.hpp"

#include <map>
#include <set>
#include <string>

namespace wisp::pxl {

namespace {

using name_set = std::set<std::string, std::less<>>;

void add_refs(const expression& e, name_set& out) {
  if (e.kind == expression_kind::column) out.insert(e.column_name);
  for (const auto& a : e.args) add_refs(a, out);
}

void add_all(const schemas::relation& r, name_set& out) {
  for (const auto& c : r.columns) out.insert(c.name);
}

class pruner {
 public:
  explicit pruner(const plan& p) : p_(p) {}

  std::optional<column_pruning> run() {
    // Nodes are in topological order: walking backwards, every child is done before its parents.
    for (auto it = p_.nodes.rbegin(); it != p_.nodes.rend(); ++it) visit(*it);
    if (!changed_) return std::nullopt;
    return std::move(result_);
  }

 private:
  name_set& needed(node_id id) { return needed_[id]; }

  const schemas::relation& output_of(node_id id) { return p_.find(id)->output; }

  void visit(const plan_node& n) {
    name_set& out = needed(n.id);
    std::visit([&](const auto& op) { apply(n, op, out); }, n.op);
  }

  void apply(const plan_node& n, const result_sink_op&, const name_set&) {
    for (auto parent : n.parents) add_all(output_of(parent), needed(parent));
  }
  void apply(const plan_node& n, const limit_op&, const name_set& out) { pass_through(n, out); }
  void apply(const plan_node& n, const filter_op& op, const name_set& out) {
    pass_through(n, out);
    for (auto parent : n.parents) add_refs(op.predicate, needed(parent));
  }
  void apply(const plan_node& n, const map_op& op, const name_set& out) {
    std::vector<const named_expression*> kept;
    for (const auto& e : op.exprs)
      if (out.contains(e.name)) kept.push_back(&e);
    // A batch without columns has no rows: keep one output even when nothing reads it.
    if (kept.empty() && !op.exprs.empty()) kept.push_back(&op.exprs.front());
    auto& keep = result_.keep[n.id];
    for (const auto* e : kept) keep.insert(e->name);
    changed_ = changed_ || kept.size() != op.exprs.size();
    for (auto parent : n.parents)
      for (const auto* e : kept) add_refs(e->expr, needed(parent));
  }
  void apply(const plan_node& n, const aggregate_op& op, const name_set&) {
    for (auto parent : n.parents) {
      auto& in = needed(parent);
      in.insert(op.group_names.begin(), op.group_names.end());
      for (const auto& a : op.aggregates) add_refs(a.arg, in);
    }
  }
  void apply(const plan_node& n, const join_op& op, const name_set& out) {
    if (n.parents.size() != 2) return keep_inputs(n);
    const auto& left = output_of(n.parents[0]);
    const auto& right = output_of(n.parents[1]);
    name_set left_names, right_names;
    add_all(left, left_names);
    add_all(right, right_names);
    // Output: every left column, then every right column, under their (maybe suffixed) names.
    auto side = [&](const schemas::relation& rel, std::size_t offset, const name_set& other,
                    const std::vector<std::string>& keys, name_set& in) {
      in.insert(keys.begin(), keys.end());
      for (std::size_t i = 0; i < rel.columns.size(); ++i) {
        const auto& name = rel.columns[i].name;
        const bool clashes = other.contains(name);
        if (clashes || out.contains(n.output.columns.at(offset + i).name)) in.insert(name);
      }
    };
    side(left, 0, right_names, op.left_on, needed(n.parents[0]));
    side(right, left.columns.size(), left_names, op.right_on, needed(n.parents[1]));
    // The join's own output: what its children read (at least one column, for the row count).
    auto& keep = result_.keep[n.id];
    for (const auto& c : n.output.columns)
      if (out.contains(c.name)) keep.insert(c.name);
    if (keep.empty() && !n.output.columns.empty()) keep.insert(n.output.columns.front().name);
    changed_ = changed_ || keep.size() != n.output.columns.size();
  }
  void apply(const plan_node& n, const union_op&, const name_set&) { keep_inputs(n); }
  void apply(const plan_node& n, const memory_source_op& op, const name_set& out) {
    std::vector<std::string> kept;
    for (const auto& c : op.columns)
      if (out.contains(c)) kept.push_back(c);
    // Keep one column so that rows are still counted (time_ if the table has it).
    if (kept.empty() && !op.columns.empty()) {
      bool has_time = false;
      for (const auto& c : op.columns) has_time = has_time || c == "time_";
      kept.push_back(has_time ? "time_" : op.columns.front());
    }
    changed_ = changed_ || kept.size() != op.columns.size();
    result_.keep[n.id].insert(kept.begin(), kept.end());
  }
  void apply(const plan_node&, const udtf_source_op&, const name_set&) {}
  void apply(const plan_node&, const stream_source_op&, const name_set&) {}

  void pass_through(const plan_node& n, const name_set& out) {
    for (auto parent : n.parents) needed(parent).insert(out.begin(), out.end());
  }
  void keep_inputs(const plan_node& n) {
    for (auto parent : n.parents) add_all(output_of(parent), needed(parent));
  }

  const plan& p_;
  std::map<node_id, name_set> needed_;
  column_pruning result_;
  bool changed_ = false;
};

}  // namespace

std::optional<column_pruning> plan_pruning(const plan& p) { return pruner{p}.run(); }

}  // namespace wisp::pxl
