#include "pxl/vis_spec.hpp"

#include <algorithm>
#include <set>

#include "pxl/json.hpp"

namespace wisp::pxl {

namespace {

std::string join_args(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "--" : ", --") + n;
  return out;
}

// Reads one document, reporting at the position of each value inside it.
class reader {
 public:
  reader(std::string_view text, const std::string& file, diagnostics& diags)
      : text_(text), file_(file), diags_(diags) {}

  std::optional<vis_spec> read() {
    std::size_t bad = 0;
    auto doc = json::parse(text_, bad);
    if (!doc) {
      error(location_of(bad), "vis spec is not valid JSON",
            "vis.json is Pixie's px.vispb.Vis as JSON: {\"variables\": [...], \"globalFuncs\": [...], "
            "\"widgets\": [...]}");
      return std::nullopt;
    }
    if (doc->kind != json::kind::object) return kind_error(*doc, "the vis spec", "an object");
    vis_spec spec;
    std::vector<json::value_ref> globals, widgets;
    bool ok = true;
    json::for_each_member(*doc, [&](std::string_view key, const json::value_ref& v) {
      if (is(key, "variables", "variables")) {
        spec.variables_loc = loc(v);
        ok = each(v, "variables", [&](const json::value_ref& x) { return variable(x, spec); });
      } else if (is(key, "globalFuncs", "global_funcs")) {
        ok = each(v, "globalFuncs", [&](const json::value_ref& x) {
          globals.push_back(x);
          return true;
        });
      } else if (is(key, "widgets", "widgets")) {
        ok = each(v, "widgets", [&](const json::value_ref& x) {
          widgets.push_back(x);
          return true;
        });
      }
      return ok;
    });
    if (!ok) return std::nullopt;
    for (const auto& v : spec.variables) variables_.insert(v.name);
    std::set<std::string> global_names;
    for (const auto& g : globals) {
      if (!global_func(g, spec)) return std::nullopt;
      global_names.insert(spec.calls.back().output);
    }
    for (const auto& w : widgets)
      if (!widget(w, spec, global_names)) return std::nullopt;
    return spec;
  }

 private:
  static bool is(std::string_view raw_key, std::string_view camel, std::string_view snake) {
    return json::key_equals(raw_key, camel) || json::key_equals(raw_key, snake);
  }

  source_location location_of(std::size_t offset) const {
    offset = std::min(offset, text_.size());
    source_location l{1, 1};
    for (std::size_t i = 0; i < offset; ++i) {
      if (text_[i] == '\n') {
        ++l.line;
        l.col = 1;
      } else {
        ++l.col;
      }
    }
    return l;
  }
  source_location loc(const json::value_ref& v) const {
    return location_of(static_cast<std::size_t>(v.raw.data() - text_.data()));
  }

  void error(source_location l, std::string msg, std::string hint = {}) {
    diags_.error_in(file_, l, std::move(msg), std::move(hint));
  }
  std::nullopt_t kind_error(const json::value_ref& v, const std::string& what, std::string_view want) {
    error(loc(v), what + " must be " + std::string{want});
    return std::nullopt;
  }

  bool kind_fail(const json::value_ref& v, const std::string& what, std::string_view want) {
    kind_error(v, what, want);
    return false;
  }

  template <class F>
  bool each(const json::value_ref& array, const std::string& what, F&& f) {
    if (array.kind != json::kind::array) return kind_fail(array, "'" + what + "'", "a list");
    bool ok = true;
    json::for_each_element(array, [&](const json::value_ref& x) {
      ok = f(x);
      return ok;
    });
    return ok;
  }

  // A string member: false (reported) when present with another kind.
  bool string_member(const json::value_ref& v, const std::string& what, std::optional<std::string>& out) {
    if (v.kind != json::kind::string) return kind_fail(v, what, "a string");
    out = json::decode_string(v.raw);
    return true;
  }

  bool variable(const json::value_ref& v, vis_spec& spec) {
    if (v.kind != json::kind::object) return kind_fail(v, "a variable", "an object");
    vis_variable var;
    var.loc = loc(v);
    std::optional<std::string> name, type;
    bool ok = true;
    json::for_each_member(v, [&](std::string_view key, const json::value_ref& m) {
      if (is(key, "name", "name")) {
        ok = string_member(m, "a variable's name", name);
      } else if (is(key, "type", "type")) {
        ok = string_member(m, "a variable's type", type);
      } else if (is(key, "defaultValue", "default_value")) {
        ok = string_member(m, "a variable's defaultValue", var.default_value);
      } else if (is(key, "validValues", "valid_values")) {
        ok = each(m, "validValues", [&](const json::value_ref& x) {
          std::optional<std::string> s;
          if (!string_member(x, "a valid value", s)) return false;
          var.valid_values.push_back(std::move(*s));
          return true;
        });
      }
      return ok;
    });
    if (!ok) return false;
    if (!name || name->empty()) {
      error(var.loc, "a variable needs a \"name\"", "e.g. {\"name\": \"start_time\", \"type\": \"PX_STRING\", "
                                                   "\"defaultValue\": \"-5m\"}");
      return false;
    }
    var.name = std::move(*name);
    var.type = type.value_or("");
    for (const auto& other : spec.variables)
      if (other.name == var.name) {
        error(var.loc, "variable '" + var.name + "' is declared twice");
        return false;
      }
    spec.variables.push_back(std::move(var));
    return true;
  }

  std::optional<vis_func> func(const json::value_ref& v) {
    if (v.kind != json::kind::object) return kind_error(v, "'func'", "an object");
    vis_func f;
    f.loc = loc(v);
    std::optional<std::string> name;
    std::optional<json::value_ref> args;
    bool ok = true;
    json::for_each_member(v, [&](std::string_view key, const json::value_ref& m) {
      if (is(key, "name", "name")) ok = string_member(m, "a function's name", name);
      else if (is(key, "args", "args")) args = m;
      return ok;
    });
    if (!ok) return std::nullopt;
    if (!name || name->empty()) {
      error(f.loc, "'func' needs the \"name\" of a function of the script");
      return std::nullopt;
    }
    f.name = std::move(*name);
    // After the name, whatever the member order, so that argument errors can name the function.
    if (args && !each(*args, "args", [&](const json::value_ref& a) { return func_arg(a, f); }))
      return std::nullopt;
    return f;
  }

  bool func_arg(const json::value_ref& v, vis_func& f) {
    if (v.kind != json::kind::object) return kind_fail(v, "a function argument", "an object");
    vis_func_arg arg;
    arg.loc = loc(v);
    std::optional<std::string> name, value;
    bool ok = true;
    json::for_each_member(v, [&](std::string_view key, const json::value_ref& m) {
      if (is(key, "name", "name"))
        ok = string_member(m, "an argument's name", name);
      else if (is(key, "variable", "variable"))
        ok = string_member(m, "an argument's variable", arg.variable);
      else if (is(key, "value", "value"))
        ok = string_member(m, "an argument's value", value);
      return ok;
    });
    if (!ok) return false;
    if (!name || name->empty()) {
      error(arg.loc, "a function argument needs the \"name\" of a parameter");
      return false;
    }
    arg.name = std::move(*name);
    if (arg.variable.has_value() == value.has_value()) {
      error(arg.loc, "argument '" + arg.name + "' of " + f.name + "() needs either \"variable\" or \"value\"",
            "{\"name\": \"" + arg.name + "\", \"variable\": \"start_time\"} passes a variable, "
            "{\"name\": \"" + arg.name + "\", \"value\": \"10\"} a literal");
      return false;
    }
    if (arg.variable && !variables_.contains(*arg.variable)) {
      std::vector<std::string> names{variables_.begin(), variables_.end()};
      error(arg.loc, "argument '" + arg.name + "' of " + f.name + "() refers to variable '" + *arg.variable +
                         "', which the vis spec does not declare",
            names.empty() ? "declare it in \"variables\"" : "the variables are: " + join_args(names));
      return false;
    }
    arg.value = value.value_or("");
    f.args.push_back(std::move(arg));
    return true;
  }

  bool global_func(const json::value_ref& v, vis_spec& spec) {
    if (v.kind != json::kind::object) return kind_fail(v, "a globalFunc", "an object");
    std::optional<std::string> output;
    std::optional<vis_func> f;
    bool ok = true;
    json::for_each_member(v, [&](std::string_view key, const json::value_ref& m) {
      if (is(key, "outputName", "output_name")) {
        ok = string_member(m, "a globalFunc's outputName", output);
      } else if (is(key, "func", "func")) {
        f = func(m);
        ok = f.has_value();
      }
      return ok;
    });
    if (!ok) return false;
    if (!output || output->empty() || !f) {
      error(loc(v), "a globalFunc needs an \"outputName\" and a \"func\"");
      return false;
    }
    spec.calls.push_back({std::move(*output), std::move(*f)});
    return true;
  }

  bool widget(const json::value_ref& v, vis_spec& spec, const std::set<std::string>& globals) {
    if (v.kind != json::kind::object) return kind_fail(v, "a widget", "an object");
    std::optional<std::string> name, global;
    std::optional<vis_func> f;
    source_location global_loc;
    bool ok = true;
    json::for_each_member(v, [&](std::string_view key, const json::value_ref& m) {
      if (is(key, "name", "name")) {
        ok = string_member(m, "a widget's name", name);
      } else if (is(key, "func", "func")) {
        f = func(m);
        ok = f.has_value();
      } else if (is(key, "globalFuncOutputName", "global_func_output_name")) {
        global_loc = loc(m);
        ok = string_member(m, "a widget's globalFuncOutputName", global);
      }
      return ok;
    });
    if (!ok) return false;
    if (f && global) {
      error(loc(v), "a widget has either a \"func\" or a \"globalFuncOutputName\", not both");
      return false;
    }
    if (global && !globals.contains(*global)) {
      std::vector<std::string> names{globals.begin(), globals.end()};
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      error(global_loc, "no globalFunc has the outputName '" + *global + "'",
            names.empty() ? "declare it in \"globalFuncs\"" : "the globalFuncs are: " + list);
      return false;
    }
    // A widget showing a globalFunc's table (or text only) runs nothing itself.
    if (f) spec.calls.push_back({name && !name->empty() ? *name : "widget", std::move(*f)});
    return true;
  }

  std::string_view text_;
  const std::string& file_;
  diagnostics& diags_;
  std::set<std::string> variables_;
};

}  // namespace

std::optional<vis_spec> parse_vis_spec(std::string_view text, const std::string& file,
                                       diagnostics& diags) {
  return reader{text, file, diags}.read();
}

std::optional<std::map<std::string, std::string>> variable_values(
    const vis_spec& spec, const std::vector<script_arg>& args, const std::string& file,
    diagnostics& diags) {
  std::vector<std::string> names;
  for (const auto& v : spec.variables) names.push_back(v.name);
  std::map<std::string, std::string> given;
  bool ok = true;
  for (const auto& [name, value] : args) {
    auto var = std::find(names.begin(), names.end(), name);
    if (var == names.end()) {
      diags.error_in(file, spec.variables_loc, "unknown script argument --" + name,
                     names.empty() ? "this script takes no arguments (its vis spec declares no variables)"
                                   : "the script's arguments are: " + join_args(names));
      ok = false;
    } else if (!given.emplace(name, value).second) {
      diags.error_in(file, spec.variables_loc, "script argument --" + name + " is given twice");
      ok = false;
    }
  }
  std::map<std::string, std::string> out;
  for (const auto& v : spec.variables) {
    auto it = given.find(v.name);
    if (it != given.end()) {
      out[v.name] = it->second;
    } else if (v.default_value) {
      out[v.name] = *v.default_value;
    } else {
      diags.error_in(file, v.loc, "missing script argument --" + v.name,
                     "variable '" + v.name + "' has no defaultValue; run with -- --" + v.name + " VALUE");
      ok = false;
      continue;
    }
    const auto& value = out[v.name];
    if (!v.valid_values.empty() &&
        std::find(v.valid_values.begin(), v.valid_values.end(), value) == v.valid_values.end()) {
      std::string list;
      for (const auto& x : v.valid_values) list += (list.empty() ? "'" : ", '") + x + "'";
      diags.error_in(file, v.loc, "script argument --" + v.name + " is '" + value + "', not one of its valid values",
                     "valid values: " + list);
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace wisp::pxl
