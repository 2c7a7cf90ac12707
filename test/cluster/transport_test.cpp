// The cluster transport on loopback: a broker_transport and agent_transports (plus raw ZeroMQ
// sockets playing hostile or misconfigured peers) in one process, each with its own context.
#include <gtest/gtest.h>

#include <flatbuffers/flatbuffers.h>
#include <zmq.hpp>

#include "cluster/agent_transport.hpp"
#include "cluster/broker_transport.hpp"
#include "schemas/cluster_generated.h"

using namespace std::chrono_literals;
using namespace wisp;
using namespace wisp::cluster;
using namespace wisp::cluster_wire;

namespace {

constexpr auto patience = 3000ms;  // for messages that must arrive
constexpr auto quiet = 300ms;      // for messages that must not

schemas::row_batch small_batch() {
  schemas::relation rel{{{"n", schemas::data_type::int64, schemas::semantic_type::st_none, ""}}};
  auto b = schemas::make_empty_batch(rel);
  b.columns[0].push_int(1);
  return b;
}

curve_keypair keys() {
  std::string err;
  auto k = generate_keypair(err);
  EXPECT_TRUE(k) << err;
  return k ? *k : curve_keypair{};
}

std::string raw_key(const curve_keypair& k) { return *z85_key_bytes(k.public_z85); }

register_request registration(const std::string& id) {
  return {0, id, "node-" + id, "6.1.0", {{"t", {{{"n", schemas::data_type::int64, schemas::semantic_type::st_none, ""}}}}}, "127.0.0.1", 0, false};
}

// A plain DEALER: what a peer that does not use agent_transport can put on the wire.
struct raw_peer {
  zmq::context_t ctx{1};
  zmq::socket_t sock{ctx, zmq::socket_type::dealer};
  explicit raw_peer(const std::string& endpoint) {
    sock.set(zmq::sockopt::linger, 0);
    sock.connect(endpoint);
  }
  void send(std::string_view bytes) { ASSERT_TRUE(sock.send(zmq::buffer(bytes), zmq::send_flags::dontwait)); }
};

std::string heartbeat_of_version(std::uint32_t version) {
  flatbuffers::FlatBufferBuilder b;
  auto hb = CreateHeartbeat(b, 1, 1);
  b.Finish(CreateAgentMessage(b, version, 1, AgentPayload::Heartbeat, hb.Union()), "WSAG");
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

bool curve_or_skip() { return curve_available(); }

broker_options broker_on_loopback(std::size_t max_bytes = max_message_bytes, std::uint32_t window = 8) {
  broker_options o;
  o.endpoint = "tcp://127.0.0.1:*";
  o.max_message_bytes = max_bytes;
  o.batch_window = window;
  return o;
}

broker_options curve_broker(const curve_keypair& server, key_allowlist allowed) {
  auto o = broker_on_loopback();
  o.server_keys = server;
  o.allowed_agents = std::move(allowed);
  return o;
}

agent_options agent_to(const std::string& endpoint, std::size_t max_bytes = max_message_bytes,
                       std::uint32_t window = 8) {
  agent_options o;
  o.broker_endpoint = endpoint;
  o.max_message_bytes = max_bytes;
  o.batch_window = window;
  return o;
}

agent_options curve_agent_to(const std::string& endpoint, const curve_keypair& client, const std::string& server_pub) {
  auto o = agent_to(endpoint);
  o.client_keys = client;
  o.broker_public_z85 = server_pub;
  return o;
}

}  // namespace

TEST(Transport, RegistrationAndHeartbeatRoundTripOnLoopback) {
  broker_transport broker;
  ASSERT_EQ(broker.start(broker_on_loopback()), "");
  agent_transport agent;
  ASSERT_EQ(agent.start(agent_to(broker.endpoint())), "");

  ASSERT_EQ(agent.send({0, registration("a")}), send_result::sent);
  auto in = broker.receive(patience);
  ASSERT_TRUE(in);
  const auto& r = std::get<register_request>(in->message.payload);
  EXPECT_EQ(r.agent_id, "a");
  EXPECT_EQ(r.hostname, "node-a");
  ASSERT_EQ(r.tables.size(), 1u);
  EXPECT_TRUE(in->peer_key.empty());

  ASSERT_TRUE(broker.send(in->peer, {register_reply{17, "a", ""}}));
  auto reply = agent.receive(patience);
  ASSERT_TRUE(reply);
  EXPECT_EQ(std::get<register_reply>(reply->payload).asid, 17u);

  ASSERT_EQ(agent.send({17, heartbeat{1234, 1, {{"bpf", "lost", 2}}, {}}}), send_result::sent);
  auto hb = broker.receive(patience);
  ASSERT_TRUE(hb);
  EXPECT_EQ(hb->message.asid, 17u);
  EXPECT_EQ(hb->peer, in->peer);
  EXPECT_EQ(std::get<heartbeat>(hb->message.payload).losses.at(0).value, 2u);
  EXPECT_EQ(broker.stats().received, 2u);
  EXPECT_EQ(broker.stats().dropped(), 0u);
}

TEST(Transport, ByteCountersCountTheEncodedMessagesOfBothEnds) {
  broker_transport broker;
  ASSERT_EQ(broker.start(broker_on_loopback()), "");
  agent_transport agent;
  ASSERT_EQ(agent.start(agent_to(broker.endpoint())), "");

  const agent_message reg{0, registration("a")};
  const agent_message batch{5, batch_message{{1, 0, "s"}, 0, small_batch()}};
  ASSERT_EQ(agent.send(reg), send_result::sent);
  ASSERT_EQ(agent.send(batch), send_result::sent);
  const std::uint64_t up = encode(reg).size() + encode(batch).size();
  EXPECT_EQ(agent.stats().bytes_sent, up);
  auto first = broker.receive(patience);
  ASSERT_TRUE(first);
  ASSERT_TRUE(broker.receive(patience));
  // The body only: the ROUTER's routing-id frame is not part of the message.
  EXPECT_EQ(broker.stats().bytes_received, up);

  const broker_message reply{register_reply{5, "a", ""}};
  ASSERT_TRUE(broker.send(first->peer, reply));
  EXPECT_EQ(broker.stats().bytes_sent, encode(reply).size());
  ASSERT_TRUE(agent.receive(patience));
  EXPECT_EQ(agent.stats().bytes_received, encode(reply).size());

  // A message that is refused or dropped moves no counted bytes.
  EXPECT_EQ(agent.send({5, batch_message{{1, 0, "s"}, 7, small_batch()}}), send_result::out_of_order);
  EXPECT_FALSE(broker.send("no such peer", reply));
  EXPECT_EQ(agent.stats().bytes_sent, up);
  EXPECT_EQ(broker.stats().bytes_sent, encode(reply).size());
}

TEST(Transport, KeylessBrokerOrAgentRefusesNonLoopbackEndpoints) {
  broker_transport broker;
  EXPECT_NE(broker.start([] { auto o = broker_on_loopback(); o.endpoint = "tcp://0.0.0.0:*"; return o; }()), "");
  agent_transport agent;
  EXPECT_NE(agent.start(agent_to("tcp://10.1.2.3:50400")), "");
}

TEST(Transport, AllowlistedCurveAgentRegistersAndIsIdentifiedByItsKey) {
  if (!curve_or_skip()) GTEST_SKIP() << "libzmq has no CURVE (zmq_has(\"curve\") is false)";
  const auto server = keys(), client = keys();
  broker_transport broker;
  ASSERT_EQ(broker.start(curve_broker(server, {raw_key(client)})), "");
  agent_transport agent;
  ASSERT_EQ(agent.start(curve_agent_to(broker.endpoint(), client, server.public_z85)), "");
  ASSERT_EQ(agent.send({0, registration("a")}), send_result::sent);
  auto in = broker.receive(patience);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->peer_key, client.public_z85);
  ASSERT_TRUE(broker.send(in->peer, {register_reply{1, "a", ""}}));
  EXPECT_TRUE(agent.receive(patience));
  EXPECT_EQ(broker.refused(), 0u);
}

TEST(Transport, AgentKeyNotInAllowlistIsRefusedAndCounted) {
  if (!curve_or_skip()) GTEST_SKIP() << "libzmq has no CURVE (zmq_has(\"curve\") is false)";
  const auto server = keys(), allowed = keys(), stranger = keys();
  broker_transport broker;
  ASSERT_EQ(broker.start(curve_broker(server, {raw_key(allowed)})), "");
  agent_transport agent;
  ASSERT_EQ(agent.start(curve_agent_to(broker.endpoint(), stranger, server.public_z85)), "");
  ASSERT_EQ(agent.send({0, registration("intruder")}), send_result::sent);

  // Wait until the refusal happened, then make sure nothing got through.
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (broker.refused() == 0 && std::chrono::steady_clock::now() < deadline) EXPECT_FALSE(broker.receive(50ms));
  EXPECT_GE(broker.refused(), 1u);
  EXPECT_FALSE(broker.receive(quiet));
  EXPECT_EQ(broker.stats().received, 0u);
  EXPECT_GE(broker.stats().handshake_failures, 1u);
  // The agent learns that its key was refused (ZAP's 400 reaches the CURVE client).
  const auto until = std::chrono::steady_clock::now() + patience;
  while (agent.stats().handshake_refused == 0 && std::chrono::steady_clock::now() < until)
    EXPECT_FALSE(agent.receive(50ms));
  EXPECT_GE(agent.stats().handshake_refused, 1u);
}

TEST(Transport, ClientWithoutCurveIsRefusedByCurveBroker) {
  if (!curve_or_skip()) GTEST_SKIP() << "libzmq has no CURVE (zmq_has(\"curve\") is false)";
  const auto server = keys(), allowed = keys();
  broker_transport broker;
  ASSERT_EQ(broker.start(curve_broker(server, {raw_key(allowed)})), "");
  raw_peer plain{broker.endpoint()};
  plain.send(encode(agent_message{0, registration("plain")}));

  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (broker.stats().handshake_failures == 0 && std::chrono::steady_clock::now() < deadline)
    EXPECT_FALSE(broker.receive(50ms));
  EXPECT_GE(broker.stats().handshake_failures, 1u);
  EXPECT_FALSE(broker.receive(quiet));
  EXPECT_EQ(broker.stats().received, 0u);
}

TEST(Transport, OversizeMessageIsDroppedByMaxMsgSize) {
  constexpr std::size_t limit = 64 * 1024;
  broker_transport broker;
  ASSERT_EQ(broker.start(broker_on_loopback(limit)), "");
  // A well-formed heartbeat padded with loss counters to twice the limit: without
  // ZMQ_MAXMSGSIZE it would decode.
  heartbeat big;
  for (int i = 0; i < 4000; ++i) big.losses.push_back({"stage", std::string(16, 'x'), 1});
  const auto bytes = encode(agent_message{1, big});
  ASSERT_GT(bytes.size(), 2 * limit);
  {
    raw_peer hostile{broker.endpoint()};
    hostile.send(bytes);
    EXPECT_FALSE(broker.receive(quiet));
  }
  agent_transport good;
  ASSERT_EQ(good.start(agent_to(broker.endpoint(), limit)), "");
  ASSERT_EQ(good.send({2, heartbeat{5, 1, {}, {}}}), send_result::sent);
  auto in = broker.receive(patience);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->message.asid, 2u);
  EXPECT_EQ(broker.stats().received, 1u);
  // libzmq dropped it on the link: the decoder's own size check never saw it.
  EXPECT_EQ(broker.stats().oversize, 0u);

  // The agent side refuses to send what the broker would drop.
  EXPECT_EQ(good.send({2, big}), send_result::failed);
  EXPECT_EQ(good.stats().send_failures, 1u);
}

TEST(Transport, MalformedAndWrongVersionAreCountedWhileAGoodAgentKeepsWorking) {
  broker_transport broker;
  ASSERT_EQ(broker.start(broker_on_loopback()), "");
  agent_transport good;
  ASSERT_EQ(good.start(agent_to(broker.endpoint())), "");
  raw_peer hostile{broker.endpoint()};

  const auto valid = encode(agent_message{9, heartbeat{1, 1, {}, {}}});
  for (int round = 0; round < 3; ++round) {
    hostile.send("garbage that is no flatbuffer");
    hostile.send(heartbeat_of_version(cluster_version + 1));
    hostile.send(std::string_view{valid}.substr(0, valid.size() / 2));       // truncated
    hostile.send(encode(broker_message{credit{{1, 1, "s"}, 1}}));             // wrong direction
    hostile.send(encode(agent_message{0, register_request{}}));               // no agent id
    ASSERT_EQ(good.send({3, heartbeat{round, static_cast<std::uint64_t>(round), {}, {}}}), send_result::sent);
    auto in = broker.receive(patience);
    ASSERT_TRUE(in) << "round " << round;
    EXPECT_EQ(in->message.asid, 3u);
    EXPECT_EQ(std::get<heartbeat>(in->message.payload).sequence, static_cast<std::uint64_t>(round));
  }
  // The hostile peer's last messages may still be queued behind the good one.
  EXPECT_FALSE(broker.receive(quiet));
  const auto& s = broker.stats();
  EXPECT_EQ(s.received, 3u);
  EXPECT_EQ(s.malformed, 3u * 3);
  EXPECT_EQ(s.wrong_version, 3u);
  EXPECT_EQ(s.invalid, 3u);
}

TEST(Transport, CreditsBoundTheBatchesInFlight) {
  constexpr std::uint32_t window = 3;
  broker_transport broker;
  ASSERT_EQ(broker.start(broker_on_loopback(max_message_bytes, window)), "");
  agent_transport agent;
  ASSERT_EQ(agent.start(agent_to(broker.endpoint(), max_message_bytes, window)), "");
  const stream_id s{7, 1, "out"};

  std::uint64_t next = 0;
  auto try_send = [&] {
    auto r = agent.send({1, batch_message{s, next, small_batch()}});
    if (r == send_result::sent) ++next;
    return r;
  };
  for (std::uint32_t i = 0; i < window; ++i) ASSERT_EQ(try_send(), send_result::sent);
  EXPECT_EQ(try_send(), send_result::no_credit);
  EXPECT_EQ(agent.window().in_flight(s), window);
  EXPECT_EQ(agent.send({1, batch_message{s, next + 1, small_batch()}}), send_result::out_of_order);

  std::string peer;
  for (std::uint64_t i = 0; i < window; ++i) {
    auto in = broker.receive(patience);
    ASSERT_TRUE(in);
    EXPECT_EQ(std::get<batch_message>(in->message.payload).sequence, i);
    peer = in->peer;
  }
  EXPECT_FALSE(broker.receive(quiet));

  // Two consumed: two more fit, the third does not.
  ASSERT_TRUE(broker.send(peer, {credit{s, 2}}));
  auto c = agent.receive(patience);
  ASSERT_TRUE(c);
  ASSERT_TRUE(std::holds_alternative<credit>(c->payload));
  EXPECT_EQ(try_send(), send_result::sent);
  EXPECT_EQ(try_send(), send_result::sent);
  EXPECT_EQ(try_send(), send_result::no_credit);
  for (std::uint64_t i = window; i < window + 2; ++i) {
    auto in = broker.receive(patience);
    ASSERT_TRUE(in);
    EXPECT_EQ(std::get<batch_message>(in->message.payload).sequence, i);
  }
  EXPECT_EQ(broker.stats().credit_violations, 0u);

  // End of stream frees the stream on both sides.
  ASSERT_EQ(agent.send({1, end_of_stream{s, next, wire::status::ok, "", {}}}), send_result::sent);
  ASSERT_TRUE(broker.receive(patience));
  EXPECT_EQ(agent.window().streams(), 0u);
}

TEST(Transport, BrokerDropsBatchesSentBeyondTheCredit) {
  constexpr std::uint32_t window = 2;
  broker_transport broker;
  ASSERT_EQ(broker.start(broker_on_loopback(max_message_bytes, window)), "");
  raw_peer greedy{broker.endpoint()};
  const stream_id s{1, 1, "out"};
  for (std::uint64_t i = 0; i < 5; ++i) greedy.send(encode(agent_message{1, batch_message{s, i, small_batch()}}));
  for (std::uint64_t i = 0; i < window; ++i) {
    auto in = broker.receive(patience);
    ASSERT_TRUE(in);
    EXPECT_EQ(std::get<batch_message>(in->message.payload).sequence, i);
  }
  EXPECT_FALSE(broker.receive(quiet));
  EXPECT_EQ(broker.stats().credit_violations, 3u);
}
