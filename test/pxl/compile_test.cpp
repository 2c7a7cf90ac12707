#include "pxl/compile.hpp"

#include <gtest/gtest.h>

#include <set>

#include "pxl/functions.hpp"
#include "schemas/tables.hpp"

namespace wisp::pxl {
namespace {

using schemas::data_type;
using schemas::semantic_type;

constexpr std::int64_t now = 1'000'000'000'000;
constexpr std::int64_t five_minutes_ns = 5LL * 60 * 1'000'000'000;

compile_result compile_text(std::string_view src) {
  compile_options o;
  o.file = "s.pxl";
  o.now_ns = now;
  return compile(src, o);
}

template <class Op>
std::vector<const plan_node*> nodes_of(const plan& p) {
  std::vector<const plan_node*> out;
  for (const auto& n : p.nodes)
    if (std::holds_alternative<Op>(n.op)) out.push_back(&n);
  return out;
}

const schemas::column_info& col(const plan_node& n, std::string_view name) {
  return n.output.columns.at(*n.output.index_of(name));
}

TEST(compile, source_time_range_and_select) {
  auto r = compile_text(
      "import px\n"
      "df = px.DataFrame(table='http_events', start_time='-5m', select=['time_', 'latency'])\n"
      "px.display(df)\n");
  ASSERT_TRUE(r.ok()) << to_string(r.diagnostics[0]);
  auto src = nodes_of<memory_source_op>(r.plan);
  ASSERT_EQ(src.size(), 1u);
  const auto& op = std::get<memory_source_op>(src[0]->op);
  EXPECT_EQ(op.table, "http_events");
  EXPECT_EQ(op.start_ns, now - five_minutes_ns);
  EXPECT_FALSE(op.end_ns);
  EXPECT_EQ(src[0]->output.names(), (std::vector<std::string>{"time_", "latency"}));
}

TEST(compile, script_reference_dict_becomes_flat_call_with_script_reference_type) {
  auto r = compile_text(
      "import px\ndf = px.DataFrame('http_events')\n"
      "df.link = px.script_reference(df.req_path, 'px/http_data', {'path': df.req_path, 'start_time': '-5m'})\n"
      "px.display(df[['link']])\n");
  ASSERT_TRUE(r.ok()) << to_string(r.diagnostics[0]);
  const plan_node* map = nullptr;
  const expression* link = nullptr;
  for (const auto* n : nodes_of<map_op>(r.plan))
    for (const auto& ne : std::get<map_op>(n->op).exprs)
      if (ne.name == "link" && ne.expr.kind == expression_kind::call) {
        map = n;
        link = &ne.expr;
      }
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(col(*map, "link").type, schemas::data_type::string);
  EXPECT_EQ(col(*map, "link").semantic, schemas::semantic_type::st_script_reference);
  const auto& e = *link;
  EXPECT_EQ(e.function, "_script_reference");
  ASSERT_EQ(e.args.size(), 6u);  // label, script, 'path', req_path, 'start_time', '-5m'
  EXPECT_EQ(e.args[2].kind, expression_kind::literal);
  EXPECT_EQ(e.args[3].kind, expression_kind::column);
}

TEST(compile, pxviews_function_nodes_are_located_at_the_scripts_call) {
  auto r = compile_text("import px\nimport pxviews\ndf = pxviews.http_graph('-5m', px.now())\npx.display(df)\n");
  ASSERT_TRUE(r.ok()) << to_string(r.diagnostics[0]);
  auto src = nodes_of<memory_source_op>(r.plan);
  ASSERT_EQ(src.size(), 1u);
  EXPECT_EQ(std::get<memory_source_op>(src[0]->op).table, "http_events");
  EXPECT_EQ(std::get<memory_source_op>(src[0]->op).start_ns, now - five_minutes_ns);
  EXPECT_EQ(std::get<memory_source_op>(src[0]->op).end_ns, now);
  for (const auto& n : r.plan.nodes) {
    if (!std::holds_alternative<result_sink_op>(n.op) && !std::holds_alternative<limit_op>(n.op)) {
      EXPECT_EQ(n.loc.line, 3) << op_name(n.op);
    }
  }
}

TEST(compile, limit_inserted_before_every_sink_and_names_deduplicated) {
  auto r = compile_text(
      "import px\ndf = px.DataFrame('http_events')\npx.display(df)\npx.display(df)\n"
      "px.display(df, 'x')\n");
  ASSERT_TRUE(r.ok());
  auto sinks = nodes_of<result_sink_op>(r.plan);
  ASSERT_EQ(sinks.size(), 3u);
  EXPECT_EQ(std::get<result_sink_op>(sinks[0]->op).name, "output");
  EXPECT_EQ(std::get<result_sink_op>(sinks[1]->op).name, "output_1");
  EXPECT_EQ(std::get<result_sink_op>(sinks[2]->op).name, "x");
  for (const auto* s : sinks) {
    const auto* limit = r.plan.find(s->parents.at(0));
    ASSERT_TRUE(std::holds_alternative<limit_op>(limit->op));
    EXPECT_EQ(std::get<limit_op>(limit->op).n, default_max_output_rows_per_table);
  }
}

TEST(compile, px_set_changes_the_sink_limit) {
  auto r = compile_text(
      "#px:set max_output_rows_per_table=7\nimport px\npx.display(px.DataFrame('http_events'))\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<limit_op>(nodes_of<limit_op>(r.plan).at(0)->op).n, 7);
}

// Function mode (facts §2.6): the vis spec's functions make the sinks, named after the widgets,
// with the #px:set limit before each; px.display adds none; a px.Time argument is relative to
// the compile clock.
TEST(compile, function_mode_sinks_follow_the_vis_spec) {
  compile_options o;
  o.file = "s.pxl";
  o.now_ns = now;
  o.vis = R"({"variables": [{"name": "start_time", "defaultValue": "-5m"}],
              "globalFuncs": [{"outputName": "g", "func": {"name": "f", "args": [
                  {"name": "t", "variable": "start_time"}]}}],
              "widgets": [{"name": "Table 1", "func": {"name": "f", "args": [
                  {"name": "t", "value": "-1m"}]}}, {"globalFuncOutputName": "g"}]})";
  auto r = compile(
      "#px:set max_output_rows_per_table=3\nimport px\n"
      "def f(t: px.Time):\n    return px.DataFrame('http_events', start_time=t)\n"
      "px.display(px.DataFrame('http_events'))\n",
      o);
  ASSERT_TRUE(r.ok()) << to_string(r.diagnostics[0]);
  auto sinks = nodes_of<result_sink_op>(r.plan);
  ASSERT_EQ(sinks.size(), 2u);
  EXPECT_EQ(std::get<result_sink_op>(sinks[0]->op).name, "g");
  EXPECT_EQ(std::get<result_sink_op>(sinks[1]->op).name, "Table 1");
  for (const auto* s : sinks)
    EXPECT_EQ(std::get<limit_op>(r.plan.find(s->parents.at(0))->op).n, 3);
  auto sources = nodes_of<memory_source_op>(r.plan);
  ASSERT_EQ(sources.size(), 3u);  // the top-level px.DataFrame is built, but not displayed
  EXPECT_EQ(std::get<memory_source_op>(sources[1]->op).start_ns, now - five_minutes_ns);
  EXPECT_EQ(std::get<memory_source_op>(sources[2]->op).start_ns, now - 60'000'000'000LL);

  o.args = {{"start_time", "-10m"}};
  r = compile("import px\ndef f(t: px.Time):\n    return px.DataFrame('http_events', start_time=t)\n", o);
  ASSERT_TRUE(r.ok()) << to_string(r.diagnostics[0]);
  EXPECT_EQ(std::get<memory_source_op>(nodes_of<memory_source_op>(r.plan).at(0)->op).start_ns,
            now - 2 * five_minutes_ns);
}

TEST(compile, function_mode_errors_are_located_in_their_file) {
  compile_options o;
  o.file = "s.pxl";
  o.vis_file = "dir/vis.json";
  o.vis = "{\"variables\": [{\"name\": \"n\", \"defaultValue\": \"1\"}],\n \"widgets\": []}";
  o.args = {{"m", "2"}, {"n", "x"}};
  auto r = compile("import px\n", o);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].file, "dir/vis.json");
  EXPECT_EQ(r.diagnostics[0].line, 1);
  EXPECT_EQ(r.diagnostics[0].col, 15);
  EXPECT_NE(r.diagnostics[0].hint.find("--n"), std::string::npos) << r.diagnostics[0].hint;
  // Garbage never crashes: every prefix of a valid spec is reported, not accepted or crashed on.
  const std::string good = R"({"variables": [{"name": "n", "defaultValue": "1"}], "widgets": [{"name": "w",)"
                           R"( "func": {"name": "f", "args": [{"name": "n", "variable": "n"}]}}]})";
  o.args.clear();
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    o.vis = good.substr(0, cut);
    auto bad = compile("import px\ndef f(n: int):\n    return px.DataFrame('http_events').head(n)\n", o);
    EXPECT_FALSE(bad.ok()) << cut;
  }
  o.vis = good;
  EXPECT_TRUE(compile("import px\ndef f(n: int):\n    return px.DataFrame('http_events').head(n)\n", o).ok());
}

TEST(compile, plan_shape_and_semantic_types) {
  auto r = compile_text(
      "import px\n"
      "ns_per_ms = 1000 * 1000\n"
      "df = px.DataFrame(table='http_events', start_time='-5m')\n"
      "df = df[df.resp_status >= 400]\n"
      "df.latency_ms = df.latency / ns_per_ms\n"
      "df['slow'] = df.latency > 100 * ns_per_ms\n"
      "df = df.groupby(['req_path', 'slow']).agg(n=('latency', px.count),\n"
      "    lat=('latency', px.mean), worst=('latency', px.max))\n"
      "df = df.drop('slow').head(3)\n"
      "px.display(df, 'errors')\n");
  ASSERT_TRUE(r.ok()) << to_string(r.diagnostics[0]);
  std::vector<std::string_view> kinds;
  for (const auto& n : r.plan.nodes) kinds.push_back(op_name(n.op));
  std::vector<std::string_view> want{"memory_source", "filter", "map",   "map",
                                     "aggregate",     "map",    "limit", "limit",
                                     "result_sink"};
  EXPECT_EQ(kinds, want);
  const auto& agg = *nodes_of<aggregate_op>(r.plan).at(0);
  EXPECT_EQ(agg.output.names(),
            (std::vector<std::string>{"req_path", "slow", "n", "lat", "worst"}));
  EXPECT_EQ(col(agg, "n").type, data_type::int64);
  EXPECT_EQ(col(agg, "n").semantic, semantic_type::st_none);
  EXPECT_EQ(col(agg, "lat").type, data_type::float64);
  EXPECT_EQ(col(agg, "lat").semantic, semantic_type::st_duration_ns);
  EXPECT_EQ(col(agg, "worst").semantic, semantic_type::st_duration_ns);
  const auto& map = *nodes_of<map_op>(r.plan).at(0);
  EXPECT_FALSE(map.output.index_of("latency_ms")) << "nothing reads it: left out";
  EXPECT_EQ(col(map, "latency").semantic, semantic_type::st_duration_ns);
  // The folded constant appears as a literal, not as a call.
  const auto& slow = std::get<map_op>(nodes_of<map_op>(r.plan).at(1)->op).exprs.back();
  EXPECT_EQ(slow.name, "slow");
  EXPECT_EQ(slow.expr.args.at(1).kind, expression_kind::literal);
  EXPECT_EQ(std::get<std::int64_t>(slow.expr.args.at(1).literal.value), 100'000'000);
  EXPECT_EQ(r.plan.nodes.back().output.names(),
            (std::vector<std::string>{"req_path", "n", "lat", "worst"}));
  EXPECT_NE(to_string(r.plan).find("aggregate"), std::string::npos);
}

TEST(compile, projection_keeps_requested_order) {
  auto r = compile_text(
      "import px\ndf = px.DataFrame('http_events')\npx.display(df[['latency', 'req_path']])\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.plan.nodes.back().output.names(), (std::vector<std::string>{"latency", "req_path"}));
}

struct error_case {
  std::string_view name;
  std::string_view src;
  int line;
  int col;
  std::string_view message_part;
  std::string_view hint_part;
};

class compile_errors : public testing::TestWithParam<error_case> {};

TEST_P(compile_errors, located) {
  const auto& c = GetParam();
  auto r = compile_text(c.src);
  ASSERT_FALSE(r.ok());
  const auto& d = r.diagnostics.at(0);
  EXPECT_EQ(d.file, "s.pxl");
  EXPECT_EQ(d.line, c.line) << d.message;
  EXPECT_EQ(d.col, c.col) << d.message;
  EXPECT_NE(d.message.find(c.message_part), std::string::npos) << d.message;
  EXPECT_NE(d.hint.find(c.hint_part), std::string::npos) << d.hint;
}

const error_case error_cases[] = {
    {"unknown_table", "import px\ndf = px.DataFrame(table='htp_events')\n", 2, 25,
     "table 'htp_events' does not exist", "http_events"},
    {"unknown_column", "import px\ndf = px.DataFrame('http_events')\ndf.x = df.latncy * 2\n", 3, 11,
     "column 'latncy' not found", "req_path"},
    {"unknown_select", "import px\ndf = px.DataFrame('http_events', select=['nope'])\n", 2, 19,
     "column 'nope'", "latency"},
    {"unknown_px_function", "import px\ndf = px.DataFrame('http_events')\ndf.x = px.frobnicate(df.a)\n",
     3, 11, "unknown function 'px.frobnicate'", ""},
    {"type_error_operator", "import px\ndf = px.DataFrame('http_events')\ndf.x = df.req_path + 1\n", 3,
     20, "operator '+' does not accept (STRING, INT64)", "add(INT64, INT64)"},
    {"filter_not_boolean", "import px\ndf = px.DataFrame('http_events')\ndf = df[df.latency]\n", 3,
     12, "must be BOOLEAN", ""},
    {"uda_type", "import px\ndf = px.DataFrame('http_events')\n"
                 "df = df.groupby('req_path').agg(x=('req_method', px.mean))\n",
     3, 36, "px.mean cannot aggregate a STRING", "mean(INT64)"},
    {"undefined_name", "import px\ndf = px.DataFrame('http_events')\npx.display(dff)\n", 3, 12,
     "name 'dff' is not defined", ""},
    {"missing_import", "df = px.DataFrame('http_events')\n", 1, 6, "name 'px' is not defined",
     "import px"},
    {"bad_time", "import px\ndf = px.DataFrame('http_events', start_time='yesterday')\n", 2, 45,
     "cannot parse start_time", "-5m"},
    {"bad_kwarg", "import px\ndf = px.DataFrame('http_events', start='-5m')\n", 2, 34,
     "unexpected keyword argument 'start'", "start_time"},
    {"constant_type_error", "x = 'a' - 1\n", 1, 9, "unsupported operand types for '-'", ""},
    {"drop_unknown", "import px\ndf = px.DataFrame('http_events')\ndf = df.drop(['nope'])\n", 3, 9,
     "cannot drop column 'nope'", "latency"},
    {"pending_method", "import px\ndf = px.DataFrame('http_events')\ndf = df.stream()\n", 3,
     9, "'df.stream' is not implemented in Wisp yet", ""},
    {"merge_unknown_key",
     "import px\ndf = px.DataFrame('http_events')\ndf = df.merge(df, left_on='upid', right_on='pid')\n",
     3, 44, "merge: column 'pid' is not in the right DataFrame", "latency"},
    {"merge_key_types",
     "import px\ndf = px.DataFrame('http_events')\n"
     "df = df.merge(df, left_on='upid', right_on='latency')\n",
     3, 44, "merge: cannot join 'upid' (UINT128) with 'latency' (INT64)", "same type"},
    {"append_schema",
     "import px\ndf = px.DataFrame('http_events')\ndf = df.append(df[['time_', 'upid']])\n", 3,
     18, "append: column 'remote_addr' (STRING) is missing", "this one has: time_:TIME64NS, upid"},
    {"ctx_unknown_key", "import px\ndf = px.DataFrame('http_events')\ndf.x = df.ctx['podname']\n",
     3, 15, "unknown ctx key 'podname'", "pod_name (pod)"},
    {"distinct_without_groups", "import px\ndf = px.DataFrame('http_events')\ndf = df.agg()\n", 3, 9,
     "agg() without aggregates needs groups", ""},
    {"uda_called", "import px\ndf = px.DataFrame('http_events')\ndf.x = px.count(df.latency)\n", 3,
     11, "aggregate function", "agg"},
    {"python_construct", "import px\nwhile True:\n  pass\n", 2, 1, "not supported in PxL", ""},
    {"udtf_arg_type", "import px\ndf = px.GetAgentStatus(1)\n", 2, 24,
     "argument 'include_kelvin' of px.GetAgentStatus must be a constant BOOLEAN", "include_kelvin=True"},
    {"udtf_too_many_args", "import px\ndf = px.GetSchemas('http_events')\n", 2, 20,
     "px.GetSchemas takes no arguments", "px.GetSchemas()"},
    {"udtf_bad_keyword", "import px\ndf = px.GetAgentStatus(kelvin=False)\n", 2, 24,
     "unexpected keyword argument 'kelvin'", "include_kelvin"},
    {"udtf_repeated_arg", "import px\ndf = px.GetAgentStatus(True, include_kelvin=False)\n", 2, 30,
     "multiple values for 'include_kelvin'", ""},
    {"udtf_column_arg", "import px\ndf = px.DataFrame('http_events')\nx = px.GetAgentStatus(df.trace_role == 1)\n",
     3, 37, "must be a constant BOOLEAN", ""},
    {"udtf_pending", "import px\ndf = px.GetCronScriptHistory()\n", 2, 9,
     "'px.GetCronScriptHistory' is not implemented in Wisp yet", "px.GetSchemas"},
    {"udtf_unknown", "import px\ndf = px.GetSchemaz()\n", 2, 9, "unknown function 'px.GetSchemaz'", ""},
};

INSTANTIATE_TEST_SUITE_P(cases, compile_errors, testing::ValuesIn(error_cases),
                         [](const auto& info) { return std::string{info.param.name}; });

TEST(compile, udtf_source_node_has_the_udtf_relation_and_default_args) {
  auto r = compile_text("import px\npx.display(px.GetAgentStatus(), 'agents')\n"
                        "px.display(px.GetAgentStatus(include_kelvin=False).head(1))\n");
  ASSERT_TRUE(r.ok()) << to_string(r.diagnostics.at(0));
  std::vector<const plan_node*> udtfs;
  for (const auto& n : r.plan.nodes)
    if (std::holds_alternative<udtf_source_op>(n.op)) udtfs.push_back(&n);
  ASSERT_EQ(udtfs.size(), 2u);
  const auto& first = std::get<udtf_source_op>(udtfs[0]->op);
  EXPECT_EQ(first.name, "GetAgentStatus");
  EXPECT_EQ(first.args, (std::vector<scalar>{scalar::of_bool(true)}));
  EXPECT_EQ(std::get<udtf_source_op>(udtfs[1]->op).args, (std::vector<scalar>{scalar::of_bool(false)}));
  EXPECT_EQ(udtfs[0]->output.names(),
            (std::vector<std::string>{"agent_id", "asid", "hostname", "ip_address", "agent_state", "create_time",
                                      "last_heartbeat_ns", "kernel_headers_installed"}));
  EXPECT_EQ(col(*udtfs[0], "agent_id").type, schemas::data_type::uint128);
  EXPECT_EQ(col(*udtfs[0], "create_time").type, schemas::data_type::time64ns);
  EXPECT_EQ(col(*udtfs[0], "last_heartbeat_ns").type, schemas::data_type::int64);
  EXPECT_EQ(col(*udtfs[0], "kernel_headers_installed").type, schemas::data_type::boolean);
  // Only the output limit before a sink names its table; df.head(1) does not.
  std::vector<std::string> limit_tables;
  for (const auto& n : r.plan.nodes)
    if (const auto* l = std::get_if<limit_op>(&n.op)) limit_tables.push_back(l->result_table);
  EXPECT_EQ(limit_tables, (std::vector<std::string>{"agents", "", "output"}));
  EXPECT_NE(to_string(r.plan).find("udtf_source GetAgentStatus(False)"), std::string::npos) << to_string(r.plan);
}

TEST(compile, rendered_diagnostic) {
  diagnostic d{"f.pxl", 3, 7, "boom", ""};
  EXPECT_EQ(to_string(d), "f.pxl:3:7: boom");
}

TEST(compile, custom_table_catalog) {
  compile_options o;
  schemas::relation rel{{{"time_", data_type::time64ns, semantic_type::st_time_ns, ""},
                         {"v", data_type::float64, semantic_type::st_none, ""}}};
  o.tables.find = [rel](std::string_view n) -> std::optional<schemas::relation> {
    if (n == "tiny") return rel;
    return std::nullopt;
  };
  o.tables.names = [] { return std::vector<std::string>{"tiny"}; };
  auto r = compile("import px\npx.display(px.DataFrame('tiny').agg(s=('v', px.sum)))\n", o);
  ASSERT_TRUE(r.ok()) << to_string(r.diagnostics[0]);
  EXPECT_EQ(r.plan.nodes.back().output.columns.at(0).type, data_type::float64);
}

// Facts §2.4: every key and alias, resolved through upid (the usual key column).
TEST(compile, ctx_every_key_and_alias_resolves_through_upid) {
  const std::pair<const char*, const char*> keys[] = {
      {"container_id", "upid_to_container_id"},   {"service_id", "upid_to_service_id"},
      {"pod_id", "upid_to_pod_id"},               {"deployment_id", "upid_to_deployment_id"},
      {"replicaset_id", "upid_to_replicaset_id"}, {"replica_set_id", "upid_to_replicaset_id"},
      {"service_name", "upid_to_service_name"},   {"service", "upid_to_service_name"},
      {"deployment_name", "upid_to_deployment_name"}, {"deployment", "upid_to_deployment_name"},
      {"namespace", "upid_to_namespace"},         {"replicaset_name", "upid_to_replicaset_name"},
      {"replica_set", "upid_to_replicaset_name"}, {"replicaset", "upid_to_replicaset_name"},
      {"node_name", "upid_to_node_name"},         {"node", "upid_to_node_name"},
      {"hostname", "upid_to_hostname"},           {"host", "upid_to_hostname"},
      {"container_name", "upid_to_container_name"}, {"container", "upid_to_container_name"},
      {"cmdline", "upid_to_cmdline"},             {"cmd", "upid_to_cmdline"},
      {"asid", "upid_to_asid"},                   {"pid", "upid_to_pid"}};
  for (const auto& [key, function] : keys) {
    SCOPED_TRACE(key);
    auto r = compile_text("import px\ndf = px.DataFrame('http_events', select=['time_', 'upid'])\n"
                          "df.x = df.ctx['" + std::string{key} + "']\npx.display(df)\n");
    ASSERT_TRUE(r.ok()) << to_string(r.diagnostics[0]);
    const auto& m = std::get<map_op>(nodes_of<map_op>(r.plan).at(0)->op);
    const auto& x = m.exprs.back().expr;
    ASSERT_EQ(x.kind, expression_kind::call);
    EXPECT_EQ(x.function, function);
    ASSERT_EQ(x.args.size(), 1u);
    EXPECT_EQ(x.args[0].column_name, "upid");
  }
}

// Pixie's work-around: with local_addr and time_, the pod comes from the fallback function.
TEST(compile, ctx_pod_uses_local_addr_fallback_when_possible) {
  auto r = compile_text("import px\ndf = px.DataFrame('http_events')\ndf.pod = df.ctx['pod']\n"
                        "px.display(df)\n");
  ASSERT_TRUE(r.ok()) << to_string(r.diagnostics[0]);
  const auto& m = std::get<map_op>(nodes_of<map_op>(r.plan).at(0)->op);
  const auto& x = m.exprs.back().expr;
  EXPECT_EQ(x.function, "_upid_to_podname_local_addr_fallback");
  ASSERT_EQ(x.args.size(), 3u);
  EXPECT_EQ(x.args[1].column_name, "local_addr");
  EXPECT_EQ(col(*nodes_of<map_op>(r.plan).at(0), "pod").semantic, semantic_type::st_pod_name);
}

TEST(compile, merge_plan_shape_and_suffixes) {
  auto r = compile_text(
      "import px\nl = px.DataFrame('http_events', select=['time_', 'upid', 'latency'])\n"
      "r = px.DataFrame('http_events', select=['upid', 'req_path'])\n"
      "px.display(l.merge(r, how='right', left_on=['upid'], right_on='upid', suffixes=['', '_r']))\n");
  ASSERT_TRUE(r.ok()) << to_string(r.diagnostics[0]);
  auto joins = nodes_of<join_op>(r.plan);
  ASSERT_EQ(joins.size(), 1u);
  const auto& j = std::get<join_op>(joins[0]->op);
  EXPECT_EQ(j.how, join_kind::right);
  EXPECT_EQ(j.left_keys, (std::vector<std::size_t>{1}));
  EXPECT_EQ(j.right_keys, (std::vector<std::size_t>{0}));
  EXPECT_EQ(joins[0]->parents.size(), 2u);
  EXPECT_EQ(joins[0]->output.names(),
            (std::vector<std::string>{"time_", "upid", "latency", "upid_r", "req_path"}));
  EXPECT_EQ(col(*joins[0], "upid_r").type, data_type::uint128);
}

TEST(compile, append_maps_columns_by_name_and_merges_by_time) {
  auto r = compile_text(
      "import px\na = px.DataFrame('http_events', select=['time_', 'latency'])\n"
      "b = px.DataFrame('http_events', select=['latency', 'time_'])\npx.display(a.append(b))\n");
  ASSERT_TRUE(r.ok()) << to_string(r.diagnostics[0]);
  auto unions = nodes_of<union_op>(r.plan);
  ASSERT_EQ(unions.size(), 1u);
  const auto& u = std::get<union_op>(unions[0]->op);
  ASSERT_EQ(u.column_maps.size(), 2u);
  EXPECT_EQ(u.column_maps[0], (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(u.column_maps[1], (std::vector<std::size_t>{1, 0}));
  EXPECT_EQ(u.time_column, std::optional<std::size_t>{0});
}

}  // namespace
}  // namespace wisp::pxl

namespace wisp::pxl {
namespace {

// ---- the Python subset: functions are expanded where they are called ----

TEST(compile, user_functions_expand_into_the_plan) {
  auto r = compile_text(
      "import px\n"
      "def errors(start_time: str, status: int = 400):\n"
      "    '''Failed requests.'''\n"
      "    df = px.DataFrame(table='http_events', start_time=start_time)\n"
      "    return df[df.resp_status >= status]\n"
      "def by_path(df):\n"
      "    return df.groupby('req_path').agg(n=('latency', px.count))\n"
      "px.display(by_path(errors('-5m')), 'a')\n"
      "px.display(errors(status=500, start_time='-1m'), 'b')\n");
  ASSERT_TRUE(r.ok()) << to_string(r.diagnostics[0]);
  std::vector<std::string_view> kinds;
  for (const auto& n : r.plan.nodes) kinds.push_back(op_name(n.op));
  std::vector<std::string_view> want{"memory_source", "filter",      "aggregate", "limit",
                                     "result_sink",   "memory_source", "filter",  "limit",
                                     "result_sink"};
  EXPECT_EQ(kinds, want);
  auto sources = nodes_of<memory_source_op>(r.plan);
  EXPECT_EQ(std::get<memory_source_op>(sources[1]->op).start_ns, now - 60'000'000'000);
  auto filters = nodes_of<filter_op>(r.plan);
  EXPECT_EQ(std::get<std::int64_t>(std::get<filter_op>(filters[0]->op).predicate.args[1].literal.value), 400);
  EXPECT_EQ(std::get<std::int64_t>(std::get<filter_op>(filters[1]->op).predicate.args[1].literal.value), 500);
}

TEST(compile, an_error_inside_a_function_called_twice_is_reported_once) {
  auto r = compile_text(
      "import px\n"
      "def f():\n"
      "    return undefined_name\n"
      "f()\n"
      "f()\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].line, 3);
  EXPECT_EQ(r.diagnostics[0].col, 12);
}

TEST(compile, a_failed_assignment_does_not_cascade) {
  auto r = compile_text(
      "import px\n"
      "df = px.DataFrame('http_events', start='-5m')\n"
      "df = df[df.latency > 1]\n"
      "px.display(df)\n");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].line, 2);
}

TEST(compile, a_function_that_is_never_called_is_not_evaluated) {
  auto r = compile_text("def unused():\n    return no_such_name\n");
  EXPECT_TRUE(r.ok());
}

// ---- bad input: limits give located errors, never a crash ----

std::string repeated(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

void expect_error(const compile_result& r, int line, std::string_view message_part) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].line, line) << r.diagnostics[0].message;
  EXPECT_NE(r.diagnostics[0].message.find(message_part), std::string::npos) << r.diagnostics[0].message;
}

constexpr std::size_t huge = 100'000;

TEST(limits, deeply_nested_brackets) {
  expect_error(compile_text("x = " + repeated("(", huge) + "1" + repeated(")", huge) + "\n"), 1,
               "nested too deeply");
  expect_error(compile_text("x = " + repeated("[", huge) + repeated("]", huge) + "\n"), 1,
               "nested too deeply");
  expect_error(compile_text("x = " + repeated("{1: ", huge) + "1" + repeated("}", huge) + "\n"), 1,
               "nested too deeply");
  expect_error(compile_text("x = f" + repeated("(1", huge) + repeated(")", huge) + "\n"), 1,
               "nested too deeply");
  expect_error(compile_text("x = " + repeated("(", huge) + "\n"), 1, "was never closed");
}

TEST(limits, long_operator_chains) {
  expect_error(compile_text("x = " + repeated("-", huge) + "1\n"), 1, "nested too deeply");
  expect_error(compile_text("x = " + repeated("not ", huge) + "True\n"), 1, "nested too deeply");
  expect_error(compile_text("x = 1" + repeated(" + 1", huge) + "\n"), 1, "nested too deeply");
  expect_error(compile_text("x = a" + repeated(".b", huge) + "\n"), 1, "nested too deeply");
  expect_error(compile_text("x = f" + repeated("()", huge) + "\n"), 1, "nested too deeply");
  expect_error(compile_text("x = df" + repeated("['a']", huge) + "\n"), 1, "nested too deeply");
}

TEST(limits, values_built_up_through_variables) {
  std::string nested = "a = 1\n" + repeated("a = [a]\n", 200);
  expect_error(compile_text(nested), 101, "nested too deeply");
  std::string chain = "import px\ndf = px.DataFrame('http_events')\nx = df.latency\n" +
                      repeated("x = x + 1\n", 200) + "df.y = x\npx.display(df)\n";
  expect_error(compile_text(chain), 103, "nested too deeply");
  std::string doubling = "import px\ndf = px.DataFrame('http_events')\nx = df.latency\n" +
                         repeated("x = x * x\n", 20);
  expect_error(compile_text(doubling), 16, "too large");
}

TEST(limits, deep_chains_of_function_calls) {
  std::string script;
  constexpr int functions = 1000;
  for (int i = 0; i < functions; ++i)
    script += "def f" + std::to_string(i) + "(x):\n    return f" + std::to_string(i + 1) + "(x)\n";
  script += "def f" + std::to_string(functions) + "(x):\n    return x\ny = f0(1)\n";
  auto r = compile_text(script);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.diagnostics[0].message.find("nested too deeply"), std::string::npos)
      << r.diagnostics[0].message;
  // Well under the limit, the same chain works.
  std::string short_chain = "def f0(x):\n    return f1(x)\ndef f1(x):\n    return x + 1\ny = f0(1)\n";
  EXPECT_TRUE(compile_text(short_chain).ok());
}

TEST(limits, long_scripts) {
  std::string too_long = repeated("x = 1\n", max_script_bytes / 6 + 1);
  auto r = compile_text(too_long);
  expect_error(r, 1, "the limit is");
  // Just under the limit, a long but valid script compiles.
  std::string body = "import px\ndf = px.DataFrame('http_events')\n";
  std::string line = "df = df[df.latency > 1]\n";
  body += repeated(line, (max_script_bytes - body.size() - 100) / line.size()) + "px.display(df)\n";
  ASSERT_LE(body.size(), max_script_bytes);
  EXPECT_TRUE(compile_text(body).ok());
}

TEST(limits, many_errors_are_capped) {
  auto r = compile_text(repeated("x = 1 ** 2\n", 1000));
  ASSERT_EQ(r.diagnostics.size(), max_diagnostics + 1);
  EXPECT_NE(r.diagnostics.back().message.find("too many errors"), std::string::npos);
}

TEST(limits, huge_literals) {
  expect_error(compile_text("x = 9223372036854775808\n"), 1, "does not fit in 64 bits");
  EXPECT_TRUE(compile_text("x = 9223372036854775807\n").ok());
  EXPECT_TRUE(compile_text("x = '" + std::string(100'000, 'a') + "'\n").ok());
}

// Column pruning (pxl/prune.hpp): sources read, and maps compute, only what a result needs.
TEST(compile_pruning, sources_read_only_the_columns_results_need) {
  auto r = compile_text(
      "import px\ndf = px.DataFrame(table='http_events')\ndf = df[df.resp_status < 500]\n"
      "df.unused = df.latency * 2\n"
      "df = df.groupby(['req_path', 'req_method']).agg(n=('latency', px.count))\npx.display(df)\n");
  ASSERT_TRUE(r.ok()) << to_string(r.diagnostics[0]);
  const auto& src = std::get<memory_source_op>(nodes_of<memory_source_op>(r.plan).at(0)->op);
  std::set<std::string> cols(src.columns.begin(), src.columns.end());
  EXPECT_EQ(cols, (std::set<std::string>{"req_method", "req_path", "resp_status", "latency"}));
  for (const auto* m : nodes_of<map_op>(r.plan)) EXPECT_FALSE(m->output.index_of("unused"));
  EXPECT_EQ(r.plan.nodes.back().output.names(), (std::vector<std::string>{"req_path", "req_method", "n"}));
}

TEST(compile_pruning, displayed_frames_keep_every_column) {
  auto r = compile_text("import px\ndf = px.DataFrame(table='http_events')\npx.display(df[df.resp_status < 500])\n");
  ASSERT_TRUE(r.ok()) << to_string(r.diagnostics[0]);
  const auto& src = std::get<memory_source_op>(nodes_of<memory_source_op>(r.plan).at(0)->op);
  EXPECT_EQ(src.columns, schemas::find_table("http_events")->rel.names());
}

TEST(compile_pruning, join_keeps_clashing_names_so_suffixes_hold) {
  auto r = compile_text(
      "import px\nl = px.DataFrame('http_events')\nr = px.DataFrame('http_events')\n"
      "j = l.merge(r, how='inner', left_on='req_path', right_on='req_path', suffixes=['', '_r'])\n"
      "px.display(j[['req_path', 'latency_r']])\n");
  ASSERT_TRUE(r.ok()) << to_string(r.diagnostics[0]);
  const auto sources = nodes_of<memory_source_op>(r.plan);
  ASSERT_EQ(sources.size(), 2u);
  for (const auto* s : sources) {
    const auto& cols = std::get<memory_source_op>(s->op).columns;
    // Every column clashes (same table on both sides): all are kept, names stay suffixed.
    EXPECT_EQ(cols.size(), schemas::find_table("http_events")->rel.columns.size());
  }
  // The join itself emits only what is read after it.
  const auto* join = nodes_of<join_op>(r.plan).at(0);
  EXPECT_EQ(join->output.names(), (std::vector<std::string>{"req_path", "latency_r"}));
  const auto& op = std::get<join_op>(join->op);
  const auto& rel = schemas::find_table("http_events")->rel;
  EXPECT_EQ(op.left_out, (std::vector<std::size_t>{*rel.index_of("req_path")}));
  EXPECT_EQ(op.right_out, (std::vector<std::size_t>{*rel.index_of("latency")}));
  EXPECT_EQ(r.plan.nodes.back().output.names(), (std::vector<std::string>{"req_path", "latency_r"}));
}

TEST(compile_pruning, can_be_turned_off) {
  compile_options o;
  o.prune_columns = false;
  o.now_ns = now;
  auto r = compile("import px\ndf = px.DataFrame(table='http_events')\n"
                   "px.display(df.groupby('req_path').agg(n=('latency', px.count)))\n", o);
  ASSERT_TRUE(r.ok());
  const auto& src = std::get<memory_source_op>(nodes_of<memory_source_op>(r.plan).at(0)->op);
  EXPECT_EQ(src.columns.size(), schemas::find_table("http_events")->rel.columns.size());
}

}  // namespace
}  // namespace wisp::pxl
