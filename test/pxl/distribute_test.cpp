// The planner's split (pxl/distribute.cpp): where each node runs, which agents are pruned, and
// that running the agents' fragments on their own rows and the broker's plan over their streams
// gives the rows the whole plan gives over the union of the agents' rows.

#include "pxl/distribute.hpp"

#include <gtest/gtest.h>

#include "test/actors/exec/exec_test_util.hpp"

namespace wisp::pxl {
namespace {

using exec::testing::compile_tiny;
using exec::testing::sorted_rows;
using exec::testing::tiny_batch;
using exec::testing::tiny_relation;

std::vector<agent_tables> three_agents() {
  return {{1, "node-a", {"tiny"}}, {2, "node-b", {"tiny"}}, {3, "node-c", {"other"}}};
}

std::vector<std::string> kinds(const plan& p) {
  std::vector<std::string> out;
  for (const auto& n : p.nodes) out.emplace_back(op_name(n.op));
  return out;
}

TEST(distribute, an_aggregate_is_split_into_partial_on_agents_and_final_on_the_broker) {
  auto p = compile_tiny(
      "import px\ndf = px.DataFrame('tiny')\ndf = df[df.bytes > 1]\n"
      "df = df.groupby('service').agg(n=('bytes', px.count), total=('bytes', px.sum))\npx.display(df)\n");
  auto d = distribute(p, three_agents());
  ASSERT_EQ(d.agents.size(), 2u);  // node-c holds no 'tiny': pruned
  EXPECT_EQ(d.agents[0].asid, 1u);
  EXPECT_EQ(kinds(d.agents[0].fragment),
            (std::vector<std::string>{"memory_source", "filter", "aggregate", "result_sink"}));
  const auto& partial = std::get<aggregate_op>(d.agents[0].fragment.nodes[2].op);
  EXPECT_EQ(partial.mode, aggregate_mode::partial);
  const auto& stream_rel = d.agents[0].fragment.nodes[3].output;
  ASSERT_EQ(stream_rel.columns.size(), 3u);
  EXPECT_EQ(stream_rel.columns[1].type, schemas::data_type::string);  // a serialized state
  EXPECT_EQ(kinds(d.broker), (std::vector<std::string>{"stream_source", "aggregate", "limit", "result_sink"}));
  const auto& final_agg = std::get<aggregate_op>(d.broker.nodes[1].op);
  EXPECT_EQ(final_agg.mode, aggregate_mode::final);
  EXPECT_EQ(final_agg.aggregates[1].arg.column_index, 2u);
  const auto& stream = std::get<stream_source_op>(d.broker.nodes[0].op).stream;
  EXPECT_EQ(std::get<result_sink_op>(d.agents[0].fragment.nodes[3].op).name, stream);
  EXPECT_EQ(d.producers.at(stream), (std::set<std::uint32_t>{1, 2}));
  EXPECT_EQ(d.broker.nodes[1].output, p.nodes[2].output);  // the final half gives the full output
}

TEST(distribute, without_partial_aggregation_the_agents_send_the_aggregates_input) {
  auto p = compile_tiny("import px\ndf = px.DataFrame('tiny').groupby('service').agg(n=('bytes', px.count))\npx.display(df)\n");
  distribute_options opts;
  opts.partial_aggregates = false;
  auto d = distribute(p, three_agents(), opts);
  ASSERT_EQ(d.agents.size(), 2u);
  EXPECT_EQ(kinds(d.agents[0].fragment), (std::vector<std::string>{"memory_source", "result_sink"}));
  EXPECT_EQ(kinds(d.broker), (std::vector<std::string>{"stream_source", "aggregate", "limit", "result_sink"}));
  EXPECT_EQ(std::get<aggregate_op>(d.broker.nodes[1].op).mode, aggregate_mode::full);
}

TEST(distribute, cluster_metadata_functions_run_on_the_broker_and_upid_ones_on_agents) {
  auto p = compile_tiny(
      "import px\ndf = px.DataFrame('tiny')\ndf.host = px._exec_hostname()\n"
      "df.pod = px.ip_to_pod_id(df.service)\ndf = df[df.pod != 'x']\npx.display(df)\n");
  auto d = distribute(p, three_agents());
  ASSERT_FALSE(d.agents.empty());
  // The hostname map runs where the rows are; the ip_to_pod_id map and all after it on the broker.
  EXPECT_EQ(kinds(d.agents[0].fragment), (std::vector<std::string>{"memory_source", "map", "result_sink"}));
  EXPECT_EQ(kinds(d.broker), (std::vector<std::string>{"stream_source", "map", "filter", "limit", "result_sink"}));
  EXPECT_TRUE(needs_cluster_metadata("ip_to_pod_name"));
  EXPECT_TRUE(needs_cluster_metadata("service_name_to_namespace"));
  EXPECT_FALSE(needs_cluster_metadata("upid_to_pod_name"));
  EXPECT_FALSE(needs_cluster_metadata("_exec_hostname"));
}

TEST(distribute, a_limit_runs_on_agents_with_one_row_more_and_again_on_the_broker) {
  auto p = compile_tiny("import px\npx.display(px.DataFrame('tiny').head(5))\n");
  auto d = distribute(p, three_agents());
  ASSERT_FALSE(d.agents.empty());
  const auto& agent_limit = exec::testing::first_node<limit_op>(d.agents[0].fragment);
  EXPECT_EQ(std::get<limit_op>(agent_limit.op).n, 6);
  EXPECT_TRUE(std::get<limit_op>(agent_limit.op).result_table.empty());
  EXPECT_EQ(std::get<limit_op>(exec::testing::first_node<limit_op>(d.broker).op).n, 5);
}

TEST(distribute, joins_unions_and_table_functions_stay_on_the_broker) {
  auto p = compile_tiny(
      "import px\na = px.DataFrame('tiny')\nb = px.DataFrame('tiny')\n"
      "j = a.merge(b, how='inner', left_on='service', right_on='service', suffixes=['', '_r'])\n"
      "px.display(j)\npx.display(a.append(b), 'u')\npx.display(px.GetTables(), 't')\n");
  auto d = distribute(p, three_agents());
  ASSERT_EQ(d.agents.size(), 2u);
  for (const auto& n : d.broker.nodes) {
    EXPECT_FALSE(std::holds_alternative<memory_source_op>(n.op));
  }
  for (const auto& n : d.agents[0].fragment.nodes) {
    const auto k = op_name(n.op);
    EXPECT_TRUE(k == "memory_source" || k == "result_sink") << k;
  }
  EXPECT_EQ(exec::testing::first_node<udtf_source_op>(d.broker).parents.size(), 0u);
}

TEST(distribute, explain_names_the_agents_and_the_pruned_ones) {
  auto p = compile_tiny("import px\npx.display(px.DataFrame('tiny'))\n");
  const auto agents = three_agents();
  auto text = to_string(distribute(p, agents), agents);
  EXPECT_NE(text.find("broker:\n"), std::string::npos) << text;
  EXPECT_NE(text.find("agents: node-a (asid 1), node-b (asid 2)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("pruned (none of the query's tables): node-c (asid 3)"), std::string::npos) << text;
}

// Runs `script` whole over the union of the agents' rows and distributed over each agent's own
// rows; the result tables must hold the same rows.
void expect_same_rows(const std::string& script, const distribute_options& opts) {
  SCOPED_TRACE(script);
  auto p = compile_tiny(script);
  std::vector<std::vector<schemas::row_batch_ptr>> per_agent = {
      {tiny_batch({1, 2, 3}, {"a", "b", "a"}, {10, 20, 30}), tiny_batch({4}, {"c"}, {5})},
      {tiny_batch({5, 6}, {"a", "c"}, {7, 9})},
      {},
      {tiny_batch({7, 8, 9, 10}, {"b", "b", "d", "a"}, {1, 2, 3, 4})}};
  std::vector<agent_tables> agents;
  exec::table_provider all;
  all["tiny"].rel = tiny_relation();
  for (std::size_t i = 0; i < per_agent.size(); ++i) {
    agents.push_back({static_cast<std::uint32_t>(i + 1), "n" + std::to_string(i), {"tiny"}});
    for (const auto& b : per_agent[i]) all["tiny"].batches.push_back(b);
  }
  auto whole = exec::run_plan(p, all);
  ASSERT_TRUE(whole.ok()) << whole.error;

  auto d = distribute(p, agents, opts);
  exec::table_provider streams;
  for (const auto& f : d.agents) {
    exec::table_provider mine;
    mine["tiny"] = {tiny_relation(), per_agent[f.asid - 1]};
    auto r = exec::run_plan(f.fragment, mine);
    ASSERT_TRUE(r.ok()) << r.error;
    for (auto& t : r.tables) {
      streams[t.name].rel = t.rel;
      for (auto& b : t.batches) streams[t.name].batches.push_back(b);
    }
  }
  auto merged = exec::run_plan(d.broker, streams);
  ASSERT_TRUE(merged.ok()) << merged.error;
  ASSERT_EQ(merged.tables.size(), whole.tables.size());
  for (std::size_t i = 0; i < whole.tables.size(); ++i) {
    EXPECT_EQ(merged.tables[i].name, whole.tables[i].name);
    EXPECT_EQ(merged.tables[i].rel, whole.tables[i].rel);
    EXPECT_EQ(sorted_rows(merged.tables[i].batches), sorted_rows(whole.tables[i].batches));
    EXPECT_EQ(merged.tables[i].truncated_to, whole.tables[i].truncated_to);
  }
}

TEST(distribute, the_split_plan_gives_the_rows_of_the_whole_plan) {
  distribute_options central;
  central.partial_aggregates = false;
  for (const auto& opts : {distribute_options{}, central}) {
    SCOPED_TRACE(opts.partial_aggregates ? "partial aggregates on agents" : "rows to the broker");
    for (const auto* script : {
           "import px\npx.display(px.DataFrame('tiny'))\n",
           "import px\ndf = px.DataFrame('tiny')\ndf = df[df.bytes > 5]\ndf.kb = df.bytes / 1000\npx.display(df)\n",
           "import px\ndf = px.DataFrame('tiny').groupby('service').agg(n=('bytes', px.count), s=('bytes', px.sum))\npx.display(df)\n",
           "import px\ndf = px.DataFrame('tiny').groupby(['service', 'bytes']).agg(m=('ratio', px.mean), lo=('time_', px.min),\n"
           "  q=('bytes', px.quantiles), n=('ratio', px.count))\npx.display(df)\n",
           "import px\npx.display(px.DataFrame('tiny').agg(n=('bytes', px.count), hi=('bytes', px.max)))\n",
           "import px\na = px.DataFrame('tiny')\nb = a.groupby('service').agg(m=('bytes', px.max))\n"
           "px.display(a.merge(b, how='inner', left_on='service', right_on='service', suffixes=['', '_r']))\n",
         }) {
      expect_same_rows(script, opts);
    }
  }
}

TEST(distribute, a_limit_cut_on_one_agent_is_still_reported) {
  // Agent 1 alone holds 4 rows: its limit of 3 + 1 passes 4 and the broker's limit of 3 cuts.
  expect_same_rows("import px\npx.display(px.DataFrame('tiny')[px.DataFrame('tiny').time_ < 5].head(3))\n", {});
}

}  // namespace
}  // namespace wisp::pxl
