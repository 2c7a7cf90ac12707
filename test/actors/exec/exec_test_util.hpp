#pragma once
// Helpers for exec tests: compile a script against a tiny in-memory table.

#include <gtest/gtest.h>

#include "actors/exec/run_plan.hpp"
#include "pxl/compile.hpp"

namespace wisp::exec::testing {

/// tiny: time_ TIME64NS, service STRING, bytes INT64 (ST_BYTES), ratio FLOAT64.
inline schemas::relation tiny_relation() {
  using schemas::data_type;
  using schemas::semantic_type;
  return {{{"time_", data_type::time64ns, semantic_type::st_time_ns, ""},
           {"service", data_type::string, semantic_type::st_none, ""},
           {"bytes", data_type::int64, semantic_type::st_bytes, ""},
           {"ratio", data_type::float64, semantic_type::st_none, ""}}};
}

inline schemas::row_batch_ptr tiny_batch(std::vector<std::int64_t> times,
                                         std::vector<std::string> services,
                                         std::vector<std::int64_t> bytes) {
  auto b = std::make_shared<schemas::row_batch>(schemas::make_empty_batch(tiny_relation()));
  for (std::size_t i = 0; i < times.size(); ++i) {
    b->columns[0].push_int(times[i]);
    b->columns[1].push_string(services[i]);
    b->columns[2].push_int(bytes[i]);
    b->columns[3].push_float(static_cast<double>(bytes[i]) / 2);
  }
  return b;
}

/// Compiles without column pruning: these tests feed whole tiny batches to single operators.
inline pxl::plan compile_tiny(std::string_view script) {
  pxl::compile_options o;
  o.prune_columns = false;
  o.tables.find = [](std::string_view n) -> std::optional<schemas::relation> {
    if (n == "tiny") return tiny_relation();
    return std::nullopt;
  };
  o.tables.names = [] { return std::vector<std::string>{"tiny"}; };
  auto r = pxl::compile(script, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : pxl::to_string(r.diagnostics[0]));
  return r.plan;
}

/// The node of the first operator of kind Op.
template <class Op>
const pxl::plan_node& first_node(const pxl::plan& p) {
  for (const auto& n : p.nodes)
    if (std::holds_alternative<Op>(n.op)) return n;
  ADD_FAILURE() << "no such node";
  return p.nodes.front();
}

}  // namespace wisp::exec::testing
