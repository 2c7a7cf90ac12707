// The tracepoint-mutation codec: every field of a mutation survives the bytes a broker sends an
// agent, and bytes that are not a valid mutation are one-line errors, never a crash.
#include <gtest/gtest.h>

#include <flatbuffers/flatbuffers.h>

#include "pxl/mutation_codec.hpp"
#include "schemas/mutation_generated.h"

using namespace wisp;
using namespace wisp::pxl;

namespace {

tracepoint_mutation uprobe_mutation() {
  tracepoint_mutation m;
  m.name = std::string("checkout\0tracer", 15);
  m.table = "checkout_table";
  m.symbol = "main.(*Checkout).Sum";
  m.outputs = {{"lUnits", trace_output::kind::arg, "l.Units", {12, 5}},
               {"retUnits", trace_output::kind::ret, "$0.Units", {13, 5}},
               {"latency", trace_output::kind::latency, "", {14, 5}}};
  m.target.what = trace_target::kind::label_selector;
  m.target.labels = {{"app", "shop"}, {"tier", "web"}};
  m.target.namespace_name = "prod";
  m.target.container = "server";
  m.target.process = "checkout.*";
  m.target.upid = {(7ull << 32) | 4242, 99};
  m.ttl_ns = 600'000'000'000;
  m.loc = {17, 1};
  return m;
}

void expect_same(const tracepoint_mutation& a, const tracepoint_mutation& b) {
  EXPECT_EQ(a.what, b.what);
  EXPECT_EQ(a.name, b.name);
  EXPECT_TRUE(a.same_definition(b)) << to_string(a) << "\n" << to_string(b);
  EXPECT_EQ(a.ttl_ns, b.ttl_ns);
  EXPECT_EQ(a.loc, b.loc);
  ASSERT_EQ(a.outputs.size(), b.outputs.size());
  for (std::size_t i = 0; i < a.outputs.size(); ++i) EXPECT_EQ(a.outputs[i].loc, b.outputs[i].loc);
}

std::optional<tracepoint_mutation> round_trip(const tracepoint_mutation& m) {
  std::string err;
  auto bytes = encode_mutation(m, err);
  EXPECT_TRUE(bytes) << err;
  if (!bytes) return std::nullopt;
  auto back = decode_mutation(*bytes, err);
  EXPECT_TRUE(back) << err;
  return back;
}

std::string finished(flatbuffers::FlatBufferBuilder& b) {
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

}  // namespace

TEST(MutationCodec, EveryFieldOfAnUprobeMutationSurvives) {
  const auto m = uprobe_mutation();
  auto back = round_trip(m);
  ASSERT_TRUE(back);
  expect_same(m, *back);
  EXPECT_EQ(back->target.upid, m.target.upid);
  EXPECT_EQ(back->target.labels, m.target.labels);
}

TEST(MutationCodec, BpftraceProgramsTargetsAndDeletesSurvive) {
  tracepoint_mutation m;
  m.name = "naps";
  m.table = "nap_table";
  m.programs = {{"tracepoint:syscalls:sys_enter_nanosleep { printf(\"%d\\n\", pid); }", "5.19", "", "node-a"},
                {"x", "", "5.18", ""}};
  m.target.what = trace_target::kind::kernel;
  m.ttl_ns = 1;
  auto back = round_trip(m);
  ASSERT_TRUE(back);
  expect_same(m, *back);

  for (auto kind : {trace_target::kind::process_pid, trace_target::kind::process_exe, trace_target::kind::upid,
                    trace_target::kind::pod_process, trace_target::kind::shared_object}) {
    tracepoint_mutation t = uprobe_mutation();
    t.target = {};
    t.target.what = kind;
    t.target.pid = 1234;
    t.target.exe = "/usr/local/bin/checkout";
    t.target.pod = "shop/checkout-";
    t.target.shared_object = "libssl";
    auto tb = round_trip(t);
    ASSERT_TRUE(tb);
    EXPECT_EQ(tb->target, t.target) << to_string(t.target);
  }

  tracepoint_mutation del;
  del.what = tracepoint_mutation::kind::remove;
  del.name = "old";
  del.loc = {3, 1};
  auto db = round_trip(del);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->what, tracepoint_mutation::kind::remove);
  EXPECT_EQ(to_string(*db), to_string(del));
}

TEST(MutationCodec, BadBytesAreOneLineErrors) {
  std::string err;
  for (const std::string& bytes : {std::string{}, std::string("garbage"), std::string(64, '\xff')}) {
    EXPECT_FALSE(decode_mutation(bytes, err));
    EXPECT_NE(err.find("failed FlatBuffers verification as a tracepoint mutation"), std::string::npos) << err;
  }
  // Every prefix of a real mutation: an error or (padding only) the same mutation, never a crash.
  auto whole = *encode_mutation(uprobe_mutation(), err);
  for (std::size_t n = 0; n < whole.size(); ++n) {
    auto part = decode_mutation(std::string_view{whole}.substr(0, n), err);
    if (part) expect_same(*part, uprobe_mutation());
  }
  // Another identifier (a plan fragment's) is not a mutation.
  auto wrong = whole;
  wrong.replace(4, 4, "WSPF");
  EXPECT_FALSE(decode_mutation(wrong, err));
  EXPECT_FALSE(decode_mutation(std::string(max_mutation_bytes + 1, 'x'), err));
  EXPECT_NE(err.find("more than the limit"), std::string::npos) << err;

  tracepoint_mutation huge = uprobe_mutation();
  huge.programs = {{std::string(max_mutation_bytes, 'p'), "", "", ""}};
  EXPECT_FALSE(encode_mutation(huge, err));
  EXPECT_NE(err.find("more than the limit"), std::string::npos) << err;
}

TEST(MutationCodec, VerifiedButInvalidFieldsAreRefusedWithTheReason) {
  namespace mw = mutation_wire;
  auto build = [](std::uint32_t version, std::uint8_t kind, const char* name, std::int64_t ttl, std::uint8_t target_kind,
                  std::uint8_t output_kind) {
    flatbuffers::FlatBufferBuilder b;
    std::vector<flatbuffers::Offset<mw::Output>> outputs{mw::CreateOutput(b, b.CreateString("c"), output_kind)};
    auto target = mw::CreateTarget(b, target_kind);
    auto n = b.CreateString(name);
    auto o = b.CreateVector(outputs);
    b.Finish(mw::CreateMutation(b, version, kind, n, 0, 0, o, 0, target, ttl), "WSTM");
    return finished(b);
  };
  std::string err;
  ASSERT_TRUE(decode_mutation(build(mutation_version, 0, "ok", 1, 0, 0), err)) << err;
  const std::pair<std::string, std::string> cases[] = {
      {build(mutation_version + 1, 0, "ok", 1, 0, 0), "version 2 is not supported"},
      {build(mutation_version, 7, "ok", 1, 0, 0), "unknown kind 7"},
      {build(mutation_version, 0, "", 1, 0, 0), "without a name"},
      {build(mutation_version, 0, "ok", -5, 0, 0), "negative ttl"},
      {build(mutation_version, 0, "ok", 1, 200, 0), "target of unknown kind 200"},
      {build(mutation_version, 0, "ok", 1, 0, 9), "output of unknown kind 9"},
  };
  for (const auto& [bytes, want] : cases) {
    EXPECT_FALSE(decode_mutation(bytes, err)) << want;
    EXPECT_NE(err.find(want), std::string::npos) << err;
  }
}
