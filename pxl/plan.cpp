#include "pxl/plan.hpp"

#include <utility>

#include "pxl/functions.hpp"

namespace wisp::pxl {

expression expression::column_ref(std::string name, source_location loc) {
  expression e;
  e.kind = expression_kind::column;
  e.column_name = std::move(name);
  e.loc = loc;
  return e;
}

expression expression::constant(scalar v, source_location loc) {
  expression e;
  e.kind = expression_kind::literal;
  e.literal = std::move(v);
  e.type = e.literal.type;
  e.loc = loc;
  return e;
}

expression expression::call(std::string function, std::vector<expression> args,
                            source_location loc) {
  expression e;
  e.kind = expression_kind::call;
  e.function = std::move(function);
  e.args = std::move(args);
  e.loc = loc;
  return e;
}

expression expression::metadata(std::string key, source_location loc) {
  expression e;
  e.kind = expression_kind::metadata;
  e.column_name = std::move(key);
  e.loc = loc;
  return e;
}

std::string_view to_string(join_kind k) {
  switch (k) {
    case join_kind::inner: return "inner";
    case join_kind::left: return "left";
    case join_kind::right: return "right";
    case join_kind::outer: return "outer";
  }
  return "?";
}

const plan_node* plan::find(node_id id) const {
  // The compiler numbers nodes by position; a plan edited later may not be, hence the scan.
  if (id >= 0 && static_cast<std::size_t>(id) < nodes.size() && nodes[id].id == id) return &nodes[id];
  for (const auto& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

plan_node* plan::find(node_id id) {
  return const_cast<plan_node*>(std::as_const(*this).find(id));
}

std::vector<node_id> plan::children(node_id id) const {
  std::vector<node_id> out;
  for (const auto& n : nodes)
    for (auto p : n.parents)
      if (p == id) out.push_back(n.id);
  return out;
}

std::string_view to_string(aggregate_mode m) {
  switch (m) {
    case aggregate_mode::full: return "full";
    case aggregate_mode::partial: return "partial";
    case aggregate_mode::final: return "final";
  }
  return "?";
}

schemas::relation partial_aggregate_relation(const aggregate_op& op, const schemas::relation& parent) {
  schemas::relation out;
  for (auto g : op.groups) out.columns.push_back(parent.columns.at(g));
  for (const auto& a : op.aggregates)
    out.columns.push_back({a.output_name, schemas::data_type::string, schemas::semantic_type::st_none, {}});
  return out;
}

std::string_view op_name(const node_op& op) {
  struct namer {
    std::string_view operator()(const memory_source_op&) const { return "memory_source"; }
    std::string_view operator()(const map_op&) const { return "map"; }
    std::string_view operator()(const filter_op&) const { return "filter"; }
    std::string_view operator()(const aggregate_op&) const { return "aggregate"; }
    std::string_view operator()(const limit_op&) const { return "limit"; }
    std::string_view operator()(const union_op&) const { return "union"; }
    std::string_view operator()(const join_op&) const { return "join"; }
    std::string_view operator()(const result_sink_op&) const { return "result_sink"; }
    std::string_view operator()(const udtf_source_op&) const { return "udtf_source"; }
    std::string_view operator()(const stream_source_op&) const { return "stream_source"; }
  };
  return std::visit(namer{}, op);
}

std::string to_string(const expression& e) {
  switch (e.kind) {
    case expression_kind::column:
      return e.column_index == unresolved_column
                 ? e.column_name
                 : e.column_name + "#" + std::to_string(e.column_index);
    case expression_kind::literal: return to_string(e.literal);
    case expression_kind::metadata: return "ctx['" + e.column_name + "']";
    case expression_kind::call: {
      std::string s = e.function + "(";
      for (std::size_t i = 0; i < e.args.size(); ++i) s += (i ? ", " : "") + to_string(e.args[i]);
      return s + ")";
    }
  }
  return "?";
}

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

std::string describe(const node_op& op) {
  struct describer {
    std::string operator()(const memory_source_op& o) const {
      std::string s = "table=" + o.table;
      if (o.start_ns) s += " start_ns=" + std::to_string(*o.start_ns);
      if (o.end_ns) s += " end_ns=" + std::to_string(*o.end_ns);
      return s + " columns=[" + join(o.columns) + "]";
    }
    std::string operator()(const map_op& o) const {
      std::string s;
      for (std::size_t i = 0; i < o.exprs.size(); ++i)
        s += (i ? ", " : "") + o.exprs[i].name + "=" + to_string(o.exprs[i].expr);
      return s;
    }
    std::string operator()(const filter_op& o) const { return to_string(o.predicate); }
    std::string operator()(const aggregate_op& o) const {
      std::string s = o.mode == aggregate_mode::full ? std::string{} : "mode=" + std::string{to_string(o.mode)} + " ";
      s += "by=[" + join(o.group_names) + "]";
      for (const auto& a : o.aggregates)
        s += " " + a.output_name + "=" + a.function + "(" + to_string(a.arg) + ")";
      return s;
    }
    std::string operator()(const limit_op& o) const { return "n=" + std::to_string(o.n); }
    std::string operator()(const union_op& o) const {
      return o.time_column ? "merge_by=time_" : std::string{};
    }
    std::string operator()(const join_op& o) const {
      return "how=" + std::string{to_string(o.how)} + " left_on=[" + join(o.left_on) +
             "] right_on=[" + join(o.right_on) + "] suffixes=[" + o.left_suffix + ", " +
             o.right_suffix + "]";
    }
    std::string operator()(const result_sink_op& o) const { return "name=" + o.name; }
    std::string operator()(const stream_source_op& o) const { return "stream=" + o.stream; }
    std::string operator()(const udtf_source_op& o) const {
      std::string s = o.name + "(";
      for (std::size_t i = 0; i < o.args.size(); ++i) s += (i ? ", " : "") + to_string(o.args[i]);
      return s + ")";
    }
  };
  return std::visit(describer{}, op);
}

}  // namespace

std::string to_string(const plan& p) {
  std::string out;
  for (const auto& n : p.nodes) {
    out += "#" + std::to_string(n.id) + " " + std::string{op_name(n.op)};
    if (!n.parents.empty()) {
      out += " <-";
      for (auto parent : n.parents) out += " #" + std::to_string(parent);
    }
    std::string args = describe(n.op);
    if (!args.empty()) out += " " + args;
    out += "\n    -> [";
    for (std::size_t i = 0; i < n.output.columns.size(); ++i) {
      const auto& c = n.output.columns[i];
      out += (i ? ", " : "") + c.name + ":" + std::string{schemas::to_string(c.type)};
      if (c.semantic != schemas::semantic_type::st_none)
        out += "/" + std::string{schemas::to_string(c.semantic)};
    }
    out += "]\n";
  }
  return out;
}

}  // namespace wisp::pxl
