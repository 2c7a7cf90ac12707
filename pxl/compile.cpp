#include "pxl/compile.hpp"

#include <charconv>

#include "pxl/compiler.hpp"
#include "pxl/functions.hpp"
#include "pxl/lexer.hpp"
#include "pxl/parser.hpp"
#include "pxl/types.hpp"
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
          }};
}

namespace {

constexpr std::string_view set_prefix = "#px:set ";
constexpr std::string_view max_rows_key = "max_output_rows_per_table=";

// Query-level flags live in comments ("#px:set max_output_rows_per_table=100"), so they are read
// from the raw text rather than from tokens.
void apply_set_flags(std::string_view source, compile_options& opts) {
  std::size_t pos = 0;
  while (pos < source.size()) {
    std::size_t end = source.find('\n', pos);
    if (end == std::string_view::npos) end = source.size();
    std::string_view line = source.substr(pos, end - pos);
    if (line.starts_with(set_prefix)) {
      line.remove_prefix(set_prefix.size());
      if (line.starts_with(max_rows_key)) {
        line.remove_prefix(max_rows_key.size());
        std::int64_t v = 0;
        auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
        if (ec == std::errc{} && v > 0) opts.max_output_rows_per_table = v;
      }
    }
    pos = end + 1;
  }
}

}  // namespace

compile_result compile(std::string_view source, const compile_options& options) {
  compile_options opts = options;
  if (opts.functions == nullptr) opts.functions = &function_registry::builtin();
  apply_set_flags(source, opts);
  diagnostics diags{opts.file};
  compile_result result;
  if (source.size() > max_script_bytes) {
    diags.error({1, 1}, "the script is " + std::to_string(source.size()) +
                            " bytes long; the limit is " + std::to_string(max_script_bytes),
                "split it into several scripts");
    return {{}, diags.take()};
  }
  auto tokens = lex(source, diags);
  auto module = parse(tokens, diags);
  if (!diags.ok()) return {{}, diags.take()};
  result.plan = compile_module(module, opts, diags);
  if (diags.ok()) resolve_types(result.plan, opts, diags);
  result.diagnostics = diags.take();
  return result;
}

}  // namespace wisp::pxl
