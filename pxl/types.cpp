#include "pxl/types.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "pxl/functions.hpp"
#include "pxl/metadata.hpp"
#include "pxl/prune.hpp"
#include "pxl/udtf.hpp"

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

  bool resolve_one(plan_node& n, const std::vector<const relation*>& in) { return resolve(n, in); }

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
  // The pruning decision for node n (second compile pass), or nullptr.
  const std::set<std::string, std::less<>>* kept_outputs(const plan_node& n) const {
    if (opts_.pruning == nullptr) return nullptr;
    auto it = opts_.pruning->keep.find(n.id);
    return it == opts_.pruning->keep.end() ? nullptr : &it->second;
  }

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
    if (op.columns.empty()) op.columns = rel->names();
    if (const auto* keep = kept_outputs(n)) std::erase_if(op.columns, [&](const auto& c) { return !keep->contains(c); });
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

  bool resolve_op(plan_node& n, udtf_source_op& op, const std::vector<const relation*>&) {
    const udtf_def* def = find_udtf(op.name);
    if (def == nullptr) {  // the compiler only makes nodes for known UDTFs
      diags_.error(n.loc, "unknown table function 'px." + op.name + "'");
      return false;
    }
    if (op.args.size() != def->args.size()) {
      diags_.error(n.loc, "px." + op.name + " takes " + std::to_string(def->args.size()) + " arguments");
      return false;
    }
    for (std::size_t i = 0; i < op.args.size(); ++i)
      if (op.args[i].type != def->args[i].type) {
        diags_.error(n.loc, "argument '" + def->args[i].name + "' of px." + op.name + " must be " +
                                std::string{schemas::to_string(def->args[i].type)});
        return false;
      }
    n.output = def->output;
    return true;
  }

  bool resolve_op(plan_node& n, map_op& op, const std::vector<const relation*>& in) {
    const relation& parent = *in.at(0);
    if (!op.drop_columns.empty()) {
      std::set<std::string> drop;
      for (const auto& c : op.drop_columns) {
        if (!parent.index_of(c) && opts_.pruning != nullptr) continue;  // pruned before the drop
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
    if (const auto* keep = kept_outputs(n))
      std::erase_if(op.exprs, [&](const auto& e) { return !keep->contains(e.name); });
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
  bool resolve_op(plan_node& n, stream_source_op&, const std::vector<const relation*>&) {
    diags_.error(n.loc, "internal: a stream source comes from the planner, never from a script");
    return false;
  }
  // Every input must have the first input's columns, by name and type (order may differ).
  bool resolve_op(plan_node& n, union_op& op, const std::vector<const relation*>& in) {
    const relation& first = *in.at(0);
    op.column_maps.assign(in.size(), {});
    auto loc_of = [&](std::size_t i) { return i < op.input_locs.size() ? op.input_locs[i] : n.loc; };
    bool ok = true;
    for (std::size_t p = 0; p < in.size(); ++p) {
      const relation& r = *in[p];
      for (const auto& c : first.columns) {
        auto idx = r.index_of(c.name);
        if (!idx) {
          diags_.error(loc_of(p), "append: column '" + c.name + "' (" +
                                      std::string{schemas::to_string(c.type)} +
                                      ") is missing from this DataFrame",
                       "appended DataFrames need the same columns; this one has: " +
                           describe_columns(r) + "; the first has: " + describe_columns(first));
          ok = false;
          break;
        }
        if (r.columns[*idx].type != c.type) {
          diags_.error(loc_of(p), "append: column '" + c.name + "' is " +
                                      std::string{schemas::to_string(r.columns[*idx].type)} +
                                      " here but " + std::string{schemas::to_string(c.type)} +
                                      " in the first DataFrame",
                       "cast or recompute it so both sides have the same type");
          ok = false;
          break;
        }
        op.column_maps[p].push_back(*idx);
      }
      if (ok && r.columns.size() != first.columns.size()) {
        std::vector<std::string> extra;
        for (const auto& c : r.columns)
          if (!first.index_of(c.name)) extra.push_back(c.name);
        diags_.error(loc_of(p), "append: this DataFrame has columns the first does not: " +
                                    join_names(extra),
                     "the first has: " + describe_columns(first));
        ok = false;
      }
      if (!ok) return false;
    }
    n.output = first;
    op.time_column.reset();
    if (auto t = first.index_of("time_"); t && first.columns[*t].type == data_type::time64ns)
      op.time_column = *t;
    return true;
  }

  // Output: left columns, then right columns; names on both sides get the side's suffix.
  bool resolve_op(plan_node& n, join_op& op, const std::vector<const relation*>& in) {
    const relation& left = *in.at(0);
    const relation& right = *in.at(1);
    bool ok = true;
    op.left_keys.clear();
    op.right_keys.clear();
    auto find_key = [&](const relation& rel, const std::string& name, source_location loc,
                        std::string_view side) -> std::optional<std::size_t> {
      auto idx = rel.index_of(name);
      if (!idx)
        diags_.error(loc, "merge: column '" + name + "' is not in the " + std::string{side} +
                              " DataFrame",
                     "its columns: " + join_names(rel.names()));
      return idx;
    };
    if (op.left_on.size() != op.right_on.size()) {
      diags_.error(n.loc, "merge: left_on and right_on must name as many columns");
      return false;
    }
    auto loc_at = [&](const std::vector<source_location>& locs, std::size_t i) {
      return i < locs.size() ? locs[i] : n.loc;
    };
    for (std::size_t i = 0; i < op.left_on.size(); ++i) {
      auto l = find_key(left, op.left_on[i], loc_at(op.left_locs, i), "left");
      auto r = find_key(right, op.right_on[i], loc_at(op.right_locs, i), "right");
      if (!l || !r) {
        ok = false;
        continue;
      }
      auto lt = left.columns[*l].type, rt = right.columns[*r].type;
      if (lt != rt) {
        diags_.error(loc_at(op.right_locs, i),
                     "merge: cannot join '" + op.left_on[i] + "' (" +
                         std::string{schemas::to_string(lt)} + ") with '" + op.right_on[i] + "' (" +
                         std::string{schemas::to_string(rt)} + ")",
                     "join keys must have the same type");
        ok = false;
        continue;
      }
      op.left_keys.push_back(*l);
      op.right_keys.push_back(*r);
    }
    if (!ok) return false;
    // Suffixes depend on both whole inputs; pruning then drops the outputs nothing downstream
    // reads (it keeps at least one).
    const auto* keep = kept_outputs(n);
    n.output.columns.clear();
    op.left_out.clear();
    op.right_out.clear();
    auto add_side = [&](const relation& rel, const relation& other, const std::string& suffix,
                        std::vector<std::size_t>& out_idx) {
      for (std::size_t i = 0; i < rel.columns.size(); ++i) {
        auto out = rel.columns[i];
        if (other.index_of(out.name)) out.name += suffix;
        if (keep != nullptr && !keep->contains(out.name)) continue;
        out_idx.push_back(i);
        n.output.columns.push_back(std::move(out));
      }
    };
    add_side(left, right, op.left_suffix, op.left_out);
    add_side(right, left, op.right_suffix, op.right_out);
    std::set<std::string> seen;
    for (const auto& c : n.output.columns) {
      if (!seen.insert(c.name).second) {
        diags_.error(n.loc, "merge: the output would have two columns named '" + c.name + "'",
                     "pass suffixes=(left, right) that make the shared names distinct; shared "
                     "names get them");
        return false;
      }
    }
    return true;
  }

  static std::string describe_columns(const relation& r) {
    std::string s;
    for (const auto& c : r.columns)
      s += (s.empty() ? "" : ", ") + c.name + ":" + std::string{schemas::to_string(c.type)};
    return s;
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
      case expression_kind::metadata: {
        auto lookup = resolve_metadata(e.column_name, rel, funcs_);
        if (!lookup) {
          diags_.error(e.loc,
                       "ctx['" + e.column_name + "'] cannot be computed for this DataFrame: it needs "
                       "one of the columns " + join_names(metadata_key_columns(e.column_name, funcs_)),
                       "columns: " + join_names(rel.names()));
          return false;
        }
        const auto loc = e.loc;
        if (lookup->function.empty()) {
          e = expression::column_ref(lookup->arg_columns.at(0), loc);
        } else {
          std::vector<expression> args;
          for (const auto& c : lookup->arg_columns) args.push_back(expression::column_ref(c, loc));
          e = expression::call(lookup->function, std::move(args), loc);
        }
        return resolve_expr(e, rel);
      }
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

bool resolve_node(plan_node& n, const std::vector<const schemas::relation*>& inputs,
                  const compile_options& opts, diagnostics& diags) {
  return type_resolver{opts, diags}.resolve_one(n, inputs);
}

}  // namespace wisp::pxl
