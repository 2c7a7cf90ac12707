#include <gtest/gtest.h>

#include <flatbuffers/flatbuffers.h>

#include "schemas/wire.hpp"
#include "schemas/wire_generated.h"

using namespace wisp;
using schemas::data_type;
using schemas::semantic_type;

namespace {
schemas::relation rel() {
  return {{{"time_", data_type::time64ns, semantic_type::st_time_ns, ""},
           {"upid", data_type::uint128, semantic_type::st_upid, ""},
           {"ok", data_type::boolean, semantic_type::st_none, ""},
           {"ratio", data_type::float64, semantic_type::st_percent, ""},
           {"path", data_type::string, semantic_type::st_none, ""}}};
}
}  // namespace

TEST(Wire, QueryRequestRoundTrip) {
  wire::client_message m{42, {"import px\n", "x.pxl", true, {{"start_time", "-5m"}}, {}}};
  std::string err;
  auto back = wire::decode_client(wire::encode(m), err);
  ASSERT_TRUE(back) << err;
  EXPECT_EQ(back->query_id, 42u);
  EXPECT_EQ(back->request.script, "import px\n");
  EXPECT_EQ(back->request.file_name, "x.pxl");
  EXPECT_TRUE(back->request.explain);
  ASSERT_EQ(back->request.args.size(), 1u);
  EXPECT_EQ(back->request.args[0].second, "-5m");
}

// A NUL inside the script or an argument survives (it was cut at the NUL once, through c_str()).
TEST(Wire, QueryRequestStringsKeepTheirNulBytes) {
  const std::string script("import px\0#", 11), value("a\0b", 3);
  wire::client_message m{1, {script, "x.pxl", false, {{"k", value}}, wire::vis_spec_file{"v.json", std::string("{\0}", 3)}}};
  std::string err;
  auto back = wire::decode_client(wire::encode(m), err);
  ASSERT_TRUE(back) << err;
  EXPECT_EQ(back->request.script, script);
  EXPECT_EQ(back->request.args.at(0).second, value);
  EXPECT_EQ(back->request.vis->text.size(), 3u);
}

TEST(Wire, QueryRequestCarriesTheVisSpec) {
  wire::client_message m{7, {"import px\n", "dir/s.pxl", false, {{"a", "1"}, {"b", ""}}, {}}};
  m.request.vis = wire::vis_spec_file{"dir/vis.json", R"({"variables": []})"};
  std::string err;
  auto back = wire::decode_client(wire::encode(m), err);
  ASSERT_TRUE(back) << err;
  ASSERT_TRUE(back->request.vis.has_value());
  EXPECT_EQ(back->request.vis->file_name, "dir/vis.json");
  EXPECT_EQ(back->request.vis->text, R"({"variables": []})");
  ASSERT_EQ(back->request.args.size(), 2u);
  EXPECT_EQ(back->request.args[1].first, "b");
  EXPECT_EQ(back->request.args[1].second, "");

  // No vis spec stays none (script mode), and an empty one stays present.
  m.request.vis.reset();
  back = wire::decode_client(wire::encode(m), err);
  ASSERT_TRUE(back) << err;
  EXPECT_FALSE(back->request.vis.has_value());
  m.request.vis = wire::vis_spec_file{};
  back = wire::decode_client(wire::encode(m), err);
  ASSERT_TRUE(back) << err;
  EXPECT_TRUE(back->request.vis.has_value());
}

// A request as the previous version of the schema wrote it (no `vis` field) still decodes, to
// script mode, with every old field's meaning kept.
TEST(Wire, RequestWithoutVisFieldFromPreviousVersionDecodes) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<wire::ScriptArg>> args{wire::CreateScriptArgDirect(b, "start_time", "-1h")};
  auto argv = b.CreateVector(args);
  auto script = b.CreateString("import px\n");
  auto file = b.CreateString("old.pxl");
  wire::QueryRequestBuilder q(b);
  q.add_script(script);
  q.add_file_name(file);
  q.add_explain(true);
  q.add_args(argv);
  auto req = q.Finish();
  b.Finish(wire::CreateClientMessage(b, wire::protocol_version, 9, wire::Request::QueryRequest, req.Union()),
           "WSPC");
  std::string err;
  auto back = wire::decode_client({reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()}, err);
  ASSERT_TRUE(back) << err;
  EXPECT_EQ(back->query_id, 9u);
  EXPECT_EQ(back->request.file_name, "old.pxl");
  EXPECT_TRUE(back->request.explain);
  ASSERT_EQ(back->request.args.size(), 1u);
  EXPECT_EQ(back->request.args[0].second, "-1h");
  EXPECT_FALSE(back->request.vis.has_value());
}

TEST(Wire, TableBatchRoundTripKeepsEveryType) {
  auto b = schemas::make_empty_batch(rel());
  for (int i = 0; i < 3; ++i) {
    b.columns[0].push_int(1000 + i);
    b.columns[1].push_uint128({static_cast<std::uint64_t>(i), 7});
    b.columns[2].push_bool(i % 2 == 0);
    b.columns[3].push_float(i * 0.5);
    b.columns[4].push_string(i == 1 ? "" : "/p" + std::to_string(i));
  }
  std::string err;
  auto back = wire::decode_server(wire::encode(wire::server_message{7, wire::table_batch{"t", b}}), err);
  ASSERT_TRUE(back) << err;
  const auto& tb = std::get<wire::table_batch>(back->payload);
  EXPECT_EQ(tb.table_name, "t");
  ASSERT_TRUE(schemas::matches(tb.batch, rel()));
  EXPECT_EQ(tb.batch.columns[0].ints()[2], 1002);
  EXPECT_EQ(tb.batch.columns[1].uint128s()[1], (schemas::uint128{1, 7}));
  EXPECT_EQ(tb.batch.columns[2].bools()[1], 0);
  EXPECT_DOUBLE_EQ(tb.batch.columns[3].floats()[2], 1.0);
  EXPECT_EQ(tb.batch.columns[4].strings().at(1), "");
  EXPECT_EQ(tb.batch.columns[4].strings().at(2), "/p2");
}

TEST(Wire, SchemaAndDoneRoundTrip) {
  std::string err;
  auto s = wire::decode_server(wire::encode(wire::server_message{1, wire::table_schema{"out", rel()}}), err);
  ASSERT_TRUE(s) << err;
  EXPECT_EQ(std::get<wire::table_schema>(s->payload).rel, rel());

  wire::done d{wire::status::compile_error, "", {{"f.pxl", 3, 9, "no such table", "tables: a"}}, "",
               {{"bpf", "lost", 5}}, {{"out", 10}}, {"agent node-2 (asid 2) was lost mid-query"}};
  auto back = wire::decode_server(wire::encode(wire::server_message{1, d}), err);
  ASSERT_TRUE(back) << err;
  const auto& dd = std::get<wire::done>(back->payload);
  EXPECT_EQ(dd.code, wire::status::compile_error);
  ASSERT_EQ(dd.diagnostics.size(), 1u);
  EXPECT_EQ(dd.diagnostics[0].line, 3);
  EXPECT_EQ(dd.diagnostics[0].col, 9);
  ASSERT_EQ(dd.losses.size(), 1u);
  EXPECT_EQ(dd.losses[0].value, 5u);
  ASSERT_EQ(dd.truncated.size(), 1u);
  EXPECT_EQ(dd.truncated[0].table_name, "out");
  EXPECT_EQ(dd.truncated[0].limit, 10);
  EXPECT_EQ(dd.warnings, std::vector<std::string>{"agent node-2 (asid 2) was lost mid-query"});
}

// A Done as the previous version of the schema wrote it (no `truncated` field) still decodes,
// with no truncation and every old field's meaning kept.
TEST(Wire, DoneWithoutTruncatedFieldFromPreviousVersionDecodes) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<wire::LossCounter>> losses{wire::CreateLossCounterDirect(b, "bpf", "lost", 3)};
  auto lv = b.CreateVector(losses);
  auto error = b.CreateString("boom");
  wire::DoneBuilder d(b);
  d.add_status(wire::Status::ExecError);
  d.add_error(error);
  d.add_losses(lv);
  auto done = d.Finish();
  b.Finish(wire::CreateServerMessage(b, wire::protocol_version, 4, wire::Response::Done, done.Union()), "WSPS");
  std::string err;
  auto back = wire::decode_server({reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()}, err);
  ASSERT_TRUE(back) << err;
  const auto& dd = std::get<wire::done>(back->payload);
  EXPECT_EQ(dd.code, wire::status::exec_error);
  EXPECT_EQ(dd.error, "boom");
  ASSERT_EQ(dd.losses.size(), 1u);
  EXPECT_EQ(dd.losses[0].value, 3u);
  EXPECT_TRUE(dd.truncated.empty());
}

TEST(Wire, GarbageAndTruncatedBytesAreRejected) {
  std::string err;
  EXPECT_FALSE(wire::decode_client("hello world, not flatbuffers", err));
  EXPECT_FALSE(err.empty());
  auto bytes = wire::encode(wire::client_message{1, {"import px", "f", false, {}, {}}});
  for (std::size_t cut = 0; cut < bytes.size(); cut += 7) {
    err.clear();
    EXPECT_FALSE(wire::decode_client(std::string_view(bytes).substr(0, cut), err)) << cut;
  }
  // A client message is not a server message.
  EXPECT_FALSE(wire::decode_server(bytes, err));
}

TEST(Wire, InconsistentColumnLengthsAreRejected) {
  auto b = schemas::make_empty_batch(rel());
  b.columns[0].push_int(1);  // other columns empty: encoded num_rows is 1
  std::string err;
  EXPECT_FALSE(wire::decode_server(wire::encode(wire::server_message{1, wire::table_batch{"t", b}}), err));
  EXPECT_NE(err.find("rows"), std::string::npos) << err;
}

// The Verifier passes a union whose type is set and whose value is absent (found by the cluster
// protocol's fuzzer, the same hole here).
TEST(Wire, ResponseTypeWithoutResponseIsRejected) {
  for (auto type : {wire::Response::TableSchema, wire::Response::TableBatch, wire::Response::Done}) {
    flatbuffers::FlatBufferBuilder b;
    b.Finish(wire::CreateServerMessage(b, wire::protocol_version, 1, type, 0), "WSPS");
    std::string err;
    EXPECT_FALSE(wire::decode_server({reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()}, err));
    EXPECT_FALSE(err.empty());
  }
}
