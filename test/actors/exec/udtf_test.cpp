// Table functions (px.GetSchemas(), ...) run through run_plan, and the output limit's truncation
// report.

#include <gtest/gtest.h>

#include <set>

#include "actors/exec/limit_operator.hpp"
#include "actors/exec/run_plan.hpp"
#include "actors/exec/udtf_source.hpp"
#include "exec_test_util.hpp"
#include "pxl/compile.hpp"
#include "pxl/functions.hpp"
#include "pxl/udtf.hpp"
#include "schemas/tables.hpp"

namespace wisp::exec {
namespace {

pxl::plan compile_builtin(std::string_view script) {
  pxl::compile_options o;
  auto r = pxl::compile(script, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : pxl::to_string(r.diagnostics[0]));
  return r.plan;
}

/// Column `name` of the single result table as strings (STRING columns only).
std::vector<std::string> strings(const result_table& t, std::string_view name) {
  std::vector<std::string> out;
  const auto idx = t.rel.index_of(name);
  EXPECT_TRUE(idx.has_value()) << name;
  if (!idx) return out;
  for (const auto& b : t.batches)
    for (std::size_t r = 0; r < b->num_rows(); ++r) out.emplace_back(b->columns[*idx].strings().at(r));
  return out;
}

run_result run(std::string_view script, const udtf_context* ctx = nullptr) {
  auto r = run_plan(compile_builtin(script), {}, ctx);
  EXPECT_TRUE(r.ok()) << r.error;
  return r;
}

TEST(udtf, get_tables_lists_the_catalog_with_descriptions) {
  auto r = run("import px\npx.display(px.GetTables())\n");
  ASSERT_EQ(r.tables.size(), 1u);
  const auto names = strings(r.tables[0], "table_name");
  ASSERT_EQ(names.size(), schemas::all_tables().size());
  const auto descs = strings(r.tables[0], "table_desc");
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(names[i], schemas::all_tables()[i].name);
    EXPECT_EQ(descs[i], schemas::all_tables()[i].desc);
  }
  EXPECT_FALSE(r.tables[0].truncated_to.has_value());
}

TEST(udtf, get_schemas_has_one_row_per_column) {
  auto r = run("import px\ndf = px.GetSchemas()\npx.display(df[df.table_name == 'http_events'])\n");
  ASSERT_EQ(r.tables.size(), 1u);
  const auto* http = schemas::find_table("http_events");
  ASSERT_NE(http, nullptr);
  const auto cols = strings(r.tables[0], "column_name");
  const auto types = strings(r.tables[0], "column_type");
  ASSERT_EQ(cols.size(), http->rel.columns.size());
  for (std::size_t i = 0; i < cols.size(); ++i) {
    EXPECT_EQ(cols[i], http->rel.columns[i].name);
    EXPECT_EQ(types[i], schemas::to_string(http->rel.columns[i].type));
  }
  EXPECT_EQ(strings(r.tables[0], "column_desc").at(0), http->rel.columns[0].desc);
}

TEST(udtf, custom_catalog_is_what_get_schemas_reads) {
  udtf_context ctx;
  ctx.tables.names = [] { return std::vector<std::string>{"tiny"}; };
  ctx.tables.find = [](std::string_view n) -> std::optional<schemas::relation> {
    if (n == "tiny") return testing::tiny_relation();
    return std::nullopt;
  };
  auto r = run("import px\npx.display(px.GetSchemas())\n", &ctx);
  EXPECT_EQ(strings(r.tables[0], "column_name"), testing::tiny_relation().names());
  EXPECT_EQ(std::set<std::string>{}, [&] {
    std::set<std::string> other;
    for (const auto& t : strings(r.tables[0], "table_name"))
      if (t != "tiny") other.insert(t);
    return other;
  }());
}

TEST(udtf, function_lists_follow_the_registry) {
  const auto& reg = pxl::function_registry::builtin();
  auto udfs = run("import px\npx.display(px.GetUDFList())\n");
  const auto names = strings(udfs.tables[0], "name");
  // The output limit (10,000 rows) is far above the registry's size.
  ASSERT_EQ(names.size(), reg.udfs().size());
  ASSERT_FALSE(udfs.tables[0].truncated_to.has_value());
  bool found = false;
  const auto args = strings(udfs.tables[0], "args");
  const auto results = strings(udfs.tables[0], "return_type");
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == "substring" && args[i] == "STRING,INT64,INT64") found = results[i] == "STRING";
  EXPECT_TRUE(found);

  auto udas = run("import px\ndf = px.GetUDAList()\npx.display(df[df.name == 'count'])\n");
  std::size_t counts = 0;
  for (const auto& u : reg.udas()) counts += u.name == "count";
  EXPECT_EQ(strings(udas.tables[0], "name").size(), counts);

  auto udtfs = run("import px\npx.display(px.GetUDTFList())\n");
  const auto udtf_names = strings(udtfs.tables[0], "name");
  ASSERT_EQ(udtf_names.size(), pxl::builtin_udtfs().size());
  for (std::size_t i = 0; i < udtf_names.size(); ++i) {
    if (udtf_names[i] != "GetAgentStatus") continue;
    EXPECT_EQ(strings(udtfs.tables[0], "init_args")[i], "include_kelvin BOOLEAN=True");
    EXPECT_EQ(strings(udtfs.tables[0], "executor")[i], "broker");
    EXPECT_EQ(strings(udtfs.tables[0], "output_relation")[i].rfind("agent_id UINT128,asid INT64,", 0), 0u);
  }
}

TEST(udtf, get_agent_status_reads_the_agents_and_filters_kelvins) {
  udtf_context ctx;
  ctx.agents = [] {
    agent_status pem;
    pem.agent_id = {1, 2};
    pem.asid = 7;
    pem.hostname = "node-a";
    pem.ip_address = "10.0.0.1";
    pem.create_time_ns = 123;
    pem.kernel_headers_installed = true;
    agent_status kelvin = pem;
    kelvin.agent_id = {3, 4};
    kelvin.hostname = "kelvin";
    kelvin.is_kelvin = true;
    return std::vector<agent_status>{pem, kelvin};
  };
  auto all = run("import px\npx.display(px.GetAgentStatus())\n", &ctx);
  EXPECT_EQ(strings(all.tables[0], "hostname"), (std::vector<std::string>{"node-a", "kelvin"}));
  auto pems = run("import px\npx.display(px.GetAgentStatus(False))\n", &ctx);
  ASSERT_EQ(strings(pems.tables[0], "hostname"), (std::vector<std::string>{"node-a"}));
  const auto& b = *pems.tables[0].batches.at(0);
  EXPECT_EQ(b.columns[0].uint128s()[0], (schemas::uint128{1, 2}));
  EXPECT_EQ(b.columns[1].ints()[0], 7);
  EXPECT_EQ(b.columns[4].strings().at(0), "AGENT_STATE_HEALTHY");
  EXPECT_EQ(b.columns[5].ints()[0], 123);
  EXPECT_EQ(b.columns[7].bools()[0], 1);

  // Without an agent registry the query fails with a reason instead of inventing an agent.
  auto none = run_plan(compile_builtin("import px\npx.display(px.GetAgentStatus())\n"), {});
  EXPECT_FALSE(none.ok());
  EXPECT_NE(none.error.find("agent registry"), std::string::npos) << none.error;
}

TEST(udtf, output_limit_reports_truncation_only_when_rows_were_cut) {
  std::size_t columns = 0;
  for (const auto& t : schemas::all_tables()) columns += t.rel.columns.size();
  ASSERT_GE(columns, 2u);
  auto cut = run("#px:set max_output_rows_per_table=1\nimport px\npx.display(px.GetSchemas(), 't')\n");
  EXPECT_EQ(cut.tables[0].num_rows(), 1u);
  EXPECT_EQ(cut.tables[0].truncated_to, std::optional<std::int64_t>{1});

  auto exact = run("#px:set max_output_rows_per_table=" + std::to_string(columns) +
                   "\nimport px\npx.display(px.GetSchemas(), 't')\n");
  EXPECT_EQ(exact.tables[0].num_rows(), columns);
  EXPECT_FALSE(exact.tables[0].truncated_to.has_value());

  // df.head(n) cutting rows is what the script asked for: no notice.
  auto head = run("import px\npx.display(px.GetSchemas().head(1))\n");
  EXPECT_EQ(head.tables[0].num_rows(), 1u);
  EXPECT_FALSE(head.tables[0].truncated_to.has_value());
}

TEST(limit_operator, truncated_only_after_a_row_beyond_the_limit) {
  limit_operator exact(3);
  EXPECT_EQ(exact.push(testing::tiny_batch({1, 2, 3}, {"a", "b", "c"}, {1, 2, 3}), 0).at(0)->num_rows(), 3u);
  EXPECT_FALSE(exact.done());  // it must see whether another row comes
  EXPECT_FALSE(exact.truncated());
  EXPECT_TRUE(exact.push(testing::tiny_batch({4}, {"d"}, {4}), 0).empty());
  EXPECT_TRUE(exact.truncated());
  EXPECT_TRUE(exact.done());

  limit_operator within(5);
  within.push(testing::tiny_batch({1, 2}, {"a", "b"}, {1, 2}), 0);
  EXPECT_FALSE(within.truncated());
}

}  // namespace
}  // namespace wisp::exec
