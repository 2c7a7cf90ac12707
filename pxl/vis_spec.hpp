#pragma once
// Pass 0 of function mode (facts §2.6): a script's vis.json (Pixie's `px.vispb.Vis` as JSON) read
// into the functions to run, and the script arguments resolved against its variables. Pure
// functions; problems are located diagnostics in the vis spec's file, never a crash.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pxl/diagnostic.hpp"
#include "pxl/options.hpp"

namespace wisp::pxl {

/// `variables[i]`: a `--name value` argument of the script.
struct vis_variable {
  std::string name;
  std::string type;  // "PX_STRING", "PX_INT64", ... (display only: values convert by annotation)
  std::optional<std::string> default_value;  // none: the argument is required
  std::vector<std::string> valid_values;     // empty: any value
  source_location loc;                       // the variable's object in vis.json
};

/// One argument of a function call: a variable's value or a literal string.
struct vis_func_arg {
  std::string name;
  std::optional<std::string> variable;  // set: the value of this variable
  std::string value;                    // otherwise: this literal
  source_location loc;
};

struct vis_func {
  std::string name;
  std::vector<vis_func_arg> args;
  source_location loc;  // the `func` object in vis.json
};

/// A function the compiler calls, and the name of the result table(s) it makes: a widget's
/// name ("widget" when it has none) or a globalFunc's outputName. A returned list of
/// DataFrames gives `output[0]`, `output[1]`, ...
struct vis_call {
  std::string output;
  vis_func func;
};

struct vis_spec {
  std::vector<vis_variable> variables;
  source_location variables_loc{1, 1};  // the `variables` member (or the document)
  std::vector<vis_call> calls;          // globalFuncs in order, then widgets with an inline func
};

/// Reads vis.json. Unknown members (position, displaySpec, description, ...) are ignored; a
/// member of the wrong JSON kind, a function argument that is neither `variable` nor `value`, a
/// reference to an undeclared variable or globalFunc is an error. Both protobuf JSON spellings
/// of a field are accepted (`defaultValue` and `default_value`).
std::optional<vis_spec> parse_vis_spec(std::string_view text, const std::string& file,
                                       diagnostics& diags);

/// The value of every variable: a script argument if given, else the default. An argument no
/// variable declares, an argument given twice, a missing required one or a value outside
/// `validValues` is an error.
std::optional<std::map<std::string, std::string>> variable_values(
    const vis_spec& spec, const std::vector<script_arg>& args, const std::string& file,
    diagnostics& diags);

}  // namespace wisp::pxl
