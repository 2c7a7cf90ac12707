// libFuzzer target over the plan-fragment decoder (pxl/fragment_codec.cpp): every input is
// decoded against the built-in function registry and table catalog; a refusal must be one line.
// A fragment that decodes is encoded again and must decode to the same plan (its --explain
// text).
//
// Seed corpus: fragments of compiled scripts, written by plan_fragment_seeds.cpp before each run
// (see CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pxl/fragment_codec.hpp"
#include "pxl/functions.hpp"
#include "schemas/tables.hpp"

// compile.cpp, which defines table_catalog::builtin(), comes with the compiler that this target
// leaves out: the built-in tables, as the decoder needs them (compile_options defaults to it).
wisp::pxl::table_catalog wisp::pxl::table_catalog::builtin() {
  table_catalog c;
  c.find = [](std::string_view name) -> std::optional<schemas::relation> {
    if (const auto* t = schemas::find_table(name)) return t->rel;
    return std::nullopt;
  };
  return c;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wisp::pxl;
  static const table_catalog tables = table_catalog::builtin();
  const auto& functions = function_registry::builtin();
  std::string error;
  auto p = decode_fragment(std::string_view{reinterpret_cast<const char*>(data), size}, functions, tables, error);
  if (!p) {
    if (error.empty() || error.find('\n') != std::string::npos) __builtin_trap();
    return 0;
  }
  auto again = encode_fragment(*p, error);
  if (!again) __builtin_trap();
  auto back = decode_fragment(*again, functions, tables, error);
  if (!back || to_string(*back) != to_string(*p)) __builtin_trap();
  return 0;
}
