#include "pxl/types.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "pxl/functions.hpp"

namespace wisp::pxl {

namespace {

using schemas::column_info;
using schemas::data_type;
using schemas::relation;

std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
  return s;
}

// Operators are reported with the spelling the user wrote.
std::string_view operator_spelling(std::string_view fn) {
  static const std::map<std::string_view, std::string_view> ops{
      {"add", "+"},          {"subtract", "-"},        {"multiply", "*"},
      {"divide", "/"},       {"modulo", "%"},          {"equal", "=="},
      {"notEqual", "!="},    {"lessThan", "<"},        {"lessThanEqual", "<="},
      {"greaterThan", ">"},  {"greaterThanEqual", ">="}, {"logicalAnd", "and"},
      {"logicalOr", "or"},   {"logicalNot", "not"},    {"negate", "-"}};
  auto it = ops.find(fn);
  return it == ops.end() ? std::string_view{} : it->second;
}

class type_resolver {
 public:
  type_resolver(const compile_options& opts, diagnostics& diags)
      : opts_(opts), funcs_(*opts.functions), diags_(diags) {}

  void run(plan& p) {
    for (auto& n : p.nodes) {
      std::vector<const relation*> inputs;
      bool parents_ok = true;
      for (auto parent : n.parents) {
        if (failed_.contains(parent)) parents_ok = false;
        if (const auto* pn = p.find(parent)) inputs.push_back(&pn->output);
      }
      if (!parents_ok || inputs.size() != n.parents.size() || !resolve(n, inputs))
        failed_.insert(n.id);
    }
  }

 private:
  bool resolve(plan_node& n, const std::vector<const relation*>& in) {
    return std::visit([&](auto& op) { return resolve_op(n, op, in); }, n.op);
  }

  bool resolve_op(plan_node& n, memory_source_op& op, const std::vector<const relation*>&) {
    auto rel = opts_.tables.find(op.table);
    if (!rel) {
      diags_.error(n.loc, "table '" + op.table + "' does not exist",
                   "available tables: " + join_names(opts_.tables.names()));
      return false;
    }
    if (op.columns.empty()) {
      n.output = *rel;
      op.columns = rel->names();
      return true;
    }
    bool ok = true;
    for (const auto& c : op.columns) {
      auto idx = rel->index_of(c);
      if (!idx) {
        diags_.error(n.loc, "column '" + c + "' is not in table '" + op.table + "'",
                     "columns: " + join_names(rel->names()));
        ok = false;
        continue;
      }
      n.output.columns.push_back(rel->columns[*idx]);
    }
    return ok;
  }

  bool resolve_op(plan_node& n, map_op& op, const std::vector<const relation*>& in) {
    const relation& parent = *in.at(0);
    if (!op.drop_columns.empty()) {
      std::set<std::string> drop;
      for (const auto& c : op.drop_columns) {
        if (!parent.index_of(c)) {
          diags_.error(n.loc, "cannot drop column '" + c + "': not in the DataFrame",
                       "columns: " + join_names(parent.names()));
          return false;
        }
        drop.insert(c);
      }
      for (const auto& c : parent.columns)
        if (!drop.contains(c.name)) op.exprs.push_back({c.name, expression::column_ref(c.name, n.loc)});
      op.drop_columns.clear();
    }
    if (op.keep_input_columns) {
      std::vector<named_expression> all;
      for (const auto& c : parent.columns)
        all.push_back({c.name, expression::column_ref(c.name, n.loc)});
      for (auto& e : op.exprs) {
        auto same = std::find_if(all.begin(), all.end(), [&](const auto& x) { return x.name == e.name; });
        if (same != all.end())
          *same = std::move(e);
        else
          all.push_back(std::move(e));
      }
      op.exprs = std::move(all);
      op.keep_input_columns = false;
    }
    bool ok = true;
    for (auto& e : op.exprs) {
      if (!resolve_expr(e.expr, parent)) {
        ok = false;
        continue;
      }
      column_info c{e.name, e.expr.type, e.expr.semantic, {}};
      if (e.expr.kind == expression_kind::column) c.desc = parent.columns[e.expr.column_index].desc;
      n.output.columns.push_back(std::move(c));
    }
    return ok;
  }

  bool resolve_op(plan_node& n, filter_op& op, const std::vector<const relation*>& in) {
    if (!resolve_expr(op.predicate, *in.at(0))) return false;
    if (op.predicate.type != data_type::boolean) {
      diags_.error(op.predicate.loc, "a filter condition must be BOOLEAN, not " +
                                         std::string{schemas::to_string(op.predicate.type)},
                   "compare the column, e.g. df[df.resp_status >= 400]");
      return false;
    }
    n.output = *in[0];
    return true;
  }

  bool resolve_op(plan_node& n, aggregate_op& op, const std::vector<const relation*>& in) {
    const relation& parent = *in.at(0);
    bool ok = true;
    op.groups.clear();
    for (const auto& g : op.group_names) {
      auto idx = parent.index_of(g);
      if (!idx) {
        diags_.error(n.loc, "cannot group by '" + g + "': not in the DataFrame",
                     "columns: " + join_names(parent.names()));
        ok = false;
        continue;
      }
      op.groups.push_back(*idx);
      n.output.columns.push_back(parent.columns[*idx]);
    }
    for (auto& a : op.aggregates) {
      if (!resolve_expr(a.arg, parent)) {
        ok = false;
        continue;
      }
      a.uda = funcs_.find_uda(a.function, a.arg.type);
      if (a.uda == nullptr) {
        diags_.error(a.arg.loc, "px." + a.function + " cannot aggregate a " +
                                    std::string{schemas::to_string(a.arg.type)} + " column ('" +
                                    a.arg.column_name + "')",
                     "accepted: " + funcs_.describe_overloads(a.function));
        ok = false;
        continue;
      }
      std::array<schemas::semantic_type, 1> sem{a.arg.semantic};
      n.output.columns.push_back({a.output_name, a.uda->result,
                                  apply_semantic_rule(a.uda->semantic, a.uda->semantic_value, sem),
                                  {}});
    }
    return ok;
  }

  bool resolve_op(plan_node& n, limit_op&, const std::vector<const relation*>& in) {
    n.output = *in.at(0);
    return true;
  }
  bool resolve_op(plan_node& n, result_sink_op&, const std::vector<const relation*>& in) {
    n.output = *in.at(0);
    return true;
  }
  bool resolve_op(plan_node& n, union_op&, const std::vector<const relation*>& in) {
    for (const auto* r : in) {
      if (r->names() != in.at(0)->names()) {
        diags_.error(n.loc, "cannot union DataFrames with different columns");
        return false;
      }
    }
    n.output = *in.at(0);
    return true;
  }

  bool resolve_expr(expression& e, const relation& rel) {
    switch (e.kind) {
      case expression_kind::column: {
        auto idx = rel.index_of(e.column_name);
        if (!idx) {
          diags_.error(e.loc, "column '" + e.column_name + "' not found",
                       "columns: " + join_names(rel.names()));
          return false;
        }
        e.column_index = *idx;
        e.type = rel.columns[*idx].type;
        e.semantic = rel.columns[*idx].semantic;
        return true;
      }
      case expression_kind::literal:
        e.type = e.literal.type;
        e.semantic = schemas::semantic_type::st_none;
        return true;
      case expression_kind::call: {
        std::vector<data_type> types;
        std::vector<schemas::semantic_type> semantics;
        for (auto& a : e.args) {
          if (!resolve_expr(a, rel)) return false;
          types.push_back(a.type);
          semantics.push_back(a.semantic);
        }
        e.udf = funcs_.find_udf(e.function, types);
        if (e.udf == nullptr) {
          report_no_overload(e, types);
          return false;
        }
        if (!check_constants(e)) return false;
        e.type = e.udf->result;
        e.semantic = apply_semantic_rule(e.udf->semantic, e.udf->semantic_value, semantics);
        if (e.udf->is_cast) {
          // The cast only relabels: evaluate the argument itself.
          auto semantic = e.semantic;
          expression arg = std::move(e.args.at(0));
          e = std::move(arg);
          e.semantic = semantic;
        }
        return true;
      }
    }
    return false;
  }

  // No overload takes these argument types: point at the first argument that no overload
  // accepts (or at the call for a wrong argument count) and list the signatures.
  void report_no_overload(const expression& e, const std::vector<data_type>& types) {
    std::string args;
    for (std::size_t i = 0; i < types.size(); ++i)
      args += (i ? ", " : "") + std::string{schemas::to_string(types[i])};
    std::string hint = "accepted: " + funcs_.describe_overloads(e.function);
    auto op = operator_spelling(e.function);
    if (!op.empty()) {
      diags_.error(e.loc, "operator '" + std::string{op} + "' does not accept (" + args + ")", hint);
      return;
    }
    std::string msg = "px." + e.function + " does not accept (" + args + ")";
    auto m = funcs_.explain_mismatch(e.function, types);
    if (!m.arg || e.args.empty()) {
      diags_.error(e.loc, msg + ": wrong number of arguments", hint);
      return;
    }
    std::size_t bad = std::min(*m.arg, e.args.size() - 1);
    diags_.error(e.args[bad].loc,
                 msg + ": argument " + std::to_string(bad + 1) + " must be " + m.expected, hint);
  }

  // Constant arguments a function can validate at compile time (a literal regex, a duration).
  bool check_constants(const expression& e) {
    if (e.udf->check == nullptr) return true;
    std::vector<const scalar*> constants;
    for (const auto& a : e.args)
      constants.push_back(a.kind == expression_kind::literal ? &a.literal : nullptr);
    auto problem = e.udf->check(constants);
    if (!problem) return true;
    auto loc = problem->arg < e.args.size() ? e.args[problem->arg].loc : e.loc;
    diags_.error(loc, "px." + e.function + ": " + problem->message);
    return false;
  }

  const compile_options& opts_;
  const function_registry& funcs_;
  diagnostics& diags_;
  std::set<node_id> failed_;
};

}  // namespace

void resolve_types(plan& p, const compile_options& opts, diagnostics& diags) {
  type_resolver{opts, diags}.run(p);
}

}  // namespace wisp::pxl
