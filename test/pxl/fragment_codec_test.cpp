// The plan-fragment codec: fragments made from compiled scripts survive encode + decode and run
// to the same rows; every validation of decode_fragment refuses what it should, with a one-line
// error naming the node.

#include <gtest/gtest.h>

#include <random>

#include <flatbuffers/flatbuffers.h>

#include "actors/exec/aggregate_operator.hpp"
#include "actors/exec/run_plan.hpp"
#include "pxl/compile.hpp"
#include "pxl/fragment_codec.hpp"
#include "pxl/functions.hpp"
#include "schemas/plan_generated.h"
#include "schemas/tables.hpp"

namespace wisp::pxl {
namespace {

using schemas::data_type;
namespace pw = plan_wire;

constexpr std::int64_t now_ns = 1'700'000'000'000'000'000;

const table_catalog& catalog() {
  static const table_catalog c = table_catalog::builtin();
  return c;
}

plan compile_builtin(std::string_view script, bool prune = true) {
  compile_options o;
  o.now_ns = now_ns;
  o.prune_columns = prune;
  auto r = compile(script, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : to_string(r.diagnostics[0]));
  return r.plan;
}

// Random rows of a built-in table: few distinct strings and statuses so that groups repeat,
// times in the last 4 minutes.
exec::stored_table random_table(std::string_view name, std::size_t rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  exec::stored_table t;
  t.rel = *catalog().find(name);
  for (std::size_t at = 0; at < rows; at += 100) {
    auto b = std::make_shared<schemas::row_batch>(schemas::make_empty_batch(t.rel));
    for (std::size_t r = at; r < std::min(rows, at + 100); ++r) {
      for (std::size_t c = 0; c < t.rel.columns.size(); ++c) {
        const auto& col = t.rel.columns[c];
        auto& out = b->columns[c];
        switch (col.type) {
          case data_type::boolean: out.push_bool(rng() % 2); break;
          case data_type::int64:
            out.push_int(col.name == "resp_status" ? 200 + 100 * static_cast<std::int64_t>(rng() % 4)
                                                   : static_cast<std::int64_t>(rng() % 5000000));
            break;
          case data_type::time64ns:
            out.push_int(now_ns - 240'000'000'000 + static_cast<std::int64_t>(r) * 1'000'000);
            break;
          case data_type::uint128: out.push_uint128({rng() % 3, 7}); break;
          case data_type::float64: out.push_float(static_cast<double>(rng() % 1000) / 7); break;
          case data_type::string: out.push_string("/p" + std::to_string(rng() % 5)); break;
          default: break;
        }
      }
    }
    t.batches.push_back(b);
  }
  return t;
}

exec::table_provider tables() {
  exec::table_provider t;
  t.emplace("http_events", random_table("http_events", 1000, 1));
  return t;
}

std::string cell(const schemas::column& c, std::size_t r) {
  switch (c.type()) {
    case data_type::boolean: return std::to_string(c.bools()[r]);
    case data_type::int64:
    case data_type::time64ns: return std::to_string(c.ints()[r]);
    case data_type::uint128: return schemas::to_string(c.uint128s()[r]);
    case data_type::float64: return std::to_string(c.floats()[r]);
    case data_type::string: return std::string{c.strings().at(r)};
    default: return "?";
  }
}

// Every result table as "name: rel" then one line per row.
std::vector<std::string> rows_of(const exec::run_result& r) {
  std::vector<std::string> out;
  for (const auto& t : r.tables) {
    std::string head = t.name + ":";
    for (const auto& c : t.rel.columns)
      head += " " + c.name + "/" + std::string{schemas::to_string(c.type)} + "/" +
              std::string{schemas::to_string(c.semantic)};
    out.push_back(head);
    for (const auto& b : t.batches)
      for (std::size_t i = 0; i < b->num_rows(); ++i) {
        std::string row;
        for (const auto& c : b->columns) row += cell(c, i) + "|";
        out.push_back(row);
      }
  }
  return out;
}

std::optional<plan> round_trip(const plan& p, std::string& error) {
  auto bytes = encode_fragment(p, error);
  if (!bytes) return std::nullopt;
  return decode_fragment(*bytes, function_registry::builtin(), catalog(), error);
}

void expect_same_run(const plan& p) {
  std::string error;
  auto decoded = round_trip(p, error);
  ASSERT_TRUE(decoded) << error;
  ASSERT_EQ(decoded->nodes.size(), p.nodes.size());
  for (std::size_t i = 0; i < p.nodes.size(); ++i) {
    EXPECT_EQ(decoded->nodes[i].id, p.nodes[i].id);
    EXPECT_EQ(decoded->nodes[i].parents, p.nodes[i].parents);
    EXPECT_EQ(decoded->nodes[i].output, p.nodes[i].output) << "node " << p.nodes[i].id;
  }
  EXPECT_EQ(to_string(*decoded), to_string(p));
  const auto data = tables();
  auto want = exec::run_plan(p, data);
  auto got = exec::run_plan(*decoded, data);
  ASSERT_TRUE(want.ok()) << want.error;
  ASSERT_TRUE(got.ok()) << got.error;
  const auto rows = rows_of(want);
  EXPECT_GT(rows.size(), 2u) << "the script selects no rows: the comparison would prove little";
  EXPECT_EQ(rows_of(got), rows);
}

const std::vector<std::string>& scripts() {
  static const std::vector<std::string> s{
      // filter, map with calls and literals of every scalar type, aggregate over several UDAs
      "import px\n"
      "df = px.DataFrame(table='http_events', start_time='-5m')\n"
      "df = df[df.resp_status >= 400]\n"
      "df.latency_ms = df.latency / 1000000.0\n"
      "df.short = px.substring(df.req_path, 1, 2)\n"
      "df.api = px.contains(df.req_path, '1') or df.resp_status == 500\n"
      "df.size = px.Bytes(df.resp_body_size)\n"
      "df = df.groupby(['short']).agg(n=('latency', px.count), "
      "lat=('latency_ms', px.mean), q=('latency', px.quantiles), api=('api', px.any), "
      "size=('size', px.sum), first=('time_', px.min))\n"
      "px.display(df, 'by_path')\n",
      // head, a projection and a second sink
      "import px\n"
      "df = px.DataFrame(table='http_events', select=['time_', 'upid', 'req_path', 'latency'])\n"
      "df.slow = df.latency > 2500000\n"
      "df = df.head(17)\n"
      "px.display(df, 'head')\n"
      "t = px.DataFrame(table='http_events')\n"
      "t = t.groupby('req_method').agg(total=('resp_body_size', px.sum), hi=('latency', px.max))\n"
      "px.display(t, 'totals')\n",
  };
  return s;
}

TEST(fragment_codec, compiled_scripts_round_trip_and_run_the_same) {
  for (const auto& script : scripts()) {
    SCOPED_TRACE(script);
    expect_same_run(compile_builtin(script));
  }
}

// The agent half of a split aggregate: the fragment with a partial aggregate decodes with the
// partial relation, and a final aggregate over its rows gives the full plan's rows.
TEST(fragment_codec, partial_aggregate_fragment_feeds_a_final_aggregate) {
  const plan full = compile_builtin(
      "import px\n"
      "df = px.DataFrame(table='http_events')\n"
      "df = df.groupby(['req_path', 'resp_status']).agg(n=('latency', px.count), "
      "m=('latency', px.mean), q=('latency', px.quantiles))\n"
      "px.display(df, 'out')\n");
  plan part = full;
  const aggregate_op* agg = nullptr;
  for (auto& n : part.nodes) {
    if (auto* a = std::get_if<aggregate_op>(&n.op)) {
      a->mode = aggregate_mode::partial;
      n.output = partial_aggregate_relation(*a, part.find(n.parents.at(0))->output);
      agg = a;
    } else if (agg != nullptr) {
      n.output = part.find(n.parents.at(0))->output;  // the limit and the sink pass it on
    }
  }
  ASSERT_NE(agg, nullptr);
  std::string error;
  auto decoded = round_trip(part, error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(decoded->nodes.back().output, part.nodes.back().output);
  const auto data = tables();
  auto states = exec::run_plan(*decoded, data);
  ASSERT_TRUE(states.ok()) << states.error;
  ASSERT_EQ(states.tables.size(), 1u);

  aggregate_op final_op = *agg;
  final_op.mode = aggregate_mode::final;
  std::vector<data_type> key_types;
  for (std::size_t g = 0; g < final_op.group_names.size(); ++g)
    key_types.push_back(states.tables[0].rel.columns[g].type);
  exec::aggregate_operator final(final_op, key_types);
  for (const auto& b : states.tables[0].batches) EXPECT_TRUE(final.push(b, 0).empty());
  auto merged = final.finish();
  EXPECT_EQ(final.error(), "");

  auto want = exec::run_plan(full, data);
  ASSERT_TRUE(want.ok());
  exec::run_result got;
  got.tables.push_back({"out", want.tables[0].rel, merged, std::nullopt});
  EXPECT_EQ(rows_of(got), rows_of(want));
}

// --- validation ------------------------------------------------------------------------------

const char* base_script =
    "import px\n"
    "df = px.DataFrame(table='http_events', select=['time_', 'req_path', 'resp_status', 'latency'])\n"
    "df = df[df.resp_status >= 400]\n"
    "df.slow = px.contains(df.req_path, 'x') or df.latency > 1000\n"
    "df = df.groupby(['req_path']).agg(n=('latency', px.count), s=('latency', px.sum))\n"
    "px.display(df, 'out')\n";

template <class Op>
plan_node& node_of(plan& p) {
  for (auto& n : p.nodes)
    if (std::holds_alternative<Op>(n.op)) return n;
  ADD_FAILURE() << "no such node";
  return p.nodes.front();
}

// Decoding `p` (encoded as is) fails with an error that names `node` and contains `what`.
void expect_refused(const plan& p, const plan_node& node, const std::string& what) {
  std::string error;
  auto bytes = encode_fragment(p, error);
  ASSERT_TRUE(bytes) << error;
  auto decoded = decode_fragment(*bytes, function_registry::builtin(), catalog(), error);
  EXPECT_FALSE(decoded);
  EXPECT_NE(error.find("node " + std::to_string(node.id) + " ("), std::string::npos) << error;
  EXPECT_NE(error.find(what), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

struct mutation_case {
  const char* name;
  void (*mutate)(plan&);
  const char* kind;  // the op name in the error
  const char* what;
};

expression& map_expr(plan& p, std::string_view name) {
  for (auto& e : std::get<map_op>(node_of<map_op>(p).op).exprs)
    if (e.name == name) return e.expr;
  ADD_FAILURE() << "no map output " << name;
  return std::get<map_op>(node_of<map_op>(p).op).exprs.front().expr;
}

const mutation_case mutations[] = {
    {"unknown_table", [](plan& p) { std::get<memory_source_op>(node_of<memory_source_op>(p).op).table = "nope"; },
     "memory_source", "table 'nope' does not exist"},
    {"unknown_source_column",
     [](plan& p) { std::get<memory_source_op>(node_of<memory_source_op>(p).op).columns[1] = "nope"; },
     "memory_source", "column 'nope' is not in table 'http_events'"},
    {"column_not_in_parent", [](plan& p) { map_expr(p, "req_path").column_name = "nope"; }, "map",
     "column 'nope' not found"},
    {"column_index_mismatch", [](plan& p) { map_expr(p, "req_path").column_index = 3; }, "map",
     "is column 1 of the parent, not 3"},
    {"column_type_mismatch", [](plan& p) { map_expr(p, "req_path").type = data_type::int64; }, "map",
     "stated INT64 is STRING"},
    {"literal_unknown_type", [](plan& p) { map_expr(p, "slow").args[1].args[1].literal.type = data_type::unknown; },
     "map", "a literal of unknown data type"},
    {"literal_type_mismatch",
     [](plan& p) { map_expr(p, "slow").args[1].args[1].type = data_type::float64; }, "map",
     "stated FLOAT64 is INT64"},
    {"unknown_function", [](plan& p) { map_expr(p, "slow").args[0].function = "nope"; }, "map", "px.nope"},
    {"no_overload",
     [](plan& p) {
       auto& lit = map_expr(p, "slow").args[0].args[1];
       lit.literal = scalar::of_int(3);
       lit.type = data_type::int64;
     },
     "map", "px.contains does not accept (STRING, INT64)"},
    {"udf_result_type_mismatch", [](plan& p) { map_expr(p, "slow").args[0].type = data_type::string; }, "map",
     "stated STRING is BOOLEAN"},
    {"unknown_semantic_type",
     [](plan& p) { map_expr(p, "slow").semantic = static_cast<schemas::semantic_type>(777); }, "map",
     "unknown semantic type 777"},
    {"filter_not_boolean",
     [](plan& p) {
       auto& f = std::get<filter_op>(node_of<filter_op>(p).op);
       f.predicate = f.predicate.args[0];
     },
     "filter", "a filter condition must be BOOLEAN"},
    {"group_not_in_parent", [](plan& p) { std::get<aggregate_op>(node_of<aggregate_op>(p).op).group_names[0] = "nope"; },
     "aggregate", "cannot group by 'nope'"},
    {"group_index_mismatch", [](plan& p) { std::get<aggregate_op>(node_of<aggregate_op>(p).op).groups[0] = 0; },
     "aggregate", "group 'req_path' is column 1 of the parent, not 0"},
    {"no_uda_for_type",
     [](plan& p) {
       auto& a = std::get<aggregate_op>(node_of<aggregate_op>(p).op).aggregates[1];
       a.arg.column_name = "req_path";
       a.arg.column_index = 1;
       a.arg.type = data_type::string;
     },
     "aggregate", "px.sum cannot aggregate a STRING column"},
    {"unknown_uda", [](plan& p) { std::get<aggregate_op>(node_of<aggregate_op>(p).op).aggregates[0].function = "nope"; },
     "aggregate", "px.nope cannot aggregate"},
    {"aggregate_arg_index_mismatch",
     [](plan& p) { std::get<aggregate_op>(node_of<aggregate_op>(p).op).aggregates[0].arg.column_index = 0; },
     "aggregate", "column 'latency' is column 3 of the parent, not 0"},
    {"negative_limit", [](plan& p) { std::get<limit_op>(node_of<limit_op>(p).op).n = -1; }, "limit",
     "a negative row count"},
    {"empty_sink_name", [](plan& p) { std::get<result_sink_op>(node_of<result_sink_op>(p).op).name.clear(); },
     "result_sink", "a result sink without a name"},
    {"empty_map_name", [](plan& p) { std::get<map_op>(node_of<map_op>(p).op).exprs[0].name.clear(); }, "map",
     "an output column without a name"},
    {"empty_source_columns",
     [](plan& p) { std::get<memory_source_op>(node_of<memory_source_op>(p).op).columns.clear(); },
     "memory_source", "reads no columns"},
    {"cast_call",
     [](plan& p) {
       auto& e = map_expr(p, "latency");
       e = expression::call("Bytes", {e}, {});
       e.type = data_type::int64;
     },
     "map", "px.Bytes is a cast"},
    {"too_deep",
     [](plan& p) {
       auto& e = map_expr(p, "slow");
       for (std::size_t i = 0; i < fragment_limits::max_expression_depth + 1; ++i) {
         expression wrapped = expression::call("logicalNot", {e}, {});
         wrapped.type = data_type::boolean;
         e = std::move(wrapped);
       }
     },
     "map", "nests deeper than"},
    {"too_many_args",
     [](plan& p) {
       auto& e = map_expr(p, "slow");
       e.args.resize(fragment_limits::max_call_args + 1, e.args[0]);
     },
     "map", "more than 64 arguments"},
};

class fragment_validation : public ::testing::TestWithParam<mutation_case> {};

TEST_P(fragment_validation, refuses_with_a_located_error) {
  plan p = compile_builtin(base_script, false);
  std::string error;
  ASSERT_TRUE(round_trip(p, error)) << "the unmutated fragment must decode: " << error;
  GetParam().mutate(p);
  const plan_node* node = nullptr;
  for (const auto& n : p.nodes)
    if (op_name(n.op) == GetParam().kind) node = &n;
  ASSERT_NE(node, nullptr);
  if (std::string_view{GetParam().name} == "too_deep" || std::string_view{GetParam().name} == "too_many_args") {
    // The encoder refuses these itself; the decoder's own check is tested with raw bytes below.
    EXPECT_FALSE(encode_fragment(p, error));
    EXPECT_NE(error.find(GetParam().what), std::string::npos) << error;
    return;
  }
  expect_refused(p, *node, GetParam().what);
}

INSTANTIATE_TEST_SUITE_P(each_check, fragment_validation, ::testing::ValuesIn(mutations),
                         [](const auto& info) { return std::string{info.param.name}; });

// --- structure, raw bytes ----------------------------------------------------------------------

// A fragment built directly, for what the encoder never writes.
struct raw {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<pw::Node>> nodes;

  void source(std::int64_t id, std::vector<std::int64_t> parents = {}) {
    auto cols = b.CreateVector(std::vector<flatbuffers::Offset<flatbuffers::String>>{b.CreateString("req_path")});
    auto op = pw::CreateMemorySource(b, b.CreateString("http_events"), false, 0, false, 0, cols);
    nodes.push_back(pw::CreateNode(b, id, b.CreateVector(parents), pw::NodeOp::MemorySource, op.Union()));
  }
  void sink(std::int64_t id, std::vector<std::int64_t> parents, const char* name = "out") {
    auto op = pw::CreateResultSink(b, b.CreateString(name));
    nodes.push_back(pw::CreateNode(b, id, b.CreateVector(parents), pw::NodeOp::ResultSink, op.Union()));
  }
  void map(std::int64_t id, std::vector<std::int64_t> parents, flatbuffers::Offset<pw::Expression> e) {
    auto ne = pw::CreateNamedExpression(b, b.CreateString("x"), e);
    auto op = pw::CreateMap(b, b.CreateVector(std::vector{ne}));
    nodes.push_back(pw::CreateNode(b, id, b.CreateVector(parents), pw::NodeOp::Map, op.Union()));
  }
  flatbuffers::Offset<pw::Expression> column() {
    return pw::CreateExpression(b, pw::ExpressionKind::Column, static_cast<std::uint8_t>(data_type::string),
                                1, 0, b.CreateString("req_path"));
  }
  std::string finish(std::uint32_t version = fragment_version, const char* id = "WSPF") {
    b.Finish(pw::CreateFragment(b, version, b.CreateVector(nodes)), id);
    return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
  }
};

std::string decode_error(const std::string& bytes) {
  std::string error;
  auto p = decode_fragment(bytes, function_registry::builtin(), catalog(), error);
  EXPECT_FALSE(p);
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  return error;
}

TEST(fragment_structure, a_valid_raw_fragment_decodes) {
  raw r;
  r.source(1);
  r.map(2, {1}, r.column());
  r.sink(3, {2});
  std::string error;
  auto p = decode_fragment(r.finish(), function_registry::builtin(), catalog(), error);
  ASSERT_TRUE(p) << error;
  EXPECT_EQ(p->nodes.back().output.columns.at(0).name, "x");
}

TEST(fragment_structure, garbage_wrong_identifier_version_and_size) {
  EXPECT_NE(decode_error("not a flatbuffer").find("failed FlatBuffers verification"), std::string::npos);
  EXPECT_NE(decode_error("").find("failed FlatBuffers verification"), std::string::npos);
  raw a;
  a.source(1);
  EXPECT_NE(decode_error(a.finish(fragment_version, "WSBR")).find("verification"), std::string::npos);
  raw b;
  b.source(1);
  EXPECT_NE(decode_error(b.finish(fragment_version + 1)).find("version 2 is not supported"), std::string::npos);
  EXPECT_NE(decode_error(std::string(fragment_limits::max_bytes + 1, 'x')).find("more than the limit"),
            std::string::npos);
  raw empty;
  EXPECT_NE(decode_error(empty.finish()).find("no nodes"), std::string::npos);
}

TEST(fragment_structure, ids_unique_parents_earlier_and_counted) {
  raw dup;
  dup.source(1);
  dup.source(1);
  EXPECT_NE(decode_error(dup.finish()).find("node 1: a second node with this id"), std::string::npos);
  raw forward;
  forward.source(1);
  forward.sink(2, {3});
  forward.source(3);
  EXPECT_NE(decode_error(forward.finish()).find("node 2: parent 3 is not an earlier node"), std::string::npos);
  raw self;
  self.source(1);
  self.sink(2, {2});
  EXPECT_NE(decode_error(self.finish()).find("node 2: parent 2 is not an earlier node"), std::string::npos);
  raw orphan;
  orphan.sink(5, {});
  EXPECT_NE(decode_error(orphan.finish()).find("node 5 (result_sink): has 0 parents, takes 1"), std::string::npos);
  raw fed_source;
  fed_source.source(1);
  fed_source.source(2, {1});
  EXPECT_NE(decode_error(fed_source.finish()).find("node 2 (memory_source): has 1 parents, takes 0"),
            std::string::npos);
  raw two_sinks;
  two_sinks.source(1);
  two_sinks.sink(2, {1});
  two_sinks.sink(3, {1});
  EXPECT_NE(decode_error(two_sinks.finish()).find("node 3 (result_sink): a second sink named 'out'"),
            std::string::npos);
}

TEST(fragment_structure, node_count_limit) {
  raw r;
  r.source(0);
  for (std::int64_t i = 1; i <= static_cast<std::int64_t>(fragment_limits::max_nodes); ++i)
    r.map(i, {i - 1}, r.column());
  EXPECT_NE(decode_error(r.finish()).find("more than 1024"), std::string::npos);
}

TEST(fragment_structure, unknown_op_kind_and_mode) {
  raw none;
  none.nodes.push_back(pw::CreateNode(none.b, 1, 0, pw::NodeOp::NONE, 0));
  EXPECT_NE(decode_error(none.finish()).find("node 1: not a node kind a fragment may hold"), std::string::npos);

  raw absent;  // a union type without its value (a plan_fragment_fuzz finding)
  absent.nodes.push_back(pw::CreateNode(absent.b, 1, 0, pw::NodeOp::MemorySource, 0));
  EXPECT_NE(decode_error(absent.finish()).find("node 1 (memory_source): the node's op is missing"),
            std::string::npos);

  raw final_mode;
  final_mode.source(1);
  auto agg = pw::CreateAggregate(final_mode.b, static_cast<pw::AggregateMode>(2));
  final_mode.nodes.push_back(
      pw::CreateNode(final_mode.b, 2, final_mode.b.CreateVector(std::vector<std::int64_t>{1}), pw::NodeOp::Aggregate, agg.Union()));
  EXPECT_NE(decode_error(final_mode.finish()).find("aggregate mode 2 is not full or partial"), std::string::npos);

  raw not_column;
  not_column.source(1);
  auto lit = pw::CreateLiteral(not_column.b, static_cast<std::uint8_t>(data_type::int64), false, 1);
  auto arg = pw::CreateExpression(not_column.b, pw::ExpressionKind::Literal, static_cast<std::uint8_t>(data_type::int64),
                                  1, 0, 0, lit);
  auto ae = pw::CreateAggregateExpr(not_column.b, not_column.b.CreateString("n"), not_column.b.CreateString("count"), arg);
  auto agg2 = pw::CreateAggregate(not_column.b, pw::AggregateMode::Full, 0, 0,
                                  not_column.b.CreateVector(std::vector{ae}));
  not_column.nodes.push_back(pw::CreateNode(not_column.b, 2, not_column.b.CreateVector(std::vector<std::int64_t>{1}),
                                            pw::NodeOp::Aggregate, agg2.Union()));
  EXPECT_NE(decode_error(not_column.finish()).find("node 2 (aggregate): aggregate 'n' is not over a column"),
            std::string::npos);

  raw group_count;
  group_count.source(1);
  auto names = group_count.b.CreateVector(std::vector{group_count.b.CreateString("req_path")});
  auto agg3 = pw::CreateAggregate(group_count.b, pw::AggregateMode::Full, names);
  group_count.nodes.push_back(pw::CreateNode(group_count.b, 2, group_count.b.CreateVector(std::vector<std::int64_t>{1}),
                                             pw::NodeOp::Aggregate, agg3.Union()));
  EXPECT_NE(decode_error(group_count.finish()).find("0 group indexes for 1 group names"), std::string::npos);
}

TEST(fragment_structure, unknown_expression_kind_depth_and_args) {
  raw kind;
  kind.source(1);
  kind.map(2, {1}, pw::CreateExpression(kind.b, static_cast<pw::ExpressionKind>(9)));
  EXPECT_NE(decode_error(kind.finish()).find("node 2 (map): an expression of unknown kind 9"), std::string::npos);

  raw deep;
  deep.source(1);
  auto e = deep.column();
  for (std::size_t i = 0; i < fragment_limits::max_expression_depth + 1; ++i)
    e = pw::CreateExpression(deep.b, pw::ExpressionKind::Call, 5, 1, 0, 0, 0, deep.b.CreateString("f"),
                             deep.b.CreateVector(std::vector{e}));
  deep.map(2, {1}, e);
  EXPECT_NE(decode_error(deep.finish()).find("node 2 (map): an expression nests deeper than 128"), std::string::npos);

  raw wide;
  wide.source(1);
  std::vector<flatbuffers::Offset<pw::Expression>> args(fragment_limits::max_call_args + 1, wide.column());
  wide.map(2, {1}, pw::CreateExpression(wide.b, pw::ExpressionKind::Call, 5, 1, 0, 0, 0, wide.b.CreateString("f"),
                                        wide.b.CreateVector(args)));
  EXPECT_NE(decode_error(wide.finish()).find("px.f with more than 64 arguments"), std::string::npos);

  raw no_u;
  no_u.source(1);
  auto lit = pw::CreateLiteral(no_u.b, static_cast<std::uint8_t>(data_type::uint128));
  no_u.map(2, {1}, pw::CreateExpression(no_u.b, pw::ExpressionKind::Literal, 3, 1, 0, 0, lit));
  EXPECT_NE(decode_error(no_u.finish()).find("a UINT128 literal without its value"), std::string::npos);
}

// Names from the bytes end up in errors: still one printable line of bounded length (a
// plan_fragment_fuzz finding).
TEST(fragment_structure, errors_quoting_hostile_names_stay_one_short_line) {
  plan p = compile_builtin(base_script, false);
  map_expr(p, "req_path").column_name = "a\nb\x01" + std::string(10000, 'x');
  std::string error;
  auto bytes = encode_fragment(p, error);
  ASSERT_TRUE(bytes) << error;
  EXPECT_FALSE(decode_fragment(*bytes, function_registry::builtin(), catalog(), error));
  EXPECT_NE(error.find("column 'a?b?xxx"), std::string::npos) << error;
  EXPECT_LE(error.size(), 515u);
  for (char c : error) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
}

TEST(fragment_structure, a_catalog_without_the_table_is_refused) {
  plan p = compile_builtin(base_script);
  std::string error;
  auto bytes = encode_fragment(p, error);
  ASSERT_TRUE(bytes);
  table_catalog none;
  none.find = [](std::string_view) -> std::optional<schemas::relation> { return std::nullopt; };
  EXPECT_FALSE(decode_fragment(*bytes, function_registry::builtin(), none, error));
  EXPECT_NE(error.find("table 'http_events' does not exist"), std::string::npos) << error;
  EXPECT_FALSE(decode_fragment(*bytes, function_registry::builtin(), table_catalog{}, error));
  EXPECT_NE(error.find("no table catalog"), std::string::npos) << error;
}

// --- encoding refusals -------------------------------------------------------------------------

TEST(fragment_encode, refuses_what_an_agent_never_runs) {
  plan p = compile_builtin(base_script, false);
  std::string error;
  plan final_agg = p;
  std::get<aggregate_op>(node_of<aggregate_op>(final_agg).op).mode = aggregate_mode::final;
  EXPECT_FALSE(encode_fragment(final_agg, error));
  EXPECT_NE(error.find("(aggregate): a final aggregate runs on the broker"), std::string::npos) << error;

  for (node_op op : {node_op{union_op{}}, node_op{join_op{}}, node_op{udtf_source_op{}}, node_op{stream_source_op{"s"}}}) {
    plan q = p;
    q.nodes.push_back({99, {}, op, {}, {}});
    EXPECT_FALSE(encode_fragment(q, error));
    EXPECT_NE(error.find("node 99 (" + std::string{op_name(op)} + "): this kind of node runs on the broker"),
              std::string::npos)
        << error;
  }
  plan meta = p;
  map_expr(meta, "slow") = expression::metadata("pod", {});
  EXPECT_FALSE(encode_fragment(meta, error));
  EXPECT_NE(error.find("metadata expression"), std::string::npos) << error;
}

}  // namespace
}  // namespace wisp::pxl
