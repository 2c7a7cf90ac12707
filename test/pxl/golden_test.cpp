// Golden tests in the style of DuckDB's sqllogictest: each test/pxl/golden/*.test file declares
// input tables and cases; each case is a PxL script and its expected result tables or error.
//
//   now <ns>                                  wall clock for relative start_time (default 0)
//   table <name>: <col> [<type> [<semantic>]], ...
//   <csv row>...                              ends at a blank line
//   pxl                                       starts a case; script lines up to "----"
//   ---- vis.json                             optional: the case's vis spec (function mode)
//   ---- args                                 optional: "--name value" script arguments, one a line
//   ----
//   result <name> [rowsort]: <col>, ...       expected result table, rows follow
//   <csv row>...
//   error <line>:<col>: <message part>        or: the expected first diagnostic
//   error <file>:<line>:<col>: <message part>  ... in another file than the script (vis.json)
//   mutation <text>                           a tracepoint mutation the script makes (pxtrace),
//                                             in order, before its result tables
//
// A table named like a built-in table (http_events) has that table's full relation; columns not
// listed get zero values. Rows are compared as rendered text; "rowsort" sorts both sides.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "actors/exec/run_plan.hpp"
#include "pxl/compile.hpp"
#include "test/actors/exec/exec_test_util.hpp"
#include "schemas/tables.hpp"

namespace wisp {
namespace {

using schemas::data_type;
using schemas::semantic_type;

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string{s.substr(b, e - b + 1)};
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    auto next = s.find(sep, pos);
    out.emplace_back(s.substr(pos, next == std::string_view::npos ? s.npos : next - pos));
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return out;
}

const std::map<std::string, data_type, std::less<>> type_names{
    {"boolean", data_type::boolean}, {"int64", data_type::int64},
    {"float64", data_type::float64}, {"string", data_type::string},
    {"time64ns", data_type::time64ns}, {"uint128", data_type::uint128}};
const std::map<std::string, semantic_type, std::less<>> semantic_names{
    {"st_none", semantic_type::st_none}, {"st_time_ns", semantic_type::st_time_ns},
    {"st_duration_ns", semantic_type::st_duration_ns}, {"st_bytes", semantic_type::st_bytes}};

void push_cell(schemas::column& c, const std::string& text) {
  switch (c.type()) {
    case data_type::boolean: c.push_bool(text == "true"); break;
    case data_type::int64:
    case data_type::time64ns: c.push_int(text.empty() ? 0 : std::stoll(text)); break;
    case data_type::float64: c.push_float(text.empty() ? 0 : std::stod(text)); break;
    case data_type::string: c.push_string(text); break;
    case data_type::uint128: c.push_uint128({}); break;
    case data_type::unknown: break;
  }
}

struct expected_table {
  std::string name;
  bool rowsort = false;
  std::vector<std::string> columns;
  std::vector<std::string> rows;
};

struct golden_case {
  int line = 0;
  std::string script;
  std::optional<std::string> vis;
  std::vector<pxl::script_arg> args;
  std::vector<expected_table> results;
  std::optional<std::string> error;  // "line:col: message part"
  std::vector<std::string> mutations;  // pxl::to_string of each tracepoint mutation
};

struct golden_file {
  std::int64_t now_ns = 0;
  exec::table_provider tables;
  std::vector<golden_case> cases;
  std::string problem;  // malformed file
};

golden_file load(const std::filesystem::path& path) {
  golden_file f;
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::size_t i = 0;
  auto rows_until_blank = [&](auto&& on_row) {
    while (i < lines.size() && !trim(lines[i]).empty() && lines[i] != "pxl" &&
           !lines[i].starts_with("result ") && !lines[i].starts_with("error "))
      on_row(lines[i++]);
  };
  while (i < lines.size()) {
    std::string line = lines[i];
    if (trim(line).empty() || line.starts_with("#")) {
      ++i;
    } else if (line.starts_with("now ")) {
      f.now_ns = std::stoll(line.substr(4));
      ++i;
    } else if (line.starts_with("table ")) {
      auto colon = line.find(':');
      std::string name = trim(line.substr(6, colon - 6));
      const auto* builtin = schemas::find_table(name);
      exec::stored_table t;
      std::vector<std::size_t> listed;
      if (builtin) t.rel = builtin->rel;
      for (const auto& spec : split(line.substr(colon + 1), ',')) {
        auto words = split(trim(spec), ' ');
        if (builtin) {
          auto idx = t.rel.index_of(words[0]);
          if (!idx) f.problem = "unknown column " + words[0];
          listed.push_back(idx.value_or(0));
        } else {
          schemas::column_info c{words[0], type_names.at(words.at(1)), semantic_type::st_none, {}};
          if (words.size() > 2) c.semantic = semantic_names.at(words[2]);
          listed.push_back(t.rel.columns.size());
          t.rel.columns.push_back(c);
        }
      }
      ++i;
      auto batch = std::make_shared<schemas::row_batch>(schemas::make_empty_batch(t.rel));
      rows_until_blank([&](const std::string& row) {
        auto cells = split(row, ',');
        std::vector<std::string> full(t.rel.columns.size());
        for (std::size_t c = 0; c < listed.size() && c < cells.size(); ++c) full[listed[c]] = cells[c];
        for (std::size_t c = 0; c < full.size(); ++c) push_cell(batch->columns[c], full[c]);
      });
      t.batches.push_back(batch);
      f.tables[name] = std::move(t);
    } else if (line == "pxl") {
      golden_case c;
      c.line = static_cast<int>(i) + 1;
      ++i;
      enum { script, vis, args } section = script;
      for (; i < lines.size() && lines[i] != "----"; ++i) {
        const std::string& l = lines[i];
        if (l == "---- vis.json") {
          section = vis;
          c.vis.emplace();
        } else if (l == "---- args") {
          section = args;
        } else if (section == script) {
          c.script += l + "\n";
        } else if (section == vis) {
          *c.vis += l + "\n";
        } else if (l.starts_with("--")) {
          auto space = l.find(' ');
          c.args.emplace_back(l.substr(2, space - 2), space == std::string::npos ? "" : l.substr(space + 1));
        } else {
          f.problem = "line " + std::to_string(i + 1) + ": script arguments look like --name value";
        }
      }
      ++i;
      while (i < lines.size() && lines[i] != "pxl") {
        std::string l = lines[i];
        if (l.starts_with("error ")) {
          c.error = l.substr(6);
          ++i;
        } else if (l.starts_with("mutation ")) {
          c.mutations.push_back(l.substr(9));
          ++i;
        } else if (l.starts_with("result ")) {
          expected_table t;
          auto colon = l.find(':');
          auto words = split(trim(l.substr(7, colon - 7)), ' ');
          t.name = words[0];
          t.rowsort = words.size() > 1 && words[1] == "rowsort";
          for (const auto& name : split(l.substr(colon + 1), ',')) t.columns.push_back(trim(name));
          ++i;
          rows_until_blank([&](const std::string& row) { t.rows.push_back(trim(row)); });
          c.results.push_back(std::move(t));
        } else {
          ++i;
        }
      }
      f.cases.push_back(std::move(c));
    } else {
      f.problem = "unexpected line " + std::to_string(i + 1) + ": " + line;
      ++i;
    }
  }
  return f;
}

void run_case(const golden_file& f, const golden_case& c) {
  pxl::compile_options opts;
  opts.file = "golden.pxl";
  opts.now_ns = f.now_ns;
  opts.vis = c.vis;
  opts.args = c.args;
  auto builtin = pxl::table_catalog::builtin();
  opts.tables.find = [&](std::string_view name) -> std::optional<schemas::relation> {
    if (auto it = f.tables.find(name); it != f.tables.end()) return it->second.rel;
    return builtin.find(name);
  };
  opts.tables.names = [&] {
    std::vector<std::string> names;
    for (const auto& [n, t] : f.tables) names.push_back(n);
    return names;
  };
  auto compiled = pxl::compile(c.script, opts);
  if (c.error) {
    ASSERT_FALSE(compiled.ok()) << "expected error " << *c.error;
    const auto& d = compiled.diagnostics[0];
    std::string got = std::to_string(d.line) + ":" + std::to_string(d.col) + ": " + d.message;
    if (!c.error->empty() && !std::isdigit(static_cast<unsigned char>((*c.error)[0])))
      got = d.file + ":" + got;  // the expectation names the file
    auto colon2 = c.error->find(": ");
    EXPECT_EQ(got.substr(0, got.find(": ")), c.error->substr(0, colon2)) << got;
    EXPECT_NE(got.find(c.error->substr(colon2 + 2)), std::string::npos) << got;
    return;
  }
  ASSERT_TRUE(compiled.ok()) << pxl::to_string(compiled.diagnostics[0]);
  std::vector<std::string> mutations;
  for (const auto& m : compiled.plan.mutations) mutations.push_back(pxl::to_string(m));
  EXPECT_EQ(mutations, c.mutations);
  auto ran = exec::run_plan(compiled.plan, f.tables);
  ASSERT_TRUE(ran.ok()) << ran.error;
  ASSERT_EQ(ran.tables.size(), c.results.size()) << pxl::to_string(compiled.plan);
  for (std::size_t t = 0; t < c.results.size(); ++t) {
    const auto& want = c.results[t];
    const auto& got = ran.tables[t];
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.rel.names(), want.columns);
    std::vector<std::string> rows;
    for (const auto& b : got.batches) {
      for (std::size_t r = 0; r < b->num_rows(); ++r) {
        std::string row;
        for (std::size_t col = 0; col < b->columns.size(); ++col)
          row += (col ? "," : "") + exec::testing::render_cell(b->columns[col], r);
        rows.push_back(row);
      }
    }
    auto want_rows = want.rows;
    if (want.rowsort) {
      std::sort(rows.begin(), rows.end());
      std::sort(want_rows.begin(), want_rows.end());
    }
    EXPECT_EQ(rows, want_rows) << "table " << want.name << "\n" << pxl::to_string(compiled.plan);
  }
}

TEST(pxl_golden, every_file) {
  std::filesystem::path dir = std::filesystem::path{WISP_SOURCE_DIR} / "test/pxl/golden";
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".test") continue;
    ++files;
    auto f = load(entry.path());
    ASSERT_TRUE(f.problem.empty()) << entry.path() << ": " << f.problem;
    EXPECT_FALSE(f.cases.empty()) << entry.path();
    for (const auto& c : f.cases) {
      SCOPED_TRACE(entry.path().filename().string() + ":" + std::to_string(c.line));
      run_case(f, c);
    }
  }
  EXPECT_GT(files, 0u);
}

}  // namespace
}  // namespace wisp
