#include <gtest/gtest.h>

#include <flatbuffers/flatbuffers.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "schemas/cluster_generated.h"
#include "schemas/cluster_wire.hpp"

using namespace wisp;
using namespace wisp::cluster_wire;
using schemas::data_type;
using schemas::semantic_type;

namespace {

schemas::relation rel() {
  return {{{"time_", data_type::time64ns, semantic_type::st_time_ns, ""},
           {"path", data_type::string, semantic_type::st_none, ""}}};
}

schemas::row_batch batch(int rows) {
  auto b = schemas::make_empty_batch(rel());
  for (int i = 0; i < rows; ++i) {
    b.columns[0].push_int(100 + i);
    b.columns[1].push_string("/p" + std::to_string(i));
  }
  return b;
}

std::string heartbeat_with_version(std::uint32_t version) {
  flatbuffers::FlatBufferBuilder b;
  auto hb = CreateHeartbeat(b, 5, 6);
  b.Finish(CreateAgentMessage(b, version, 3, AgentPayload::Heartbeat, hb.Union()), "WSAG");
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

agent_message round_trip(const agent_message& m) {
  decode_error err;
  auto back = decode_agent(encode(m), err);
  EXPECT_TRUE(back) << err.detail;
  return back ? *back : agent_message{};
}

}  // namespace

TEST(ClusterWire, RegisterRoundTripKeepsTablesAndRelations) {
  register_request r{7, "agent-a", "node-1", "6.1.0-18-amd64", {{"http_events", rel()}, {"empty", {}}}, "10.0.0.7",
                     1'700'000'000'000'000'000, true};
  auto back = round_trip({0, r});
  const auto& rr = std::get<register_request>(back.payload);
  EXPECT_EQ(back.asid, 0u);
  EXPECT_EQ(rr.requested_asid, 7u);
  EXPECT_EQ(rr.agent_id, "agent-a");
  EXPECT_EQ(rr.hostname, "node-1");
  EXPECT_EQ(rr.kernel_release, "6.1.0-18-amd64");
  ASSERT_EQ(rr.tables.size(), 2u);
  EXPECT_EQ(rr.tables[0], (table_info{"http_events", rel()}));
  EXPECT_TRUE(rr.tables[1].rel.columns.empty());
  EXPECT_EQ(rr.ip_address, "10.0.0.7");
  EXPECT_EQ(rr.start_time_ns, 1'700'000'000'000'000'000);
  EXPECT_TRUE(rr.kernel_headers_installed);
}

TEST(ClusterWire, HeartbeatBatchAndEndOfStreamRoundTrip) {
  const tracepoint_info tp{{7ull << 32, 3}, "probe", "FAILED", "no process", {"probe_table", "other"}};
  auto hb = round_trip({4, heartbeat{123456789, 9, {{"bpf", "lost_events", 17}}, {tp}}});
  EXPECT_EQ(hb.asid, 4u);
  const auto& h = std::get<heartbeat>(hb.payload);
  EXPECT_EQ(h.time_ns, 123456789);
  EXPECT_EQ(h.sequence, 9u);
  ASSERT_EQ(h.losses.size(), 1u);
  EXPECT_EQ(h.losses[0].value, 17u);
  ASSERT_EQ(h.tracepoints.size(), 1u);
  EXPECT_EQ(h.tracepoints[0], tp);

  const stream_id s{42, 2, "out"};
  auto bm = round_trip({4, batch_message{s, 3, batch(2)}});
  const auto& b = std::get<batch_message>(bm.payload);
  EXPECT_EQ(b.stream, s);
  EXPECT_EQ(b.sequence, 3u);
  ASSERT_TRUE(schemas::matches(b.batch, rel()));
  EXPECT_EQ(b.batch.columns[1].strings().at(1), "/p1");

  auto em = round_trip({4, end_of_stream{s, 4, wire::status::exec_error, "boom", {{"agent", "dropped", 2}}}});
  const auto& e = std::get<end_of_stream>(em.payload);
  EXPECT_EQ(e.stream, s);
  EXPECT_EQ(e.batches, 4u);
  EXPECT_EQ(e.code, wire::status::exec_error);
  EXPECT_EQ(e.error, "boom");
  ASSERT_EQ(e.losses.size(), 1u);
}

TEST(ClusterWire, BrokerMessagesRoundTrip) {
  decode_error err;
  auto r = decode_broker(encode(broker_message{register_reply{5, "agent-a", ""}}), err);
  ASSERT_TRUE(r) << err.detail;
  EXPECT_EQ(std::get<register_reply>(r->payload).asid, 5u);
  EXPECT_EQ(std::get<register_reply>(r->payload).agent_id, "agent-a");

  const std::string plan("\x00\x01plan\xff", 7);
  auto p = decode_broker(encode(broker_message{plan_fragment{11, 2, plan}}), err);
  ASSERT_TRUE(p) << err.detail;
  EXPECT_EQ(std::get<plan_fragment>(p->payload).plan, plan);
  EXPECT_EQ(std::get<plan_fragment>(p->payload).query_id, 11u);

  auto c = decode_broker(encode(broker_message{credit{{11, 2, "out"}, 6}}), err);
  ASSERT_TRUE(c) << err.detail;
  EXPECT_EQ(std::get<credit>(c->payload).consumed, 6u);
  EXPECT_EQ(std::get<credit>(c->payload).stream.sink, "out");
}

TEST(ClusterWire, TracepointRequestAndReplyRoundTrip) {
  const std::string mutation("WSTM\0\x01 mutation bytes", 20);
  decode_error err;
  auto r = decode_broker(encode(broker_message{tracepoint_request{12, mutation}}), err);
  ASSERT_TRUE(r) << err.detail;
  const auto& req = std::get<tracepoint_request>(r->payload);
  EXPECT_EQ(req.request_id, 12u);
  EXPECT_EQ(req.mutation, mutation);

  const tracepoint_info tp{{5ull << 32, 1}, "probe", "RUNNING", "attached to 1 process(es)", {"probe_table"}};
  auto back = round_trip({5, tracepoint_reply{12, "", table_info{"probe_table", rel()}, {tp}}});
  const auto& rep = std::get<tracepoint_reply>(back.payload);
  EXPECT_EQ(rep.request_id, 12u);
  EXPECT_TRUE(rep.error.empty());
  ASSERT_TRUE(rep.table);
  EXPECT_EQ(*rep.table, (table_info{"probe_table", rel()}));
  ASSERT_EQ(rep.tracepoints.size(), 1u);
  EXPECT_EQ(rep.tracepoints[0], tp);

  auto failed = round_trip({5, tracepoint_reply{14, "matches no running process", std::nullopt, {}}});
  EXPECT_EQ(std::get<tracepoint_reply>(failed.payload).error, "matches no running process");
  EXPECT_FALSE(std::get<tracepoint_reply>(failed.payload).table);
}

TEST(ClusterWire, WrongVersionIsAnErrorValue) {
  decode_error err;
  ASSERT_TRUE(decode_agent(heartbeat_with_version(cluster_version), err)) << err.detail;
  EXPECT_FALSE(decode_agent(heartbeat_with_version(cluster_version + 1), err));
  EXPECT_EQ(err.code, decode_errc::wrong_version);
  EXPECT_FALSE(decode_agent(heartbeat_with_version(0), err));
  EXPECT_EQ(err.code, decode_errc::wrong_version);
}

TEST(ClusterWire, OversizeIsRefusedBeforeVerification) {
  const auto bytes = encode(agent_message{1, batch_message{{1, 1, "s"}, 0, batch(100)}});
  decode_error err;
  EXPECT_FALSE(decode_agent(bytes, err, bytes.size() - 1));
  EXPECT_EQ(err.code, decode_errc::oversize);
  EXPECT_TRUE(decode_agent(bytes, err, bytes.size()));
}

TEST(ClusterWire, OneDirectionIsNeverTakenForTheOther) {
  decode_error err;
  EXPECT_FALSE(decode_broker(encode(agent_message{1, heartbeat{}}), err));
  EXPECT_EQ(err.code, decode_errc::malformed);
  EXPECT_FALSE(decode_agent(encode(broker_message{credit{{1, 1, "s"}, 1}}), err));
  EXPECT_EQ(err.code, decode_errc::malformed);
}

TEST(ClusterWire, EveryTruncationAndGarbageIsAnErrorNotACrash) {
  const auto bytes = encode(agent_message{1, register_request{0, "a", "h", "k", {{"t", rel()}}, "", 0, false}});
  decode_error err;
  // A prefix that only drops the builder's trailing alignment padding still holds the whole
  // message; every other prefix is an error.
  std::size_t refused = 0;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto m = decode_agent(std::string_view{bytes}.substr(0, n), err);
    if (!m) {
      ++refused;
      continue;
    }
    const auto& r = std::get<register_request>(m->payload);
    EXPECT_EQ(r.agent_id, "a") << "prefix " << n;
    ASSERT_EQ(r.tables.size(), 1u) << "prefix " << n;
    EXPECT_EQ(r.tables[0].rel, rel()) << "prefix " << n;
  }
  EXPECT_GE(refused, bytes.size() - 8);
  std::string flipped = bytes;
  std::size_t errors = 0;
  for (std::size_t i = 0; i < flipped.size(); ++i) {
    flipped[i] = static_cast<char>(flipped[i] ^ 0xff);
    if (!decode_agent(flipped, err)) ++errors;
    flipped[i] = bytes[i];
  }
  EXPECT_GT(errors, 0u);
  EXPECT_FALSE(decode_agent("not a flatbuffer at all", err));
  EXPECT_EQ(err.code, decode_errc::malformed);
}

TEST(ClusterWire, VerifiedButInvalidFieldsAreRefusedWithTheReason) {
  decode_error err;
  // A registration without an agent id.
  EXPECT_FALSE(decode_agent(encode(agent_message{0, register_request{}}), err));
  EXPECT_EQ(err.code, decode_errc::invalid);

  // A batch without a stream id, and an end of stream with a status out of range.
  flatbuffers::FlatBufferBuilder b;
  auto bm = CreateBatch(b, 0, 0, 0);
  b.Finish(CreateAgentMessage(b, cluster_version, 1, AgentPayload::Batch, bm.Union()), "WSAG");
  EXPECT_FALSE(decode_agent({reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()}, err));
  EXPECT_EQ(err.code, decode_errc::invalid);
  EXPECT_NE(err.detail.find("stream id"), std::string::npos);

  flatbuffers::FlatBufferBuilder b2;
  auto s = CreateStreamIdDirect(b2, 1, 1, "x");
  auto e = CreateEndOfStream(b2, s, 0, static_cast<wire::Status>(200));
  b2.Finish(CreateAgentMessage(b2, cluster_version, 1, AgentPayload::EndOfStream, e.Union()), "WSAG");
  EXPECT_FALSE(decode_agent({reinterpret_cast<const char*>(b2.GetBufferPointer()), b2.GetSize()}, err));
  EXPECT_EQ(err.code, decode_errc::invalid);

  // A tracepoint reply whose table has a column of an unknown type.
  {
    flatbuffers::FlatBufferBuilder b4;
    auto ci = wire::CreateColumnInfoDirect(b4, "c", 99);
    std::vector<flatbuffers::Offset<wire::ColumnInfo>> cols{ci};
    auto relation = wire::CreateRelationDirect(b4, &cols);
    auto table = CreateTableInfo(b4, b4.CreateString("t"), relation);
    auto reply = CreateTracepointReply(b4, 3, 0, table);
    b4.Finish(CreateAgentMessage(b4, cluster_version, 1, AgentPayload::TracepointReply, reply.Union()), "WSAG");
    EXPECT_FALSE(decode_agent({reinterpret_cast<const char*>(b4.GetBufferPointer()), b4.GetSize()}, err));
    EXPECT_EQ(err.code, decode_errc::invalid);
    EXPECT_NE(err.detail.find("tracepoint reply 3, table 't'"), std::string::npos) << err.detail;
  }

  // A batch whose column is shorter than num_rows, and one with num_rows 2^64-1.
  for (std::uint64_t rows : {std::uint64_t{3}, ~std::uint64_t{0}}) {
    flatbuffers::FlatBufferBuilder b3;
    auto col = wire::CreateColumn(b3, static_cast<std::uint8_t>(data_type::string));
    std::vector<flatbuffers::Offset<wire::Column>> cols{col};
    auto rb = wire::CreateRowBatchDirect(b3, rows, &cols);
    auto st = CreateStreamIdDirect(b3, 1, 1, "x");
    auto bt = CreateBatch(b3, st, 0, rb);
    b3.Finish(CreateAgentMessage(b3, cluster_version, 1, AgentPayload::Batch, bt.Union()), "WSAG");
    EXPECT_FALSE(decode_agent({reinterpret_cast<const char*>(b3.GetBufferPointer()), b3.GetSize()}, err)) << rows;
    EXPECT_EQ(err.code, decode_errc::invalid);
  }
}

// Found by cluster_wire_fuzz: the Verifier passes a union whose type is set and whose value is
// absent.
TEST(ClusterWire, PayloadTypeWithoutPayloadIsInvalid) {
  decode_error err;
  flatbuffers::FlatBufferBuilder b;
  b.Finish(CreateBrokerMessage(b, cluster_version, BrokerPayload::Credit, 0), "WSBR");
  EXPECT_FALSE(decode_broker({reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()}, err));
  EXPECT_EQ(err.code, decode_errc::invalid);

  flatbuffers::FlatBufferBuilder b2;
  b2.Finish(CreateAgentMessage(b2, cluster_version, 1, AgentPayload::Batch, 0), "WSAG");
  EXPECT_FALSE(decode_agent({reinterpret_cast<const char*>(b2.GetBufferPointer()), b2.GetSize()}, err));
  EXPECT_EQ(err.code, decode_errc::invalid);
}

// Found by cluster_wire_fuzz: strings were encoded through c_str() and cut at their first NUL,
// so an agent id "\0x" decoded but did not survive a re-encode.
TEST(ClusterWire, StringsWithNulBytesSurviveARoundTrip) {
  const std::string id("\0agent", 6), col("a\0b", 3);
  register_request r{0, id, std::string("h\0", 2), "k", {{std::string("t\0", 2), {{{col, data_type::int64, semantic_type::st_none, ""}}}}}, "", 0, false};
  auto back = round_trip({0, r});
  const auto& rr = std::get<register_request>(back.payload);
  EXPECT_EQ(rr.agent_id, id);
  EXPECT_EQ(rr.hostname.size(), 2u);
  ASSERT_EQ(rr.tables.size(), 1u);
  EXPECT_EQ(rr.tables[0].name.size(), 2u);
  EXPECT_EQ(rr.tables[0].rel.columns.at(0).name, col);
  auto sb = round_trip({1, end_of_stream{{1, 1, std::string("s\0", 2)}, 0, wire::status::ok, "", {{std::string("a\0", 2), "n", 1}}}});
  EXPECT_EQ(std::get<end_of_stream>(sb.payload).stream.sink.size(), 2u);
  EXPECT_EQ(std::get<end_of_stream>(sb.payload).losses.at(0).stage.size(), 2u);
}

// Found by cluster_wire_fuzz: the Verifier checks an 8-byte vector's length field for 4-byte
// alignment only, so a crafted buffer could make decoding load misaligned values.
TEST(ClusterWire, MisalignedEightByteColumnIsInvalidAndAnUnalignedInputStillDecodes) {
  const auto good = encode(agent_message{1, batch_message{{1, 1, "s"}, 0, batch(3)}});
  // The same bytes at an odd address decode (the decoder copies them to an aligned buffer).
  std::string shifted = " " + good;
  decode_error err;
  auto back = decode_agent(std::string_view{shifted}.substr(1), err);
  ASSERT_TRUE(back) << err.detail;
  EXPECT_EQ(std::get<batch_message>(back->payload).batch.columns[0].ints().at(2), 102);

  // The fuzzer's input: a string column whose [ulong] offsets start 4 bytes off an 8-byte
  // boundary. Decoded at an aligned address, it must be refused, not read.
  std::ifstream in(WISP_SOURCE_DIR "/test/schemas/fixtures/cluster_wire_misaligned_offsets.bin", std::ios::binary);
  ASSERT_TRUE(in);
  const std::string crafted{std::istreambuf_iterator<char>(in), {}};
  std::vector<std::uint64_t> aligned((crafted.size() + 7) / 8);
  std::memcpy(aligned.data(), crafted.data(), crafted.size());
  EXPECT_FALSE(decode_agent({reinterpret_cast<const char*>(aligned.data()), crafted.size()}, err));
  EXPECT_EQ(err.code, decode_errc::invalid);
  EXPECT_NE(err.detail.find("aligned"), std::string::npos) << err.detail;
}
