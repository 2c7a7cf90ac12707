#include "pxl/compiler.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "pxl/builtin_modules.hpp"
#include "pxl/functions.hpp"
#include "pxl/lexer.hpp"
#include "pxl/parser.hpp"
#include "pxl/metadata.hpp"
#include "pxl/time_parse.hpp"
#include "pxl/udtf.hpp"
#include "pxl/values.hpp"

namespace wisp::pxl {

std::string describe(const value& v) {
  switch (v.kind) {
    case value_kind::none: return "None";
    case value_kind::invalid: return "invalid value";
    case value_kind::dict: return "dict";
    case value_kind::pending_module:
    case value_kind::builtin_module: return "module '" + v.name + "'";
    case value_kind::user_function: return "function '" + v.name + "'";
    case value_kind::constant: return std::string{schemas::to_string(v.constant.type)} + " constant";
    case value_kind::list: return "list";
    case value_kind::tuple: return "tuple";
    case value_kind::px_module: return "module 'px'";
    case value_kind::px_function: return "function 'px." + v.name + "'";
    case value_kind::dataframe: return "DataFrame";
    case value_kind::column_expr: return "column expression";
    case value_kind::grouped: return "grouped DataFrame";
    case value_kind::windowed: return "rolling DataFrame";
    case value_kind::method: return "method '" + v.name + "'";
    case value_kind::metadata_context: return "df.ctx";
    case value_kind::pxtrace_module: return "module 'pxtrace'";
    case value_kind::pxtrace_function: return "function 'pxtrace." + v.name + "'";
    case value_kind::trace_object: return "pxtrace." + v.name + " value";
  }
  return "value";
}

namespace {

using ast::expr_kind;
using opt_value = std::optional<value>;

constexpr std::int64_t default_head_rows = 5;
constexpr std::string_view default_display_name = "output";

// px names that are not registry functions: handled by the compiler itself.
const std::set<std::string, std::less<>> compiler_functions{"DataFrame", "display", "debug", "now",
                                                            "equals_any"};
// DataFrame methods of Pixie's API; the ones not implemented yet get a specific message.
const std::set<std::string, std::less<>> implemented_methods{
    "head", "drop", "groupby", "agg", "merge", "append", "filter", "map", "rolling"};
const std::set<std::string, std::less<>> pending_methods{"stream"};
// df.merge(how=...) values (facts §2.3); a cross join is how='outer' (or any) with no keys.
const std::map<std::string, join_kind, std::less<>> join_kinds{
    {"inner", join_kind::inner}, {"left", join_kind::left}, {"right", join_kind::right},
    {"outer", join_kind::outer}};
// Modules a script may import but that Wisp does not implement yet: importing works, using fails.
const std::set<std::string, std::less<>> pending_modules{};

// pxtrace's functions (facts §2.8), plus Process for hosts without Kubernetes.
const std::set<std::string, std::less<>> pxtrace_functions{
    "probe",           "ArgExpr",          "RetExpr",      "FunctionLatency", "UpsertTracepoint",
    "DeleteTracepoint", "TraceProgram",    "kprobe",       "PodProcess",      "LabelSelector",
    "SharedObject",    "Process"};
// pxviews functions of Pixie's library (facts §2.10) over tables Wisp does not record yet.
const std::map<std::string, std::string, std::less<>> pxviews_missing_tables{
    {"container_process_timeseries", "process_stats"},
    {"container_process_summary", "process_stats"},
    {"pod_resource_stats", "process_stats"},
    {"processes", "process_stats"},
    {"pod_network_timeseries", "network_stats"},
    {"pod_network_summary", "network_stats"},
    {"stacktraces", "stack_traces.beta"},
    {"connection_throughput_stats", "conn_stats"}};
// The module namespace of the script itself; built-in modules get the following ones.
constexpr std::size_t script_module = 0;
// Parameter annotations (facts §2.5/§2.6): Python scalars, and px types whose values are strings.
const std::set<std::string, std::less<>> builtin_annotations{"str", "int", "float", "bool"};
const std::set<std::string, std::less<>> px_annotations{
    "DataFrame", "Time", "Container", "Namespace", "Node", "Pod", "Service", "Bytes",
    "DurationNanos", "UPID", "Percent"};
// Python built-ins that scripts sometimes reach for; named so that the error says why.
const std::set<std::string, std::less<>> python_builtins{
    "print", "len",  "str",  "int",   "float", "bool",   "range",     "list",  "dict",
    "tuple", "set",  "min",  "max",   "sum",   "abs",    "round",     "sorted", "map",
    "filter", "zip", "enumerate", "type", "isinstance", "open", "input", "eval", "exec",
    "getattr", "setattr", "super", "object", "format", "repr", "any", "all"};

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string{word} + (n == 1 ? "" : "s");
}

std::string_view function_of(ast::binary_op op) {
  switch (op) {
    case ast::binary_op::add: return "add";
    case ast::binary_op::subtract: return "subtract";
    case ast::binary_op::multiply: return "multiply";
    case ast::binary_op::divide: return "divide";
    case ast::binary_op::modulo: return "modulo";
    case ast::binary_op::equal: return "equal";
    case ast::binary_op::not_equal: return "notEqual";
    case ast::binary_op::less: return "lessThan";
    case ast::binary_op::less_equal: return "lessThanEqual";
    case ast::binary_op::greater: return "greaterThan";
    case ast::binary_op::greater_equal: return "greaterThanEqual";
    case ast::binary_op::logical_and: return "logicalAnd";
    case ast::binary_op::logical_or: return "logicalOr";
  }
  return "?";
}

// Row 0 of a one-row column as a scalar.
scalar scalar_of(const schemas::column& c) {
  switch (c.type()) {
    case schemas::data_type::boolean: return scalar::of_bool(c.bools()[0] != 0);
    case schemas::data_type::int64: return scalar::of_int(c.ints()[0]);
    case schemas::data_type::time64ns: return scalar::of_time(c.ints()[0]);
    case schemas::data_type::float64: return scalar::of_float(c.floats()[0]);
    case schemas::data_type::string: return scalar::of_string(std::string{c.strings().at(0)});
    case schemas::data_type::uint128: return {schemas::data_type::uint128, c.uint128s()[0]};
    case schemas::data_type::unknown: break;
  }
  return {};
}

class compiler {
 public:
  compiler(const compile_options& opts, diagnostics& diags, const function_mode* mode)
      : opts_(opts), funcs_(*opts.functions), diags_(diags), mode_(mode) {
    modules_.push_back({"", {}, {}});
  }

  plan run(const ast::module& m) {
    for (const auto& s : m.body) (void)statement(s);
    if (mode_ != nullptr && diags_.ok()) run_functions();
    return std::move(plan_);
  }

 private:
  void error(source_location loc, std::string msg, std::string hint = {}) {
    // Inside a built-in module's code, the script's call is the place to report.
    if (call_site_) {
      loc = *call_site_;
      msg = "in " + call_site_name_ + ": " + msg;
    }
    diags_.error(loc, std::move(msg), std::move(hint));
  }

  node_id add_node(node_op op, std::vector<node_id> parents, source_location loc) {
    plan_node n;
    if (call_site_) loc = *call_site_;
    n.id = next_id_++;
    n.parents = std::move(parents);
    n.op = std::move(op);
    n.loc = loc;
    plan_.nodes.push_back(std::move(n));
    return plan_.nodes.back().id;
  }

  struct call_args {
    std::vector<value> positional;
    std::map<std::string, value> keywords;
    std::map<std::string, source_location> keyword_locs;
  };

  // ---- statements ----

  // False when the statement failed (its error is reported).
  bool statement(const ast::stmt& s) {
    switch (s.kind) {
      case ast::stmt_kind::import: return import_module(s);
      case ast::stmt_kind::expression: return eval(*s.value).has_value();
      case ast::stmt_kind::assign: return assign(s);
      case ast::stmt_kind::function_def: return define_function(s);
      case ast::stmt_kind::return_value: break;  // the parser only allows it in a function body
    }
    return true;
  }

  bool import_module(const ast::stmt& s) {
    value v;
    v.loc = s.loc;
    if (s.module_name == "px" || s.module_name == "pl") {  // "pl" is Pixie's legacy name
      v.kind = value_kind::px_module;
    } else if (s.module_name == "pxtrace") {
      v.kind = value_kind::pxtrace_module;
    } else if (pending_modules.contains(s.module_name)) {
      v.kind = value_kind::pending_module;
      v.name = s.module_name;
    } else if (is_builtin_module(s.module_name)) {
      auto index = load_module(s.module_name, s.loc);
      if (!index) return false;
      v.kind = value_kind::builtin_module;
      v.name = s.module_name;
      v.function = *index;
    } else {
      error(s.loc, "unknown module '" + s.module_name + "'",
            "PxL scripts import 'px' (and 'pxviews', 'pxtrace')");
      return false;
    }
    bind_name(s.alias, std::move(v));
    return true;
  }

  bool assign(const ast::stmt& s) {
    const auto& target = *s.target;
    if (target.kind == expr_kind::name) {
      auto v = eval(*s.value);
      bind_name(target.text, v ? std::move(*v) : invalid_value(target.loc));
      return v.has_value();
    }
    // df.col = e / df['col'] = e: a map that keeps the input columns, rebinding the name.
    const auto& base_expr = *target.children[0];
    bool ok = assign_column(s);
    if (!ok && base_expr.kind == expr_kind::name)
      bind_name(base_expr.text, invalid_value(target.loc));
    return ok;
  }

  bool assign_column(const ast::stmt& s) {
    const auto& target = *s.target;
    const auto& base_expr = *target.children[0];
    std::string column;
    if (target.kind == expr_kind::attribute) {
      column = target.text;
    } else {
      auto key = eval(*target.children[1]);
      if (!key) return false;
      if (key->kind != value_kind::constant || key->constant.type != schemas::data_type::string) {
        error(key->loc, "a DataFrame column is assigned with a string name: df['name'] = ...");
        return false;
      }
      column = std::get<std::string>(key->constant.value);
    }
    auto base = eval(base_expr);
    if (!base) return false;
    if (base->kind != value_kind::dataframe) {
      error(target.loc, "cannot set attribute '" + column + "' on " + describe(*base));
      return false;
    }
    if (base_expr.kind != expr_kind::name) {
      error(base_expr.loc, "assigning a column is only supported on a named DataFrame",
            "bind the DataFrame to a name first: df = ...; df.x = ...");
      return false;
    }
    auto v = eval(*s.value);
    if (!v) return false;
    auto df = with_column(base->node, column, *v, target.loc);
    if (!df) return false;
    bind_name(base_expr.text, std::move(*df));
    return true;
  }

  // The DataFrame of `node` with column `column` set to `v` (added, or replaced in place).
  opt_value with_column(node_id node, const std::string& column, const value& v,
                        source_location loc) {
    auto e = to_expression(v);
    if (!e) return std::nullopt;
    map_op m;
    m.keep_input_columns = true;
    m.exprs.push_back({column, std::move(*e)});
    return value::of_dataframe(add_node(std::move(m), {node}, loc), loc);
  }

  // ---- names and scopes ----
  // Python's rule: a name assigned anywhere in a function body (or a parameter) is local to each
  // call; every other name is the module's. `df.x = e` on a module-level DataFrame inside a
  // function rebinds the module's name, which is how Python's mutation of the object looks here.

  struct user_function {
    const ast::stmt* def = nullptr;
    std::vector<opt_value> defaults;       // per parameter
    std::vector<std::string> annotations;  // per parameter: "str", "px.Pod", ... or ""
    std::string returns;                   // the '->' annotation or ""
    std::set<std::string, std::less<>> locals;
    std::size_t module = script_module;  // whose globals the body sees
    std::optional<std::string> probe_symbol;  // @pxtrace.probe(symbol)
  };

  struct frame {
    std::size_t function = 0;
    std::map<std::string, value, std::less<>> locals;
  };

  static value invalid_value(source_location loc) {
    value v;
    v.kind = value_kind::invalid;
    v.loc = loc;
    return v;
  }

  std::map<std::string, value, std::less<>>& scope_of(std::string_view name) {
    if (!frames_.empty() && functions_[frames_.back().function].locals.contains(name))
      return frames_.back().locals;
    return globals();
  }

  std::map<std::string, value, std::less<>>& globals() { return modules_[current_module_].globals; }

  // ---- built-in modules (pxviews): parsed and evaluated once, at the first import ----

  struct module_namespace {
    std::string name;
    std::map<std::string, value, std::less<>> globals;
    ast::module syntax;  // the user functions point into it
  };

  static bool is_builtin_module(std::string_view name) {
    const auto all = builtin_modules();
    return std::any_of(all.begin(), all.end(), [&](const builtin_module& m) { return m.name == name; });
  }

  // The module's index, or nullopt when there is no such built-in module (or it failed, which
  // is reported).
  std::optional<std::size_t> load_module(const std::string& name, source_location loc) {
    for (std::size_t i = 1; i < modules_.size(); ++i)
      if (modules_[i].name == name) return i;
    const auto all = builtin_modules();
    auto it = std::find_if(all.begin(), all.end(), [&](const builtin_module& m) { return m.name == name; });
    if (it == all.end()) return std::nullopt;
    // A problem in the module's own text is Wisp's bug; report it at the import.
    diagnostics module_diags{name + ".pxl"};
    auto tokens = lex(it->source, module_diags);
    auto syntax = parse(tokens, module_diags);
    if (!module_diags.ok()) {
      const auto& d = module_diags.list().front();
      error(loc, "internal error in the built-in module " + d.file + ":" + std::to_string(d.line) + ":" +
                     std::to_string(d.col) + ": " + d.message);
      return std::nullopt;
    }
    const std::size_t index = modules_.size();
    modules_.push_back({name, {}, std::move(syntax)});
    const std::size_t saved = std::exchange(current_module_, index);
    auto saved_site = std::exchange(call_site_, loc);
    auto saved_name = std::exchange(call_site_name_, "module " + name);
    bool ok = true;
    for (const auto& st : modules_[index].syntax.body) ok = statement(st) && ok;
    call_site_ = saved_site;
    call_site_name_ = std::move(saved_name);
    current_module_ = saved;
    if (!ok) return std::nullopt;
    return index;
  }

  opt_value module_attribute(const value& module, const std::string& attr, source_location loc) {
    const std::string qualified = module.name + "." + attr;
    if (module.name == "pxviews") {
      if (auto missing = pxviews_missing_tables.find(attr); missing != pxviews_missing_tables.end()) {
        error(loc, "'" + qualified + "' needs the table '" + missing->second +
                       "', which Wisp does not record yet",
              "implemented: " + module_functions(module.function));
        return std::nullopt;
      }
    }
    const auto& names = modules_[module.function].globals;
    auto it = names.find(attr);
    if (it == names.end() || it->second.kind == value_kind::invalid) {
      error(loc, "module '" + module.name + "' has no function '" + attr + "'",
            "it has: " + module_functions(module.function));
      return std::nullopt;
    }
    value v = it->second;
    v.loc = loc;
    return v;
  }

  std::string module_functions(std::size_t module) const {
    std::vector<std::string> names;
    for (const auto& [n, v] : modules_[module].globals)
      if (v.kind == value_kind::user_function && !n.starts_with('_')) names.push_back(n);
    return join(names);
  }

  void bind_name(const std::string& name, value v) { scope_of(name)[name] = std::move(v); }

  opt_value lookup(const std::string& name, source_location loc) {
    auto& scope = scope_of(name);
    auto it = scope.find(name);
    if (it == scope.end()) {
      if (&scope != &globals())
        error(loc, "local variable '" + name + "' is used before it is assigned");
      else if (python_builtins.contains(name))
        error(loc, "Python's built-in '" + name + "' is not supported in PxL",
              name == "len" ? "use px.length for strings" : "");
      else
        error(loc, "name '" + name + "' is not defined",
              name == "px" ? "add 'import px' at the top of the script" : "");
      return std::nullopt;
    }
    if (it->second.kind == value_kind::invalid) return std::nullopt;  // reported where it failed
    value v = it->second;
    v.loc = loc;
    return v;
  }

  // ---- user functions: evaluated by inlining their body at every call ----

  bool define_function(const ast::stmt& s) {
    user_function f;
    for (const auto& d : s.decorators) {
      auto dv = eval(*d);
      if (!dv) return false;
      if (dv->kind != value_kind::trace_object || dv->name != "probe" || f.probe_symbol) {
        error(d->loc, "the only decorator PxL has is @pxtrace.probe(symbol), once per function");
        return false;
      }
      f.probe_symbol = std::get<std::string>(dv->constant.value);
    }
    f.def = &s;
    f.module = current_module_;
    for (const auto& p : s.params) {
      f.locals.insert(p.name);
      std::string annotation;
      if (p.annotation) {
        auto a = annotation_name(*p.annotation);
        if (!a) return false;
        annotation = std::move(*a);
      }
      f.annotations.push_back(std::move(annotation));
      opt_value default_value;
      if (p.default_value) {
        default_value = eval(*p.default_value);
        if (!default_value) return false;
      }
      f.defaults.push_back(std::move(default_value));
    }
    if (s.returns) {
      auto a = annotation_name(*s.returns);
      if (!a) return false;
      f.returns = std::move(*a);
    }
    for (const auto& st : s.body)
      if (st.kind == ast::stmt_kind::assign && st.target->kind == expr_kind::name)
        f.locals.insert(st.target->text);
    value v;
    v.kind = value_kind::user_function;
    v.name = s.name;
    v.function = functions_.size();
    v.loc = s.loc;
    functions_.push_back(std::move(f));
    bind_name(s.name, std::move(v));
    return true;
  }

  // "str", "px.Pod", ...: read from the syntax, as Pixie's function mode converts argument
  // strings by it.
  std::optional<std::string> annotation_name(const ast::expr& a) {
    if (a.kind == expr_kind::name && builtin_annotations.contains(a.text)) return a.text;
    if (a.kind == expr_kind::none_lit) return "None";
    if (a.kind == expr_kind::attribute && a.children[0]->kind == expr_kind::name) {
      auto it = globals().find(a.children[0]->text);
      bool on_px = it != globals().end() && it->second.kind == value_kind::px_module;
      if (on_px && px_annotations.contains(a.text))
        return "px." + a.text;
    }
    error(a.loc, "unknown type annotation",
          "use str, int, float, bool or a px type such as px.DataFrame, px.Pod, px.Service");
    return std::nullopt;
  }

  opt_value call_function(const value& fn, const call_args& a, source_location loc) {
    const user_function& f = functions_[fn.function];
    if (auto cycle = call_cycle(fn.function)) {
      error(loc, "recursion is not supported in PxL: " + *cycle,
            "PxL functions are expanded where they are called, so they cannot call themselves");
      return std::nullopt;
    }
    auto locals = bind_parameters(f, a, loc);
    if (!locals) return std::nullopt;
    const ast::stmt& def = *f.def;  // `f` is not used below: the body may call other functions
    const std::size_t saved_module = std::exchange(current_module_, f.module);
    std::optional<source_location> saved_site = call_site_;
    std::string saved_name = call_site_name_;
    if (f.module != script_module && !call_site_) {
      call_site_ = loc;
      call_site_name_ = modules_[f.module].name + "." + def.name + "()";
    }
    const node_id first_node = next_id_;
    frames_.push_back({fn.function, std::move(*locals)});
    opt_value result = value{};
    result->loc = loc;
    for (const auto& st : def.body) {
      if (st.kind == ast::stmt_kind::return_value) {
        if (st.value) result = eval(*st.value);
        break;
      }
      if (!statement(st)) {
        result = std::nullopt;
        break;
      }
    }
    frames_.pop_back();
    if (call_site_ && !saved_site) relocate_nodes(first_node, *call_site_);
    call_site_ = saved_site;
    call_site_name_ = std::move(saved_name);
    current_module_ = saved_module;
    if (result) result->loc = loc;
    return result;
  }

  // The nodes a built-in module's function added report their problems at the script's call.
  void relocate_nodes(node_id first, source_location loc) {
    auto fix = [&](expression& e, auto& self) -> void {
      e.loc = loc;
      for (auto& a : e.args) self(a, self);
    };
    for (auto& n : plan_.nodes) {
      if (n.id < first) continue;
      n.loc = loc;
      if (auto* m = std::get_if<map_op>(&n.op)) {
        for (auto& ne : m->exprs) fix(ne.expr, fix);
      } else if (auto* f = std::get_if<filter_op>(&n.op)) {
        fix(f->predicate, fix);
      } else if (auto* a = std::get_if<aggregate_op>(&n.op)) {
        a->agg_loc = loc;
        for (auto& x : a->aggregates) fix(x.arg, fix);
      } else if (auto* u = std::get_if<union_op>(&n.op)) {
        for (auto& l : u->input_locs) l = loc;
      } else if (auto* j = std::get_if<join_op>(&n.op)) {
        for (auto& l : j->left_locs) l = loc;
        for (auto& l : j->right_locs) l = loc;
      }
    }
  }

  // "f -> g -> f" when calling `function` would re-enter a call in progress.
  [[gnu::noinline]] std::optional<std::string> call_cycle(std::size_t function) const {
    auto first = std::find_if(frames_.begin(), frames_.end(),
                              [&](const frame& fr) { return fr.function == function; });
    if (first == frames_.end()) return std::nullopt;
    std::string chain;
    for (auto it = first; it != frames_.end(); ++it)
      chain += "'" + functions_[it->function].def->name + "' -> ";
    return chain + "'" + functions_[function].def->name + "'";
  }

  [[gnu::noinline]] std::optional<std::map<std::string, value, std::less<>>> bind_parameters(
      const user_function& f, const call_args& a, source_location loc) {
    const auto& params = f.def->params;
    const std::string fn = f.def->name + "()";
    std::map<std::string, value, std::less<>> out;
    if (a.positional.size() > params.size()) {
      error(a.positional[params.size()].loc,
            fn + " takes " + plural(params.size(), "positional argument") + " but " +
                std::to_string(a.positional.size()) + " were given");
      return std::nullopt;
    }
    for (std::size_t i = 0; i < a.positional.size(); ++i)
      out.emplace(params[i].name, a.positional[i]);
    for (const auto& [name, v] : ordered_keywords(a)) {
      auto p = std::find_if(params.begin(), params.end(),
                            [&](const auto& x) { return x.name == name; });
      if (p == params.end()) {
        std::vector<std::string> names;
        for (const auto& x : params) names.push_back(x.name);
        error(a.keyword_locs.at(name), fn + " got an unexpected keyword argument '" + name + "'",
              names.empty() ? fn + " takes no arguments" : "its parameters are: " + join(names));
        return std::nullopt;
      }
      if (out.contains(name)) {
        error(a.keyword_locs.at(name), fn + " got multiple values for argument '" + name + "'");
        return std::nullopt;
      }
      out.emplace(name, *v);
    }
    std::vector<std::string> missing;
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (out.contains(params[i].name)) continue;
      if (f.defaults[i])
        out.emplace(params[i].name, *f.defaults[i]);
      else
        missing.push_back("'" + params[i].name + "'");
    }
    if (!missing.empty()) {
      error(loc, fn + " is missing " + plural(missing.size(), "required argument") + ": " +
                     join(missing));
      return std::nullopt;
    }
    return out;
  }

  // Bounds the size of values built up through variables: later passes walk expressions
  // recursively, and `a = a + a` doubles a tree each time.
  bool measure(value& v, std::initializer_list<const value*> parts) {
    for (const value* p : parts) {
      v.height = std::max(v.height, p->height + 1);
      v.nodes += p->nodes;
    }
    return within_limits(v);
  }
  bool measure(value& v, const std::vector<value>& parts) {
    for (const value& p : parts) {
      v.height = std::max(v.height, p.height + 1);
      v.nodes += p.nodes;
    }
    return within_limits(v);
  }
  bool within_limits(const value& v) {
    if (v.height > max_nesting_depth) {
      error(v.loc,
            "this value is nested too deeply (more than " + std::to_string(max_nesting_depth) +
                " levels)",
            "it was built up through variables; build it in fewer steps");
      return false;
    }
    if (v.nodes > max_value_nodes) {
      error(v.loc,
            "this value is too large (more than " + std::to_string(max_value_nodes) + " parts)",
            "it was built up through variables; build it in fewer steps");
      return false;
    }
    return true;
  }

  // ---- expressions ----

  // [[gnu::noinline]] on the handlers of eval_expr and on the leaves of the recursion keeps each
  // level's frames small, so that max_evaluation_depth levels fit the stack in sanitizer builds.
  // Counts evaluation depth across inlined calls: each call adds its body's expression depth.
  struct evaluation_depth {
    int& depth;
    explicit evaluation_depth(int& d) : depth(d) { ++depth; }
    ~evaluation_depth() { --depth; }
    evaluation_depth(const evaluation_depth&) = delete;
    evaluation_depth& operator=(const evaluation_depth&) = delete;
  };

  opt_value eval(const ast::expr& e) {
    const bool dict_ok = std::exchange(dict_allowed_, false);
    if (e.kind == expr_kind::dict && !dict_ok && probe_bodies_ == 0) {
      error(e.loc, "a dict literal is only supported as the third argument of px.script_reference, "
                   "the labels of pxtrace.LabelSelector and in a @pxtrace.probe function",
            "px.script_reference(label, script, {'arg': value, ...})");
      return std::nullopt;
    }
    evaluation_depth guard{depth_};
    if (depth_ > max_evaluation_depth) {
      error(e.loc, "expressions and function calls are nested too deeply (more than " +
                       std::to_string(max_evaluation_depth) + " levels)",
            "call fewer functions inside each other");
      return std::nullopt;
    }
    return eval_expr(e);
  }

  opt_value eval_expr(const ast::expr& e) {
    switch (e.kind) {
      case expr_kind::name: return lookup(e.text, e.loc);
      case expr_kind::int_lit: return value::of_constant(scalar::of_int(e.int_value), e.loc);
      case expr_kind::float_lit: return value::of_constant(scalar::of_float(e.float_value), e.loc);
      case expr_kind::string_lit: return value::of_constant(scalar::of_string(e.text), e.loc);
      case expr_kind::bool_lit: return value::of_constant(scalar::of_bool(e.bool_value), e.loc);
      case expr_kind::none_lit: {
        value v;
        v.loc = e.loc;
        return v;
      }
      case expr_kind::list:
      case expr_kind::tuple:
      case expr_kind::dict: return sequence(e);
      case expr_kind::attribute: return attribute(e);
      case expr_kind::subscript: return subscript(e);
      case expr_kind::call: return call(e);
      case expr_kind::binary: return binary(e);
      case expr_kind::unary: return unary(e);
    }
    return std::nullopt;
  }

  [[gnu::noinline]] opt_value sequence(const ast::expr& e) {
    value v;
    v.kind = e.kind == expr_kind::list    ? value_kind::list
             : e.kind == expr_kind::tuple ? value_kind::tuple
                                          : value_kind::dict;
    v.loc = e.loc;
    for (std::size_t i = 0; i < e.children.size(); ++i) {
      auto item = eval(*e.children[i]);
      if (!item) return std::nullopt;
      bool is_key = v.kind == value_kind::dict && i % 2 == 0;
      if (is_key && item->kind != value_kind::constant) {
        error(item->loc, "a dict key must be a constant, not " + describe(*item));
        return std::nullopt;
      }
      v.items.push_back(std::move(*item));
    }
    if (!measure(v, v.items)) return std::nullopt;
    return v;
  }

  [[gnu::noinline]] opt_value attribute(const ast::expr& e) {
    auto base = eval(*e.children[0]);
    if (!base) return std::nullopt;
    const std::string& attr = e.text;
    value v;
    v.loc = e.loc;
    switch (base->kind) {
      case value_kind::px_module:
        if (compiler_functions.contains(attr) || funcs_.has_udf(attr) || funcs_.has_uda(attr) ||
            find_udtf(attr) != nullptr) {
          v.kind = value_kind::px_function;
          v.name = attr;
          return v;
        }
        if (is_pending_udtf(attr)) {
          error(e.loc, "table function 'px." + attr + "' is not implemented in Wisp yet",
                "implemented: " + udtf_names());
          return std::nullopt;
        }
        error(e.loc, "unknown function 'px." + attr + "'");
        return std::nullopt;
      case value_kind::builtin_module: return module_attribute(*base, attr, e.loc);
      case value_kind::pxtrace_module:
        if (!pxtrace_functions.contains(attr)) {
          std::string all;
          for (const auto& f : pxtrace_functions) all += (all.empty() ? "pxtrace." : ", pxtrace.") + f;
          error(e.loc, "unknown function 'pxtrace." + attr + "'", "pxtrace has: " + all);
          return std::nullopt;
        }
        v.kind = value_kind::pxtrace_function;
        v.name = attr;
        return v;
      case value_kind::pending_module:
        error(e.loc, "'" + base->name + "." + attr + "' cannot be used: module '" + base->name +
                         "' is not implemented in Wisp yet",
              "importing it works; remove the uses");
        return std::nullopt;
      case value_kind::dataframe:
        if (attr == "ctx") {
          v.kind = value_kind::metadata_context;
          v.node = base->node;
          return v;
        }
        if (implemented_methods.contains(attr) && attr != "agg") {
          v.kind = value_kind::method;
          v.name = attr;
          v.node = base->node;
          return v;
        }
        if (attr == "agg") {
          v.kind = value_kind::method;
          v.name = attr;
          v.node = base->node;
          v.receiver_grouped = true;  // df.agg(...) aggregates without groups
          return v;
        }
        if (pending_methods.contains(attr)) {
          error(e.loc, "'df." + attr + "' is not implemented in Wisp yet");
          return std::nullopt;
        }
        return value::of_expr(expression::column_ref(attr, e.loc), e.loc);
      case value_kind::grouped:
        if (attr == "agg") {
          v.kind = value_kind::method;
          v.name = attr;
          v.node = base->node;
          v.groups = base->groups;
          v.receiver_grouped = true;
          v.window_ns = base->window_ns;
          v.window_column = base->window_column;
          return v;
        }
        error(e.loc, "a grouped DataFrame has no attribute '" + attr + "'",
              "call .agg(...) on the result of groupby");
        return std::nullopt;
      case value_kind::windowed:
        if (attr == "agg" || attr == "groupby") {
          v.kind = value_kind::method;
          v.name = attr;
          v.node = base->node;
          v.receiver_grouped = attr == "agg";
          v.window_ns = base->window_ns;
          v.window_column = base->window_column;
          return v;
        }
        error(e.loc, "a rolling DataFrame has no attribute '" + attr + "'",
              "follow rolling(...) with .groupby(...).agg(...) or .agg(...)");
        return std::nullopt;
      default:
        error(e.loc, describe(*base) + " has no attribute '" + attr + "'");
        return std::nullopt;
    }
  }

  [[gnu::noinline]] opt_value subscript(const ast::expr& e) {
    auto base = eval(*e.children[0]);
    if (!base) return std::nullopt;
    auto index = eval(*e.children[1]);
    if (!index) return std::nullopt;
    if (base->kind == value_kind::metadata_context) return metadata(*index, e.loc);
    if (base->kind != value_kind::dataframe) {
      error(e.loc, describe(*base) + " cannot be indexed");
      return std::nullopt;
    }
    if (index->kind == value_kind::constant && index->constant.type == schemas::data_type::string)
      return value::of_expr(
          expression::column_ref(std::get<std::string>(index->constant.value), e.children[1]->loc),
          e.loc);
    if (index->kind == value_kind::list || index->kind == value_kind::tuple) {
      auto names = string_list(*index, "a projection");
      if (!names) return std::nullopt;
      map_op m;
      for (std::size_t i = 0; i < names->size(); ++i)
        m.exprs.push_back({(*names)[i], expression::column_ref((*names)[i], index->items[i].loc)});
      return value::of_dataframe(add_node(std::move(m), {base->node}, e.loc), e.loc);
    }
    if (index->kind == value_kind::column_expr) {
      filter_op f{std::move(index->expr)};
      return value::of_dataframe(add_node(std::move(f), {base->node}, e.loc), e.loc);
    }
    error(index->loc, "a DataFrame is indexed by a column name, a list of names or a condition, not " +
                          describe(*index));
    return std::nullopt;
  }

  // df.ctx['pod']: checked here, resolved against the DataFrame's columns by the types pass.
  opt_value metadata(const value& key, source_location loc) {
    if (key.kind != value_kind::constant || key.constant.type != schemas::data_type::string) {
      error(key.loc, "df.ctx is indexed by a metadata key string, not " + describe(key),
            "e.g. df.ctx['pod']");
      return std::nullopt;
    }
    const auto& text = std::get<std::string>(key.constant.value);
    auto canonical = canonical_metadata_key(text);
    if (!canonical) {
      error(key.loc, "unknown ctx key '" + text + "'", "keys: " + describe_metadata_keys());
      return std::nullopt;
    }
    // Located at the key, so a key that cannot be resolved later is reported there.
    return value::of_expr(expression::metadata(std::string{*canonical}, key.loc), loc);
  }

  std::optional<std::vector<std::string>> string_list(const value& v, std::string_view what) {
    std::vector<std::string> out;
    auto check = [&](const value& item) {
      if (item.kind != value_kind::constant || item.constant.type != schemas::data_type::string) {
        error(item.loc, std::string{what} + " takes column names (strings), not " + describe(item));
        return false;
      }
      out.push_back(std::get<std::string>(item.constant.value));
      return true;
    };
    if (v.kind == value_kind::list || v.kind == value_kind::tuple) {
      for (const auto& item : v.items)
        if (!check(item)) return std::nullopt;
    } else if (!check(v)) {
      return std::nullopt;
    }
    return out;
  }

  std::optional<expression> to_expression(const value& v) {
    if (v.kind == value_kind::column_expr) return v.expr;
    if (v.kind == value_kind::constant) return expression::constant(v.constant, v.loc);
    error(v.loc, "expected a column expression or a constant, not " + describe(v));
    return std::nullopt;
  }

  // Both constant: fold with the registry's own kernel so constants behave exactly like columns.
  [[gnu::noinline]] opt_value fold(std::string_view function, std::vector<scalar> args,
                                   source_location loc, std::string_view op_text) {
    std::vector<schemas::data_type> types;
    for (const auto& a : args) types.push_back(a.type);
    const udf_def* f = funcs_.find_udf(function, types);
    if (f == nullptr) {
      std::string msg = "unsupported operand type";
      msg += args.size() > 1 ? "s for '" : " for '";
      msg += std::string{op_text} + "': ";
      for (std::size_t i = 0; i < args.size(); ++i)
        msg += (i ? " and " : "") + std::string{schemas::to_string(args[i].type)};
      error(loc, msg, "accepted: " + funcs_.describe_overloads(function));
      return std::nullopt;
    }
    if (f->check != nullptr) {  // e.g. a literal regex or duration that does not parse
      std::vector<const scalar*> constants;
      for (const auto& a : args) constants.push_back(&a);
      if (auto problem = f->check(constants)) {
        error(loc, "px." + std::string{function} + ": " + problem->message);
        return std::nullopt;
      }
    }
    std::vector<kernel_arg> kargs;
    for (const auto& a : args) kargs.push_back({nullptr, &a});
    schemas::column out{f->result};
    f->kernel(kargs, 1, out);
    return value::of_constant(scalar_of(out), loc);
  }

  [[gnu::noinline]] opt_value binary(const ast::expr& e) {
    auto l = eval(*e.children[0]);
    if (!l) return std::nullopt;
    auto r = eval(*e.children[1]);
    if (!r) return std::nullopt;
    auto fn = function_of(e.bin_op);
    if (e.bin_op == ast::binary_op::modulo && l->kind == value_kind::constant &&
        l->constant.type == schemas::data_type::string) {
      error(e.loc, "string formatting with '%' is not supported in PxL",
            "concatenate strings with '+'");
      return std::nullopt;
    }
    if (l->kind == value_kind::constant && r->kind == value_kind::constant)
      return fold(fn, {l->constant, r->constant}, e.loc, ast::to_string(e.bin_op));
    bool l_ok = l->kind == value_kind::constant || l->kind == value_kind::column_expr;
    bool r_ok = r->kind == value_kind::constant || r->kind == value_kind::column_expr;
    if (!l_ok || !r_ok) {
      error(e.loc, "operator '" + std::string{ast::to_string(e.bin_op)} + "' is not defined for " +
                       describe(l_ok ? *r : *l));
      return std::nullopt;
    }
    std::vector<expression> args;
    args.push_back(*to_expression(*l));
    args.push_back(*to_expression(*r));
    auto v = value::of_expr(expression::call(std::string{fn}, std::move(args), e.loc), e.loc);
    if (!measure(v, {&*l, &*r})) return std::nullopt;
    return v;
  }

  [[gnu::noinline]] opt_value unary(const ast::expr& e) {
    auto v = eval(*e.children[0]);
    if (!v) return std::nullopt;
    if (e.un_op == ast::unary_op::plus) return v;
    std::string fn = e.un_op == ast::unary_op::negate ? "negate" : "logicalNot";
    if (v->kind == value_kind::constant) return fold(fn, {v->constant}, e.loc, ast::to_string(e.un_op));
    if (v->kind != value_kind::column_expr) {
      error(e.loc, "operator '" + std::string{ast::to_string(e.un_op)} + "' is not defined for " +
                       describe(*v));
      return std::nullopt;
    }
    std::vector<expression> args;
    args.push_back(v->expr);
    auto out = value::of_expr(expression::call(fn, std::move(args), e.loc), e.loc);
    if (!measure(out, {&*v})) return std::nullopt;
    return out;
  }

  // ---- calls ----

  // `dict_at`: the child index that may be a dict literal (px.script_reference's third argument).
  std::optional<call_args> eval_args(const ast::expr& e, std::size_t dict_at = 0) {
    call_args a;
    for (std::size_t i = 1; i < e.children.size(); ++i) {
      dict_allowed_ = i == dict_at;
      auto v = eval(*e.children[i]);
      if (!v) return std::nullopt;
      a.positional.push_back(std::move(*v));
    }
    for (const auto& kw : e.keywords) {
      auto v = eval(*kw.value);
      if (!v) return std::nullopt;
      if (a.keywords.contains(kw.name)) {
        error(kw.loc, "keyword argument '" + kw.name + "' repeated");
        return std::nullopt;
      }
      a.keywords.emplace(kw.name, std::move(*v));
      a.keyword_locs.emplace(kw.name, kw.loc);
    }
    return a;
  }

  // Binds positional and keyword arguments to parameter names; reports extra or unknown ones.
  std::optional<std::map<std::string, value>> bind(const call_args& a,
                                                   std::initializer_list<std::string_view> params,
                                                   std::string_view fn, source_location loc) {
    std::map<std::string, value> out;
    if (a.positional.size() > params.size()) {
      error(a.positional[params.size()].loc, std::string{fn} + " takes at most " +
                                                 std::to_string(params.size()) + " positional arguments");
      return std::nullopt;
    }
    auto it = params.begin();
    for (const auto& v : a.positional) out.emplace(std::string{*it++}, v);
    for (const auto& [name, v] : a.keywords) {
      if (std::find(params.begin(), params.end(), name) == params.end()) {
        std::string expected;
        for (auto p : params) expected += (expected.empty() ? "" : ", ") + std::string{p};
        error(a.keyword_locs.at(name),
              std::string{fn} + " got an unexpected keyword argument '" + name + "'",
              "it takes: " + expected);
        return std::nullopt;
      }
      if (out.contains(name)) {
        error(a.keyword_locs.at(name), std::string{fn} + " got multiple values for '" + name + "'");
        return std::nullopt;
      }
      out.emplace(name, v);
    }
    (void)loc;
    return out;
  }

  [[gnu::noinline]] opt_value call(const ast::expr& e) {
    auto callee = eval(*e.children[0]);
    if (!callee) return std::nullopt;
    constexpr std::size_t script_reference_args_child = 3;
    bool script_reference = callee->kind == value_kind::px_function && callee->name == "script_reference";
    bool label_selector = callee->kind == value_kind::pxtrace_function && callee->name == "LabelSelector";
    auto args = eval_args(e, script_reference ? script_reference_args_child : label_selector ? 1 : 0);
    if (!args) return std::nullopt;
    if (callee->kind == value_kind::px_function) return px_call(callee->name, *args, e.loc);
    if (callee->kind == value_kind::method) return method_call(*callee, *args, e.loc);
    if (callee->kind == value_kind::user_function) return call_function(*callee, *args, e.loc);
    if (callee->kind == value_kind::pxtrace_function) return pxtrace_call(callee->name, *args, e.loc);
    error(e.loc, describe(*callee) + " is not callable");
    return std::nullopt;
  }

  [[gnu::noinline]] opt_value px_call(const std::string& name, const call_args& a,
                                      source_location loc) {
    if (name == "DataFrame") return dataframe(a, loc);
    if (name == "display") return display(a, loc, false);
    if (name == "debug") return display(a, loc, true);
    if (name == "equals_any") return equals_any(a, loc);
    if (name == "script_reference") return script_reference(a, loc);
    if (name == "parse_time" && a.keywords.empty() && a.positional.size() == 1) {
      // Relative times ('-5m') are relative to the compile clock, which only the compiler knows.
      const value& v = a.positional[0];
      if (v.kind == value_kind::constant && v.constant.type == schemas::data_type::string) {
        const auto& text = std::get<std::string>(v.constant.value);
        if (!parse_absolute_time(text))
          if (auto d = parse_relative_duration(text)) return value::of_constant(scalar::of_time(opts_.now_ns + *d), loc);
      }
    }
    if (const udtf_def* udtf = find_udtf(name)) return udtf_call(*udtf, a, loc);
    if (name == "now") {
      if (!a.positional.empty() || !a.keywords.empty()) {
        error(loc, "px.now() takes no arguments");
        return std::nullopt;
      }
      return value::of_constant(scalar::of_time(opts_.now_ns), loc);
    }
    if (!funcs_.has_udf(name)) {
      error(loc, "px." + name + " is an aggregate function and cannot be called directly",
            "use it in .agg(out=('column', px." + name + "))");
      return std::nullopt;
    }
    if (!a.keywords.empty()) {
      error(a.keyword_locs.begin()->second, "px." + name + " takes no keyword arguments");
      return std::nullopt;
    }
    std::vector<expression> exprs;
    bool all_constant = true;
    std::vector<scalar> constants;
    for (const auto& v : a.positional) {
      auto x = to_expression(v);
      if (!x) return std::nullopt;
      all_constant = all_constant && v.kind == value_kind::constant;
      if (v.kind == value_kind::constant) constants.push_back(v.constant);
      exprs.push_back(std::move(*x));
    }
    if (all_constant && !funcs_.is_node_local(name)) return fold(name, std::move(constants), loc, "px." + name);
    auto v = value::of_expr(expression::call(name, std::move(exprs), loc), loc);
    if (!measure(v, a.positional)) return std::nullopt;
    return v;
  }

  std::optional<std::optional<std::int64_t>> time_arg(const std::map<std::string, value>& b,
                                                      const std::string& key) {
    auto it = b.find(key);
    if (it == b.end() || it->second.kind == value_kind::none) return std::optional<std::int64_t>{};
    const value& v = it->second;
    if (v.kind == value_kind::constant) {
      if (v.constant.type == schemas::data_type::int64 || v.constant.type == schemas::data_type::time64ns)
        return std::optional<std::int64_t>{std::get<std::int64_t>(v.constant.value)};
      if (v.constant.type == schemas::data_type::string) {
        const auto& text = std::get<std::string>(v.constant.value);
        if (auto d = parse_relative_duration(text))
          return std::optional<std::int64_t>{opts_.now_ns + *d};
        error(v.loc, "cannot parse " + key + " '" + text + "'",
              "use a relative time such as '-5m' (units ms, s, m, h, d) or nanoseconds since the "
              "epoch");
        return std::nullopt;
      }
    }
    error(v.loc, key + " must be a time string or an integer, not " + describe(v));
    return std::nullopt;
  }

  opt_value dataframe(const call_args& a, source_location loc) {
    auto b = bind(a, {"table", "select", "start_time", "end_time"}, "px.DataFrame", loc);
    if (!b) return std::nullopt;
    auto table = b->find("table");
    if (table == b->end()) {
      error(loc, "px.DataFrame needs a table name", "px.DataFrame(table='http_events')");
      return std::nullopt;
    }
    if (table->second.kind != value_kind::constant ||
        table->second.constant.type != schemas::data_type::string) {
      error(table->second.loc, "the table name must be a string, not " + describe(table->second));
      return std::nullopt;
    }
    memory_source_op src;
    src.table = std::get<std::string>(table->second.constant.value);
    if (auto sel = b->find("select"); sel != b->end()) {
      auto names = string_list(sel->second, "select");
      if (!names) return std::nullopt;
      src.columns = std::move(*names);
    }
    auto start = time_arg(*b, "start_time");
    if (!start) return std::nullopt;
    auto end = time_arg(*b, "end_time");
    if (!end) return std::nullopt;
    src.start_ns = *start;
    src.end_ns = *end;
    return value::of_dataframe(add_node(std::move(src), {}, table->second.loc), loc);
  }

  static std::string udtf_names() {
    std::string s;
    for (const auto& u : builtin_udtfs()) s += (s.empty() ? "px." : ", px.") + u.name;
    return s;
  }

  static std::string udtf_signature(const udtf_def& u) {
    std::string s = "px." + u.name + "(";
    for (std::size_t i = 0; i < u.args.size(); ++i) {
      s += (i ? ", " : "") + u.args[i].name;
      if (u.args[i].default_value) s += "=" + to_string(*u.args[i].default_value);
    }
    return s + ")";
  }

  // px.GetSchemas(), px.GetAgentStatus(include_kelvin=False), ...: a DataFrame over a table
  // function. Arguments bind like Python's and must be constants of the declared types.
  opt_value udtf_call(const udtf_def& u, const call_args& a, source_location loc) {
    const std::string fn = "px." + u.name;
    if (a.positional.size() > u.args.size()) {
      error(a.positional[u.args.size()].loc,
            fn + " takes " + (u.args.empty() ? std::string{"no"} : "at most " + std::to_string(u.args.size())) +
                " arguments",
            udtf_signature(u));
      return std::nullopt;
    }
    std::vector<std::optional<value>> bound(u.args.size());
    for (std::size_t i = 0; i < a.positional.size(); ++i) bound[i] = a.positional[i];
    for (const auto& [kw, v] : a.keywords) {
      auto it = std::find_if(u.args.begin(), u.args.end(), [&](const udtf_arg& x) { return x.name == kw; });
      if (it == u.args.end()) {
        error(a.keyword_locs.at(kw), fn + " got an unexpected keyword argument '" + kw + "'", udtf_signature(u));
        return std::nullopt;
      }
      auto& slot = bound[static_cast<std::size_t>(it - u.args.begin())];
      if (slot) {
        error(a.keyword_locs.at(kw), fn + " got multiple values for '" + kw + "'");
        return std::nullopt;
      }
      slot = v;
    }
    udtf_source_op op;
    op.name = u.name;
    for (std::size_t i = 0; i < u.args.size(); ++i) {
      const udtf_arg& decl = u.args[i];
      if (!bound[i]) {
        if (!decl.default_value) {
          error(loc, fn + " needs the argument '" + decl.name + "'", udtf_signature(u));
          return std::nullopt;
        }
        op.args.push_back(*decl.default_value);
        continue;
      }
      const value& v = *bound[i];
      if (v.kind != value_kind::constant || v.constant.type != decl.type) {
        error(v.loc, "argument '" + decl.name + "' of " + fn + " must be a constant " +
                         std::string{schemas::to_string(decl.type)} + ", not " + describe(v),
              udtf_signature(u));
        return std::nullopt;
      }
      op.args.push_back(v.constant);
    }
    return value::of_dataframe(add_node(std::move(op), {}, loc), loc);
  }

  // px.display(df, name) and px.debug(df, name) (facts §2.6): debug tables get a leading '_',
  // and in function mode only px.debug makes a table.
  opt_value display(const call_args& a, source_location loc, bool debug) {
    const std::string fn = debug ? "px.debug" : "px.display";
    auto b = bind(a, {"out", "name", "cols"}, fn, loc);
    if (!b) return std::nullopt;
    auto df = b->find("out");
    if (df == b->end() || df->second.kind != value_kind::dataframe) {
      error(df == b->end() ? loc : df->second.loc,
            fn + " needs a DataFrame to " + (debug ? "output" : "display") +
                (df == b->end() ? std::string{} : ", not " + describe(df->second)));
      return std::nullopt;
    }
    if (b->contains("cols")) {
      error(b->at("cols").loc, fn + "(cols=...) is not implemented in Wisp yet");
      return std::nullopt;
    }
    std::string name{default_display_name};
    if (auto n = b->find("name"); n != b->end()) {
      if (n->second.kind != value_kind::constant ||
          n->second.constant.type != schemas::data_type::string) {
        error(n->second.loc, "the " + std::string{debug ? "debug" : "display"} +
                                 " name must be a string, not " + describe(n->second));
        return std::nullopt;
      }
      name = std::get<std::string>(n->second.constant.value);
    }
    // Function mode: the vis spec's functions make the tables, px.display none (facts §2.6).
    if (debug)
      add_sink(df->second.node, "_" + name, loc);
    else if (mode_ == nullptr)
      add_sink(df->second.node, std::move(name), loc);
    value none;
    none.loc = loc;
    return none;
  }

  // Applies a two-argument function to constants or column expressions: folds constants.
  opt_value apply2(std::string_view fn, const value& l, const value& r, source_location loc,
                   std::string_view op_text) {
    if (l.kind == value_kind::constant && r.kind == value_kind::constant)
      return fold(fn, {l.constant, r.constant}, loc, op_text);
    auto le = to_expression(l);
    if (!le) return std::nullopt;
    auto re = to_expression(r);
    if (!re) return std::nullopt;
    std::vector<expression> args;
    args.push_back(std::move(*le));
    args.push_back(std::move(*re));
    auto v = value::of_expr(expression::call(std::string{fn}, std::move(args), loc), loc);
    if (!measure(v, {&l, &r})) return std::nullopt;
    return v;
  }

  // px.equals_any(value, [a, b, ...]): value == a or value == b or ...; false for [].
  opt_value equals_any(const call_args& a, source_location loc) {
    auto b = bind(a, {"value", "values"}, "px.equals_any", loc);
    if (!b) return std::nullopt;
    if (!b->contains("value") || !b->contains("values")) {
      error(loc, "px.equals_any needs a value and a list of values", "px.equals_any(df.req_method, ['GET', 'HEAD'])");
      return std::nullopt;
    }
    const value& x = b->at("value");
    const value& list = b->at("values");
    if (list.kind != value_kind::list && list.kind != value_kind::tuple) {
      error(list.loc, "the second argument of px.equals_any must be a list of values, not " + describe(list),
            "px.equals_any(df.req_method, ['GET', 'HEAD'])");
      return std::nullopt;
    }
    if (x.kind != value_kind::constant && x.kind != value_kind::column_expr) {
      error(x.loc, "px.equals_any compares a column expression or a constant, not " + describe(x));
      return std::nullopt;
    }
    opt_value out = value::of_constant(scalar::of_bool(false), loc);
    for (std::size_t i = 0; i < list.items.size(); ++i) {
      const value& item = list.items[i];
      if (item.kind != value_kind::constant && item.kind != value_kind::column_expr) {
        error(item.loc, "px.equals_any compares with constants or column expressions, not " + describe(item));
        return std::nullopt;
      }
      auto eq = apply2("equal", x, item, item.loc, "px.equals_any");
      if (!eq) return std::nullopt;
      out = i == 0 ? eq : apply2("logicalOr", *out, *eq, loc, "px.equals_any");
      if (!out) return std::nullopt;
    }
    return out;
  }

  // px.script_reference(label, script, {'arg': value, ...}) -> _script_reference(label, script,
  // 'arg', value, ...) (facts §2.7, §7). The flat form is accepted as is.
  opt_value script_reference(const call_args& a, source_location loc) {
    constexpr std::size_t max_pairs = 16;  // as registered in udf_json.cpp
    if (!a.keywords.empty()) {
      error(a.keyword_locs.begin()->second, "px.script_reference takes no keyword arguments",
            "px.script_reference(label, script, {'arg': value, ...})");
      return std::nullopt;
    }
    if (a.positional.size() < 2) {
      error(loc, "px.script_reference needs a label and a script",
            "px.script_reference(label, script, {'arg': value, ...})");
      return std::nullopt;
    }
    call_args flat;
    flat.positional = {a.positional[0], a.positional[1]};
    if (a.positional.size() == 3) {
      const value& args = a.positional[2];
      if (args.kind != value_kind::dict) {
        error(args.loc, "the third argument of px.script_reference must be a dict {'arg': value, ...}, not " +
                            describe(args));
        return std::nullopt;
      }
      if (args.items.size() / 2 > max_pairs) {
        error(args.loc, "px.script_reference takes at most " + std::to_string(max_pairs) + " arguments");
        return std::nullopt;
      }
      for (std::size_t i = 0; i < args.items.size(); i += 2) {
        const value& key = args.items[i];
        if (key.constant.type != schemas::data_type::string) {
          error(key.loc, "a script argument name must be a string, not " + describe(key));
          return std::nullopt;
        }
        flat.positional.push_back(key);
        flat.positional.push_back(args.items[i + 1]);
      }
    } else {
      for (std::size_t i = 2; i < a.positional.size(); ++i) flat.positional.push_back(a.positional[i]);
    }
    for (const auto& v : flat.positional)
      if (v.kind != value_kind::constant && v.kind != value_kind::column_expr) {
        error(v.loc, "px.script_reference takes strings or string columns, not " + describe(v));
        return std::nullopt;
      }
    return px_call("_script_reference", flat, loc);
  }

  // A result table; a name used before gets a _1, _2, ... suffix.
  void add_sink(node_id node, std::string name, source_location loc) {
    int& uses = sink_names_[name];
    if (uses > 0) name += "_" + std::to_string(uses);
    ++uses;
    auto limit = add_node(limit_op{opts_.max_output_rows_per_table, name}, {node}, loc);
    add_node(result_sink_op{std::move(name)}, {limit}, loc);
  }

  // ---- pxtrace (facts §2.8): tracepoint values and the mutations they make ----

  std::vector<trace_target> trace_targets_;
  std::vector<trace_program> trace_programs_;

  static const std::string* string_constant(const value& v) {
    if (v.kind != value_kind::constant || v.constant.type != schemas::data_type::string) return nullptr;
    return &std::get<std::string>(v.constant.value);
  }

  // The string argument `key` of a bound call; `required` reports its absence.
  std::optional<std::string> string_param(const std::map<std::string, value>& b, const std::string& key,
                                          const std::string& fn, source_location loc, bool required) {
    auto it = b.find(key);
    if (it == b.end()) {
      if (required) error(loc, fn + " needs the argument '" + key + "'");
      return required ? std::nullopt : std::optional<std::string>{""};
    }
    const std::string* s = string_constant(it->second);
    if (s == nullptr) {
      error(it->second.loc, fn + ": '" + key + "' must be a string, not " + describe(it->second));
      return std::nullopt;
    }
    return *s;
  }

  value trace_object(std::string kind, source_location loc) {
    value v;
    v.kind = value_kind::trace_object;
    v.name = std::move(kind);
    v.loc = loc;
    return v;
  }

  opt_value target_value(trace_target t, source_location loc) {
    value v = trace_object("target", loc);
    v.function = trace_targets_.size();
    trace_targets_.push_back(std::move(t));
    return v;
  }

  [[gnu::noinline]] opt_value pxtrace_call(const std::string& name, const call_args& a, source_location loc) {
    const std::string fn = "pxtrace." + name;
    using k = trace_target::kind;
    if (name == "probe" || name == "ArgExpr" || name == "RetExpr") {
      auto b = bind(a, {name == "probe" ? "fn_name" : "expr"}, fn, loc);
      if (!b) return std::nullopt;
      auto text = string_param(*b, name == "probe" ? "fn_name" : "expr", fn, loc, true);
      if (!text) return std::nullopt;
      if (text->empty()) {
        error(loc, fn + " needs a non-empty " + (name == "probe" ? "symbol" : "expression"));
        return std::nullopt;
      }
      if (name == "RetExpr" && (text->size() < 2 || (*text)[0] != '$' ||
                                !std::isdigit(static_cast<unsigned char>((*text)[1])))) {
        error(b->at("expr").loc, "pxtrace.RetExpr takes '$N' or '$N.member': $0 is the first result",
              "for example pxtrace.RetExpr('$0.Units')");
        return std::nullopt;
      }
      value v = trace_object(name, loc);
      v.constant = scalar::of_string(*text);
      return v;
    }
    if (name == "FunctionLatency" || name == "kprobe") {
      if (!a.positional.empty() || !a.keywords.empty()) {
        error(loc, fn + "() takes no arguments");
        return std::nullopt;
      }
      if (name == "kprobe") return target_value({}, loc);
      return trace_object(name, loc);
    }
    if (name == "Process") {
      auto b = bind(a, {"pid", "exe"}, fn, loc);
      if (!b) return std::nullopt;
      trace_target t;
      auto pid = b->find("pid");
      auto exe = b->find("exe");
      if ((pid == b->end()) == (exe == b->end())) {
        error(loc, "pxtrace.Process takes exactly one of pid=N and exe='/path/to/binary'");
        return std::nullopt;
      }
      if (pid != b->end()) {
        if (pid->second.kind != value_kind::constant || pid->second.constant.type != schemas::data_type::int64 ||
            std::get<std::int64_t>(pid->second.constant.value) <= 0) {
          error(pid->second.loc, "pxtrace.Process: pid must be a positive integer");
          return std::nullopt;
        }
        t.what = k::process_pid;
        t.pid = std::get<std::int64_t>(pid->second.constant.value);
      } else {
        auto path = string_param(*b, "exe", fn, loc, true);
        if (!path) return std::nullopt;
        if (path->empty() || (*path)[0] != '/') {
          error(exe->second.loc, "pxtrace.Process: exe must be an absolute path, not '" + *path + "'");
          return std::nullopt;
        }
        t.what = k::process_exe;
        t.exe = *path;
      }
      return target_value(std::move(t), loc);
    }
    if (name == "PodProcess" || name == "LabelSelector") {
      const bool pod = name == "PodProcess";
      auto b = pod ? bind(a, {"pod_name", "container_name", "process_name"}, fn, loc)
                   : bind(a, {"labels", "namespace", "container_name", "process_name"}, fn, loc);
      if (!b) return std::nullopt;
      trace_target t;
      t.what = pod ? k::pod_process : k::label_selector;
      auto container = string_param(*b, "container_name", fn, loc, false);
      auto process = string_param(*b, "process_name", fn, loc, false);
      if (!container || !process) return std::nullopt;
      t.container = *container;
      t.process = *process;
      if (pod) {
        auto p = string_param(*b, "pod_name", fn, loc, true);
        if (!p) return std::nullopt;
        t.pod = *p;
      } else {
        auto ns = string_param(*b, "namespace", fn, loc, true);
        if (!ns) return std::nullopt;
        t.namespace_name = *ns;
        auto labels = b->find("labels");
        if (labels == b->end() || labels->second.kind != value_kind::dict) {
          error(loc, "pxtrace.LabelSelector needs labels as a dict {'name': 'value'}");
          return std::nullopt;
        }
        for (std::size_t i = 0; i + 1 < labels->second.items.size(); i += 2) {
          const std::string* key = string_constant(labels->second.items[i]);
          const std::string* val = string_constant(labels->second.items[i + 1]);
          if (!key || !val) {
            error(labels->second.loc, "pxtrace.LabelSelector: labels must map strings to strings");
            return std::nullopt;
          }
          t.labels.emplace_back(*key, *val);
        }
      }
      return target_value(std::move(t), loc);
    }
    if (name == "SharedObject") {
      auto b = bind(a, {"name", "upid"}, fn, loc);
      if (!b) return std::nullopt;
      auto lib = string_param(*b, "name", fn, loc, true);
      if (!lib) return std::nullopt;
      auto upid = b->find("upid");
      if (upid == b->end() || upid->second.kind != value_kind::constant ||
          upid->second.constant.type != schemas::data_type::uint128) {
        error(loc, "pxtrace.SharedObject needs the process's upid (px.uint128('...'))");
        return std::nullopt;
      }
      trace_target t;
      t.what = k::shared_object;
      t.shared_object = *lib;
      t.upid = std::get<schemas::uint128>(upid->second.constant.value);
      return target_value(std::move(t), loc);
    }
    if (name == "TraceProgram") {
      if (a.positional.size() != 1 || string_constant(a.positional[0]) == nullptr) {
        error(loc, "pxtrace.TraceProgram takes the bpftrace program text, then selectors",
              "TraceProgram(program, min_kernel='5.19', max_kernel='6.1', host_name='node-1')");
        return std::nullopt;
      }
      trace_program p;
      p.text = *string_constant(a.positional[0]);
      for (const auto& [key, v] : a.keywords) {
        const std::string* s = string_constant(v);
        if (s == nullptr || s->empty()) {
          error(a.keyword_locs.at(key), "pxtrace.TraceProgram: selector '" + key + "' needs a non-empty string");
          return std::nullopt;
        }
        if (key == "min_kernel") p.min_kernel = *s;
        else if (key == "max_kernel") p.max_kernel = *s;
        else if (key == "host_name") p.host_name = *s;
        else {
          error(a.keyword_locs.at(key), "pxtrace.TraceProgram has no selector '" + key + "'",
                "the selectors are min_kernel, max_kernel and host_name");
          return std::nullopt;
        }
      }
      value v = trace_object("TraceProgram", loc);
      v.function = trace_programs_.size();
      trace_programs_.push_back(std::move(p));
      return v;
    }
    if (name == "DeleteTracepoint") {
      auto b = bind(a, {"name"}, fn, loc);
      if (!b) return std::nullopt;
      auto n = string_param(*b, "name", fn, loc, true);
      if (!n) return std::nullopt;
      tracepoint_mutation m;
      m.what = tracepoint_mutation::kind::remove;
      m.name = *n;
      m.loc = loc;
      plan_.mutations.push_back(std::move(m));
      value none;
      none.loc = loc;
      return none;
    }
    return upsert_tracepoint(a, loc);  // the only pxtrace function left
  }

  opt_value upsert_tracepoint(const call_args& a, source_location loc) {
    const std::string fn = "pxtrace.UpsertTracepoint";
    auto b = bind(a, {"name", "table_name", "probe_fn", "target", "ttl"}, fn, loc);
    if (!b) return std::nullopt;
    tracepoint_mutation m;
    m.loc = loc;
    auto name = string_param(*b, "name", fn, loc, true);
    auto table = name ? string_param(*b, "table_name", fn, loc, true) : std::nullopt;
    auto ttl = table ? string_param(*b, "ttl", fn, loc, true) : std::nullopt;
    if (!ttl) return std::nullopt;
    if (name->empty() || table->empty()) {
      error(loc, fn + ": the tracepoint and table names must not be empty");
      return std::nullopt;
    }
    m.name = *name;
    m.table = *table;
    if (auto ns = parse_ttl(*ttl)) {
      m.ttl_ns = *ns;
    } else {
      error(b->at("ttl").loc, fn + ": cannot parse the TTL '" + *ttl + "'",
            "a duration such as '30s', '10m' or '1h30m' (units ns, us, ms, s, m, h)");
      return std::nullopt;
    }
    auto target = b->find("target");
    if (target == b->end()) {
      error(loc, fn + " needs the argument 'target'");
      return std::nullopt;
    }
    if (target->second.kind == value_kind::constant && target->second.constant.type == schemas::data_type::uint128) {
      m.target.what = trace_target::kind::upid;
      m.target.upid = std::get<schemas::uint128>(target->second.constant.value);
    } else if (target->second.kind == value_kind::trace_object && target->second.name == "target") {
      m.target = trace_targets_.at(target->second.function);
    } else {
      error(target->second.loc, fn + ": the target must be pxtrace.Process, PodProcess, LabelSelector, "
                                     "SharedObject, kprobe() or a UPID, not " + describe(target->second));
      return std::nullopt;
    }
    auto probe = b->find("probe_fn");
    if (probe == b->end()) {
      error(loc, fn + " needs the argument 'probe_fn'");
      return std::nullopt;
    }
    if (!tracepoint_definition(probe->second, m)) return std::nullopt;
    if (!m.symbol.empty() && m.target.what == trace_target::kind::kernel) {
      error(target->second.loc, fn + ": a probe function traces processes; pxtrace.kprobe() is for bpftrace programs");
      return std::nullopt;
    }
    plan_.mutations.push_back(std::move(m));
    value none;
    none.loc = loc;
    return none;
  }

  // probe_fn: a @pxtrace.probe function, a bpftrace program, a TraceProgram or a list of them.
  bool tracepoint_definition(const value& p, tracepoint_mutation& m) {
    const std::string fn = "pxtrace.UpsertTracepoint";
    if (const std::string* text = string_constant(p)) {
      m.programs.push_back({*text, "", "", ""});
      return true;
    }
    if (p.kind == value_kind::trace_object && p.name == "TraceProgram") {
      m.programs.push_back(trace_programs_.at(p.function));
      return true;
    }
    if (p.kind == value_kind::list) {
      for (const auto& item : p.items) {
        if (item.kind != value_kind::trace_object || item.name != "TraceProgram") {
          error(item.loc, fn + ": a list of programs holds pxtrace.TraceProgram values, not " + describe(item));
          return false;
        }
        m.programs.push_back(trace_programs_.at(item.function));
      }
      if (m.programs.empty()) {
        error(p.loc, fn + ": the list of programs is empty");
        return false;
      }
      return true;
    }
    if (p.kind != value_kind::user_function || !functions_[p.function].probe_symbol) {
      error(p.loc, fn + ": probe_fn must be a @pxtrace.probe function, a bpftrace program or "
                        "pxtrace.TraceProgram values, not " + describe(p));
      return false;
    }
    m.symbol = *functions_[p.function].probe_symbol;
    ++probe_bodies_;
    auto outputs = call_function(p, call_args{}, p.loc);
    --probe_bodies_;
    if (!outputs) return false;
    if (outputs->kind != value_kind::list || outputs->items.empty()) {
      error(p.loc, "the probe function must return a non-empty list of dicts {'column': pxtrace value}");
      return false;
    }
    std::set<std::string, std::less<>> seen;
    for (const auto& d : outputs->items) {
      if (d.kind != value_kind::dict) {
        error(d.loc, "the probe function must return a list of dicts, not a list holding " + describe(d));
        return false;
      }
      for (std::size_t i = 0; i + 1 < d.items.size(); i += 2) {
        const std::string* column = string_constant(d.items[i]);
        const value& v = d.items[i + 1];
        if (column == nullptr || column->empty()) {
          error(d.items[i].loc, "a probe output's column name must be a non-empty string");
          return false;
        }
        if (!seen.insert(*column).second) {
          error(d.items[i].loc, "the probe outputs column '" + *column + "' twice");
          return false;
        }
        trace_output o;
        o.column = *column;
        o.loc = v.loc;
        if (v.kind == value_kind::trace_object && v.name == "ArgExpr") o.what = trace_output::kind::arg;
        else if (v.kind == value_kind::trace_object && v.name == "RetExpr") o.what = trace_output::kind::ret;
        else if (v.kind == value_kind::trace_object && v.name == "FunctionLatency") o.what = trace_output::kind::latency;
        else {
          error(v.loc, "column '" + *column + "' must be pxtrace.ArgExpr, RetExpr or FunctionLatency, not " + describe(v));
          return false;
        }
        if (o.what != trace_output::kind::latency) o.expr = std::get<std::string>(v.constant.value);
        m.outputs.push_back(std::move(o));
      }
    }
    return true;
  }

  // ---- function mode (facts §2.6) ----

  void vis_error(source_location loc, std::string msg, std::string hint = {}) {
    diags_.error_in(opts_.vis_file, loc, std::move(msg), std::move(hint));
  }

  void run_functions() {
    for (const auto& call : mode_->spec.calls) run_function(call);
  }

  void run_function(const vis_call& call) {
    const vis_func& vf = call.func;
    const auto& script_names = modules_[script_module].globals;
    auto it = script_names.find(vf.name);
    if (it == script_names.end() || it->second.kind != value_kind::user_function) {
      std::vector<std::string> defined;
      for (const auto& f : functions_) defined.push_back(f.def->name);
      vis_error(vf.loc,
                it == script_names.end() ? "function '" + vf.name + "' is not defined in the script"
                                 : "'" + vf.name + "' is " + describe(it->second) + ", not a function of the script",
                defined.empty() ? "the script defines no functions (def name(...): ...)"
                                : "the script's functions are: " + join(defined));
      return;
    }
    const value fn = it->second;
    const user_function& f = functions_[fn.function];
    const ast::stmt& def = *f.def;
    const std::string fname = def.name + "()";
    call_args args;
    for (const auto& a : vf.args) {
      auto p = std::find_if(def.params.begin(), def.params.end(), [&](const auto& x) { return x.name == a.name; });
      if (p == def.params.end()) {
        std::vector<std::string> names;
        for (const auto& x : def.params) names.push_back(x.name);
        vis_error(a.loc, fname + " has no parameter '" + a.name + "'",
                  names.empty() ? fname + " takes no arguments" : "its parameters are: " + join(names));
        return;
      }
      if (args.keywords.contains(a.name)) {
        vis_error(a.loc, "argument '" + a.name + "' of " + fname + " is given twice");
        return;
      }
      const auto index = static_cast<std::size_t>(p - def.params.begin());
      const std::string& text = a.variable ? mode_->variables.at(*a.variable) : a.value;
      const std::string origin = a.variable ? "script argument --" + *a.variable : "value in " + opts_.vis_file;
      auto v = convert_argument(f, index, text, origin);
      if (!v) return;
      args.keywords.emplace(a.name, std::move(*v));
      args.keyword_locs.emplace(a.name, p->loc);
    }
    for (std::size_t i = 0; i < def.params.size(); ++i)
      if (!args.keywords.contains(def.params[i].name) && !f.defaults[i]) {
        vis_error(vf.loc, opts_.vis_file + " calls " + fname + " without its argument '" + def.params[i].name + "'",
                  "add {\"name\": \"" + def.params[i].name + "\", \"variable\": ...} to the func's args");
        return;
      }
    auto result = call_function(fn, args, def.loc);
    if (!result) return;
    if (result->kind == value_kind::dataframe) {
      add_sink(result->node, call.output, def.loc);
      return;
    }
    bool all_frames = (result->kind == value_kind::list || result->kind == value_kind::tuple) &&
                      !result->items.empty();
    for (const auto& item : result->items) all_frames = all_frames && item.kind == value_kind::dataframe;
    if (!all_frames) {
      vis_error(vf.loc, fname + " returned " + describe(*result) +
                            ", but a function run by the vis spec must return a DataFrame or a list of them");
      return;
    }
    for (std::size_t i = 0; i < result->items.size(); ++i)
      add_sink(result->items[i].node, call.output + "[" + std::to_string(i) + "]", def.loc);
  }

  // Function mode passes every argument as text; the parameter's annotation says what it is.
  opt_value convert_argument(const user_function& f, std::size_t index, const std::string& text,
                             const std::string& origin) {
    const ast::parameter& p = f.def->params[index];
    const std::string& type = f.annotations[index];
    const ast::expr* start = p.annotation.get();  // `px.Time`: report at `px`
    while (start != nullptr && start->kind == expr_kind::attribute) start = start->children[0].get();
    const source_location loc = start ? start->loc : p.loc;
    const std::string what = "argument '" + p.name + "' of " + f.def->name + "() (" + origin + ")";
    auto bad = [&](std::string want, std::string hint = {}) -> opt_value {
      error(loc, what + " is '" + text + "', not " + want, std::move(hint));
      return std::nullopt;
    };
    auto whole_int = [&]() -> std::optional<std::int64_t> {
      std::int64_t v = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
      return v;
    };
    if (type.empty()) {
      error(p.loc, "parameter '" + p.name + "' of " + f.def->name +
                       "() needs a type annotation: the vis spec passes it text, converted by the annotation",
            "e.g. def " + f.def->name + "(" + p.name + ": str)");
      return std::nullopt;
    }
    if (type == "str" || type == "px.Pod" || type == "px.Service" || type == "px.Namespace" ||
        type == "px.Node" || type == "px.Container" || type == "px.UPID")
      return value::of_constant(scalar::of_string(text), loc);
    if (type == "int" || type == "px.Bytes") {
      if (auto v = whole_int()) return value::of_constant(scalar::of_int(*v), loc);
      return bad("an integer");
    }
    if (type == "float" || type == "px.Percent") {
      double d = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
      if (ec == std::errc{} && ptr == text.data() + text.size() && !text.empty())
        return value::of_constant(scalar::of_float(d), loc);
      return bad("a number");
    }
    if (type == "bool") {
      std::string lower;
      for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "true") return value::of_constant(scalar::of_bool(true), loc);
      if (lower == "false") return value::of_constant(scalar::of_bool(false), loc);
      return bad("true or false");
    }
    if (type == "px.DurationNanos") {
      if (auto v = whole_int()) return value::of_constant(scalar::of_int(*v), loc);
      if (auto d = parse_relative_duration(text)) return value::of_constant(scalar::of_int(*d), loc);
      return bad("a duration", "nanoseconds, or a duration such as '5m' (units ms, s, m, h, d)");
    }
    if (type == "px.Time") {
      if (auto v = whole_int()) return value::of_constant(scalar::of_time(*v), loc);
      if (auto t = parse_absolute_time(text)) return value::of_constant(scalar::of_time(*t), loc);
      if (auto d = parse_relative_duration(text)) return value::of_constant(scalar::of_time(opts_.now_ns + *d), loc);
      return bad("a time", "a relative time such as '-5m', 'YYYY-MM-DD HH:MM:SS +0000', or nanoseconds since the epoch");
    }
    error(loc, what + ": a " + type + " parameter cannot take an argument from the vis spec",
          "annotate it str, int, float, bool or a px scalar type such as px.Time");
    return std::nullopt;
  }

  [[gnu::noinline]] opt_value method_call(const value& m, const call_args& a, source_location loc) {
    if (m.name == "head") {
      auto b = bind(a, {"n"}, "head", loc);
      if (!b) return std::nullopt;
      std::int64_t n = default_head_rows;
      if (auto it = b->find("n"); it != b->end()) {
        if (it->second.kind != value_kind::constant ||
            it->second.constant.type != schemas::data_type::int64 ||
            std::get<std::int64_t>(it->second.constant.value) < 0) {
          error(it->second.loc, "head(n) needs a non-negative integer");
          return std::nullopt;
        }
        n = std::get<std::int64_t>(it->second.constant.value);
      }
      return value::of_dataframe(add_node(limit_op{n, {}}, {m.node}, loc), loc);
    }
    if (m.name == "drop") {
      auto b = bind(a, {"columns"}, "drop", loc);
      if (!b) return std::nullopt;
      auto it = b->find("columns");
      if (it == b->end()) {
        error(loc, "drop needs the columns to drop");
        return std::nullopt;
      }
      auto names = string_list(it->second, "drop");
      if (!names) return std::nullopt;
      map_op op;
      op.drop_columns = std::move(*names);
      return value::of_dataframe(add_node(std::move(op), {m.node}, loc), loc);
    }
    if (m.name == "groupby") {
      auto b = bind(a, {"by"}, "groupby", loc);
      if (!b) return std::nullopt;
      auto it = b->find("by");
      if (it == b->end()) {
        error(loc, "groupby needs the columns to group by");
        return std::nullopt;
      }
      auto names = string_list(it->second, "groupby");
      if (!names) return std::nullopt;
      value g;
      g.kind = value_kind::grouped;
      g.node = m.node;
      g.groups = std::move(*names);
      g.window_ns = m.window_ns;
      g.window_column = m.window_column;
      g.loc = loc;
      return g;
    }
    if (m.name == "filter") {
      auto b = bind(a, {"expr"}, "filter", loc);
      if (!b) return std::nullopt;
      auto it = b->find("expr");
      if (it == b->end() || it->second.kind != value_kind::column_expr) {
        error(it == b->end() ? loc : it->second.loc,
              "filter needs a condition on the DataFrame's columns", "e.g. df.filter(df.latency > 100)");
        return std::nullopt;
      }
      return value::of_dataframe(add_node(filter_op{it->second.expr}, {m.node}, loc), loc);
    }
    if (m.name == "map") {
      auto b = bind(a, {"column_name", "expr"}, "map", loc);
      if (!b) return std::nullopt;
      auto name = b->find("column_name");
      auto expr = b->find("expr");
      if (name == b->end() || expr == b->end() || name->second.kind != value_kind::constant ||
          name->second.constant.type != schemas::data_type::string) {
        error(loc, "map needs a column name and an expression", "e.g. df.map('latency_ms', df.latency / 1e6)");
        return std::nullopt;
      }
      return with_column(m.node, std::get<std::string>(name->second.constant.value), expr->second, loc);
    }
    if (m.name == "rolling") return rolling(m, a, loc);
    if (m.name == "merge") return merge(m, a, loc);
    if (m.name == "append") return append(m, a, loc);
    return agg(m, a, loc);
  }

  const value* dataframe_arg(const std::map<std::string, value>& b, const std::string& name,
                             std::string_view fn, source_location loc) {
    auto it = b.find(name);
    if (it == b.end()) {
      error(loc, std::string{fn} + " needs the DataFrame to combine with ('" + name + "')");
      return nullptr;
    }
    if (it->second.kind != value_kind::dataframe) {
      error(it->second.loc, std::string{fn} + " takes a DataFrame, not " + describe(it->second));
      return nullptr;
    }
    return &it->second;
  }

  // df.merge(right, how='inner', left_on=..., right_on=..., suffixes=('_x', '_y')).
  opt_value merge(const value& m, const call_args& a, source_location loc) {
    auto b = bind(a, {"right", "how", "left_on", "right_on", "suffixes"}, "merge", loc);
    if (!b) return std::nullopt;
    const value* right = dataframe_arg(*b, "right", "merge", loc);
    if (right == nullptr) return std::nullopt;
    join_op op;
    if (auto it = b->find("how"); it != b->end()) {
      const value& how = it->second;
      auto kind = how.kind == value_kind::constant && how.constant.type == schemas::data_type::string
                      ? join_kinds.find(std::get<std::string>(how.constant.value))
                      : join_kinds.end();
      if (kind == join_kinds.end()) {
        error(how.loc, "merge(how=...) must be 'inner', 'left', 'right' or 'outer'",
              "for a cross join use how='outer', left_on=[], right_on=[]");
        return std::nullopt;
      }
      op.how = kind->second;
    }
    for (auto [key, names, locs] : {std::tuple{"left_on", &op.left_on, &op.left_locs},
                                    std::tuple{"right_on", &op.right_on, &op.right_locs}}) {
      auto it = b->find(key);
      if (it == b->end()) {
        error(loc, std::string{"merge needs "} + key + " (a column name or a list of them)",
              "e.g. df.merge(other, how='inner', left_on='upid', right_on='upid'); [] on both "
              "sides is a cross join");
        return std::nullopt;
      }
      auto list = string_list(it->second, key);
      if (!list) return std::nullopt;
      *names = std::move(*list);
      const value& v = it->second;
      if (v.kind == value_kind::list || v.kind == value_kind::tuple)
        for (const auto& item : v.items) locs->push_back(item.loc);
      else
        locs->push_back(v.loc);
    }
    if (op.left_on.size() != op.right_on.size()) {
      error(b->at("right_on").loc,
            "merge: left_on has " + plural(op.left_on.size(), "column") + " but right_on has " +
                std::to_string(op.right_on.size()),
            "the keys are compared pairwise: left_on[i] == right_on[i]");
      return std::nullopt;
    }
    if (auto it = b->find("suffixes"); it != b->end()) {
      const value& v = it->second;
      bool ok = (v.kind == value_kind::list || v.kind == value_kind::tuple) && v.items.size() == 2;
      for (std::size_t i = 0; ok && i < 2; ++i)
        ok = v.items[i].kind == value_kind::constant &&
             v.items[i].constant.type == schemas::data_type::string;
      if (!ok) {
        error(v.loc, "merge(suffixes=...) must be two strings, e.g. ('_x', '_y')");
        return std::nullopt;
      }
      op.left_suffix = std::get<std::string>(v.items[0].constant.value);
      op.right_suffix = std::get<std::string>(v.items[1].constant.value);
    }
    return value::of_dataframe(add_node(std::move(op), {m.node, right->node}, loc), loc);
  }

  // df.rolling(window, on='time_'): windows of `window` (a duration such as '10s', or
  // nanoseconds) over the `on` column; the following agg groups by window start.
  opt_value rolling(const value& m, const call_args& a, source_location loc) {
    auto b = bind(a, {"window", "on"}, "rolling", loc);
    if (!b) return std::nullopt;
    auto it = b->find("window");
    if (it == b->end()) {
      error(loc, "rolling needs the window size", "e.g. df.rolling('10s')");
      return std::nullopt;
    }
    const value& w = it->second;
    std::optional<std::int64_t> ns;
    if (w.kind == value_kind::constant && w.constant.type == schemas::data_type::string)
      ns = parse_relative_duration(std::get<std::string>(w.constant.value));
    else if (w.kind == value_kind::constant && w.constant.type == schemas::data_type::int64)
      ns = std::get<std::int64_t>(w.constant.value);
    if (!ns || *ns <= 0) {
      error(w.loc, "rolling(window) must be a positive duration",
            "a string such as '10s' (units ms, s, m, h, d) or nanoseconds");
      return std::nullopt;
    }
    value r;
    r.kind = value_kind::windowed;
    r.node = m.node;
    r.window_ns = *ns;
    r.window_column = "time_";
    r.loc = loc;
    if (auto on = b->find("on"); on != b->end()) {
      if (on->second.kind != value_kind::constant || on->second.constant.type != schemas::data_type::string) {
        error(on->second.loc, "rolling(on=...) must be a column name");
        return std::nullopt;
      }
      r.window_column = std::get<std::string>(on->second.constant.value);
    }
    return r;
  }

  // df.append(other) or df.append([a, b]): a union, checked by the types pass.
  opt_value append(const value& m, const call_args& a, source_location loc) {
    auto b = bind(a, {"objs"}, "append", loc);
    if (!b) return std::nullopt;
    auto it = b->find("objs");
    std::vector<const value*> others;
    if (it != b->end() && (it->second.kind == value_kind::list || it->second.kind == value_kind::tuple)) {
      for (const auto& item : it->second.items) others.push_back(&item);
    } else if (it != b->end()) {
      others.push_back(&it->second);
    }
    if (others.empty()) {
      error(loc, "append needs the DataFrame(s) to append");
      return std::nullopt;
    }
    union_op op;
    op.input_locs.push_back(m.loc);
    std::vector<node_id> parents{m.node};
    for (const value* o : others) {
      if (o->kind != value_kind::dataframe) {
        error(o->loc, "append takes a DataFrame or a list of DataFrames, not " + describe(*o));
        return std::nullopt;
      }
      parents.push_back(o->node);
      op.input_locs.push_back(o->loc);
    }
    return value::of_dataframe(add_node(std::move(op), std::move(parents), loc), loc);
  }

  opt_value agg(const value& m, const call_args& a, source_location loc) {
    if (!a.positional.empty()) {
      error(a.positional[0].loc, "agg takes keyword arguments: name=('column', px.function)");
      return std::nullopt;
    }
    if (m.groups.empty() && m.window_ns == 0 && a.keywords.empty()) {
      error(loc, "agg() without aggregates needs groups: df.groupby(...).agg() lists the distinct "
                 "groups");
      return std::nullopt;
    }
    aggregate_op op;
    op.group_names = m.groups;
    op.agg_loc = loc;
    node_id input = m.node;
    if (m.window_ns > 0) {
      // After rolling: the window column becomes its window's start, and a group.
      auto binned = value::of_expr(
          expression::call("bin", {expression::column_ref(m.window_column, m.loc),
                                   expression::constant(scalar::of_int(m.window_ns), m.loc)},
                           m.loc),
          m.loc);
      auto df = with_column(m.node, m.window_column, binned, m.loc);
      if (!df) return std::nullopt;
      input = df->node;
      if (std::find(op.group_names.begin(), op.group_names.end(), m.window_column) ==
          op.group_names.end())
        op.group_names.push_back(m.window_column);
    }
    // Keyword order matters for the output columns: walk the AST order, not the map's.
    for (const auto& [name, v] : ordered_keywords(a)) {
      auto bad = [&] {
        error(v->loc, "aggregate '" + name + "' must be a tuple ('column', px.function)");
        return std::nullopt;
      };
      if (v->kind != value_kind::tuple || v->items.size() != 2) return bad();
      const auto& col = v->items[0];
      const auto& fn = v->items[1];
      if (col.kind != value_kind::constant || col.constant.type != schemas::data_type::string)
        return bad();
      if (fn.kind != value_kind::px_function) return bad();
      if (!funcs_.has_uda(fn.name)) {
        error(fn.loc, "px." + fn.name + " is not an aggregate function");
        return std::nullopt;
      }
      op.aggregates.push_back({name, fn.name,
                               expression::column_ref(std::get<std::string>(col.constant.value), col.loc),
                               nullptr});
    }
    return value::of_dataframe(add_node(std::move(op), {input}, loc), loc);
  }

  std::vector<std::pair<std::string, const value*>> ordered_keywords(const call_args& a) {
    std::vector<std::pair<std::string, const value*>> out;
    for (const auto& [name, v] : a.keywords) out.emplace_back(name, &v);
    std::sort(out.begin(), out.end(), [&](const auto& x, const auto& y) {
      auto lx = a.keyword_locs.at(x.first), ly = a.keyword_locs.at(y.first);
      return std::pair{lx.line, lx.col} < std::pair{ly.line, ly.col};
    });
    return out;
  }

  const compile_options& opts_;
  const function_registry& funcs_;
  diagnostics& diags_;
  const function_mode* mode_;  // null: script mode
  plan plan_;
  node_id next_id_ = 0;
  std::deque<module_namespace> modules_;  // [script_module]: the script's (stable addresses)
  std::size_t current_module_ = script_module;     // whose globals names resolve in
  std::optional<source_location> call_site_;       // set while a built-in module's code runs
  std::string call_site_name_;                     // "pxviews.http_graph()" for its errors
  bool dict_allowed_ = false;                      // the next eval may be a dict literal
  int probe_bodies_ = 0;                           // inside a @pxtrace.probe body: dicts allowed
  std::vector<user_function> functions_;           // every `def`, in definition order
  std::vector<frame> frames_;                      // user function calls in progress
  int depth_ = 0;                                  // see evaluation_depth
  std::map<std::string, int> sink_names_;
};

}  // namespace

plan compile_module(const ast::module& module, const compile_options& opts, diagnostics& diags,
                    const function_mode* mode) {
  return compiler{opts, diags, mode}.run(module);
}

}  // namespace wisp::pxl
