#pragma once
// Helpers for exec tests: compile a script against a tiny in-memory table.

#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>

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

/// One cell as text (floats in their shortest round-trip form).
inline std::string render_cell(const schemas::column& c, std::size_t row) {
  using schemas::data_type;
  switch (c.type()) {
    case data_type::boolean: return c.bools()[row] ? "true" : "false";
    case data_type::int64:
    case data_type::time64ns: return std::to_string(c.ints()[row]);
    case data_type::float64: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, c.floats()[row]);
      return std::string(buf, r.ptr);
    }
    case data_type::string: return std::string{c.strings().at(row)};
    case data_type::uint128: return schemas::to_string(c.uint128s()[row]);
    case data_type::unknown: break;
  }
  return "?";
}

/// Every row of `batches` as "cell|cell|...", sorted (for comparing results as multisets).
inline std::vector<std::string> sorted_rows(const std::vector<schemas::row_batch_ptr>& batches) {
  std::vector<std::string> rows;
  for (const auto& b : batches)
    for (std::size_t r = 0; r < b->num_rows(); ++r) {
      std::string row;
      for (const auto& c : b->columns) row += render_cell(c, r) + "|";
      rows.push_back(std::move(row));
    }
  std::sort(rows.begin(), rows.end());
  return rows;
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
