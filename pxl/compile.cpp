#include "pxl/compile.hpp"

#include <charconv>

#include "pxl/compiler.hpp"
#include "pxl/functions.hpp"
#include "pxl/lexer.hpp"
#include "pxl/parser.hpp"
#include "pxl/prune.hpp"
#include "pxl/types.hpp"
#include "pxl/vis_spec.hpp"
#include "schemas/tables.hpp"

namespace wisp::pxl {

table_catalog table_catalog::builtin() {
  return {[](std::string_view name) -> std::optional<schemas::relation> {
            if (const auto* t = schemas::find_table(name)) return t->rel;
            return std::nullopt;
          },
          [] {
            std::vector<std::string> names;
            for (const auto& t : schemas::all_tables()) names.push_back(t.name);
            return names;
          },
          [](std::string_view name) {
            const auto* t = schemas::find_table(name);
            return t ? t->desc : std::string{};
          }};
}

namespace {

constexpr std::string_view set_prefix = "#px:set";
// Pixie's planner options (facts §2.6).
constexpr std::string_view known_set_options = "explain, analyze, max_output_rows_per_table";

std::optional<bool> parse_bool(std::string_view v) {
  if (v == "true" || v == "True" || v == "1") return true;
  if (v == "false" || v == "False" || v == "0") return false;
  return std::nullopt;
}

void set_option(std::string_view item, source_location loc, compile_options& opts, diagnostics& diags) {
  auto eq = item.find('=');
  std::string_view name = item.substr(0, eq);
  std::string_view value = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
  source_location value_loc{loc.line, loc.col + static_cast<int>(name.size()) + 1};
  if (eq == std::string_view::npos || value.empty()) {
    diags.error(loc, "#px:set needs name=value, got '" + std::string{item} + "'",
                "e.g. #px:set max_output_rows_per_table=100");
    return;
  }
  if (name == "max_output_rows_per_table") {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc{} || p != value.data() + value.size() || v <= 0) {
      diags.error(value_loc, "max_output_rows_per_table must be a positive integer, not '" +
                                 std::string{value} + "'");
      return;
    }
    opts.max_output_rows_per_table = v;
  } else if (name == "explain" || name == "analyze") {
    auto b = parse_bool(value);
    if (!b) {
      diags.error(value_loc, std::string{name} + " must be true or false, not '" + std::string{value} + "'");
    } else if (*b) {
      diags.error(loc, "#px:set " + std::string{name} + "=true is not implemented in Wisp yet",
                  name == "explain" ? "run the script with `wisp run --explain` to see its plan" : "");
    }
  } else {
    diags.error(loc, "unknown #px:set option '" + std::string{name} + "'",
                "the options are: " + std::string{known_set_options});
  }
}

// Query-level flags live in comments ("#px:set max_output_rows_per_table=100"), so they are read
// from the raw text rather than from tokens. One line may set several: "#px:set a=1 b=2".
void apply_set_flags(std::string_view source, compile_options& opts, diagnostics& diags) {
  std::size_t pos = 0;
  int line_no = 0;
  while (pos < source.size()) {
    ++line_no;
    std::size_t end = source.find('\n', pos);
    if (end == std::string_view::npos) end = source.size();
    std::string_view line = source.substr(pos, end - pos);
    if (line.starts_with(set_prefix) &&
        (line.size() == set_prefix.size() || line[set_prefix.size()] == ' ' || line[set_prefix.size()] == '\t')) {
      std::size_t i = set_prefix.size();
      bool any = false;
      while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        if (i >= line.size()) break;
        std::size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
        set_option(line.substr(i, j - i), {line_no, static_cast<int>(i) + 1}, opts, diags);
        any = true;
        i = j;
      }
      if (!any)
        diags.error({line_no, 1}, "#px:set needs name=value", "e.g. #px:set max_output_rows_per_table=100");
    }
    pos = end + 1;
  }
}

}  // namespace

compile_result compile(std::string_view source, const compile_options& options) {
  compile_options opts = options;
  if (opts.functions == nullptr) opts.functions = &function_registry::builtin();
  diagnostics diags{opts.file};
  compile_result result;
  if (source.size() > max_script_bytes) {
    diags.error({1, 1}, "the script is " + std::to_string(source.size()) +
                            " bytes long; the limit is " + std::to_string(max_script_bytes),
                "split it into several scripts");
    return {{}, diags.take()};
  }
  apply_set_flags(source, opts, diags);
  auto tokens = lex(source, diags);
  auto module = parse(tokens, diags);
  // Function mode: the vis spec names the functions to run and declares the arguments.
  std::optional<function_mode> mode;
  if (opts.vis) {
    if (opts.vis->size() > max_script_bytes) {
      diags.error_in(opts.vis_file, {1, 1}, "the vis spec is " + std::to_string(opts.vis->size()) +
                                                " bytes long; the limit is " + std::to_string(max_script_bytes));
    } else if (auto spec = parse_vis_spec(*opts.vis, opts.vis_file, diags)) {
      if (auto values = variable_values(*spec, opts.args, opts.vis_file, diags))
        mode = function_mode{std::move(*spec), std::move(*values)};
    }
  } else if (!opts.args.empty()) {
    diags.error({1, 1}, "script argument --" + opts.args[0].first + " given, but this script takes no arguments",
                "a script takes arguments through a vis.json next to it that declares them as variables "
                "and names the functions to run");
  }
  if (!diags.ok()) return {{}, diags.take()};
  result.plan = compile_module(module, opts, diags, mode ? &*mode : nullptr);
  if (opts.mutations_only) {
    result.diagnostics = diags.take();
    return result;
  }
  if (diags.ok()) resolve_types(result.plan, opts, diags);
  if (diags.ok() && opts.prune_columns && opts.pruning == nullptr) {
    // Second pass: the same script typed with the columns nobody reads left out (prune.hpp).
    if (auto pruning = plan_pruning(result.plan)) {
      compile_options pruned_opts = options;
      pruned_opts.pruning = &*pruning;
      auto pruned = compile(source, pruned_opts);
      if (pruned.ok()) return pruned;
      const auto& d = pruned.diagnostics.front();  // Wisp's bug: say so rather than guess
      diags.error({d.line, d.col}, "internal error: leaving out unused columns made the plan invalid (" +
                                       d.message + "); please report this script");
    }
  }
  result.diagnostics = diags.take();
  return result;
}

}  // namespace wisp::pxl
