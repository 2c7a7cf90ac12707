// The client endpoint and libwisp_client on loopback, with and without CURVE: an allowlisted
// client gets its answer; an unlisted key, a key-less client, a keyed client against a key-less
// daemon and a wrong server key each get an error that says why, at once (not after the accept
// timeout); refusals are counted; a key-less endpoint binds loopback only.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "cluster/client.hpp"
#include "cluster/client_endpoint.hpp"

using namespace std::chrono_literals;
using namespace wisp;
using namespace wisp::cluster;

namespace {

constexpr auto accept_timeout = 2000ms;

curve_keypair fresh_keys() {
  std::string err;
  auto k = generate_keypair(err);
  EXPECT_TRUE(k) << err;
  return k ? *k : curve_keypair{};
}

std::string raw_key(const curve_keypair& k) { return *z85_key_bytes(k.public_z85); }

// An endpoint on a free loopback port whose handler answers every query with Done{ok} and
// counts the queries it saw.
struct test_endpoint {
  client_endpoint ep;
  std::atomic<int> handled{0};
  std::atomic<std::uint64_t> last_refused_total{0};

  std::mutex mutex;
  std::vector<client_identity> clients;  // who sent each query
  std::optional<key_allowlist> tracers;   // set before start()

  std::string start(std::optional<curve_keypair> server, key_allowlist allowed,
                    std::string endpoint = "tcp://127.0.0.1:*") {
    client_endpoint_options o;
    o.endpoint = std::move(endpoint);
    o.server_keys = std::move(server);
    o.allowed_clients = std::move(allowed);
    o.on_refused = [this](std::uint64_t total) { last_refused_total = total; };
    o.tracers = std::move(tracers);
    return ep.start(std::move(o), [this](std::uint64_t id, wire::query_request, client_identity who, reply_fn reply) {
      {
        std::lock_guard lock{mutex};
        clients.push_back(std::move(who));
      }
      ++handled;
      reply(wire::server_message{id, wire::done{}});
    });
  }
};

struct timed_outcome {
  query_outcome outcome;
  std::chrono::milliseconds took;
};

timed_outcome query(const std::string& endpoint, std::optional<client_keys> keys) {
  client_options o;
  o.endpoint = endpoint;
  o.accept_timeout = accept_timeout;
  o.query_timeout = 5000ms;
  o.keys = std::move(keys);
  client c{o};
  wire::query_request req;
  req.script = "import px\n";
  const auto start = std::chrono::steady_clock::now();
  auto out = c.run(req, [](const wire::server_message&) {});
  return {std::move(out), std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)};
}

std::string error_of(const timed_outcome& t) {
  const auto* e = std::get_if<std::string>(&t.outcome);
  return e ? *e : "(no error: the query succeeded)";
}

class ClientAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!curve_available()) GTEST_SKIP() << "the installed libzmq has no CURVE";
    server = fresh_keys();
    allowed_client = fresh_keys();
    other_client = fresh_keys();
  }
  client_keys as(const curve_keypair& own) const { return {own, server.public_z85}; }

  curve_keypair server, allowed_client, other_client;
};

TEST_F(ClientAuth, AllowlistedClientGetsItsAnswer) {
  test_endpoint t;
  ASSERT_EQ(t.start(server, {raw_key(allowed_client)}), "");
  const auto r = query(t.ep.endpoint(), as(allowed_client));
  ASSERT_TRUE(std::holds_alternative<wire::done>(r.outcome)) << error_of(r);
  EXPECT_EQ(std::get<wire::done>(r.outcome).code, wire::status::ok);
  EXPECT_EQ(t.handled.load(), 1);
  EXPECT_EQ(t.ep.stats().refused.load(), 0u);
}

// The handler learns each client's key, and whether --tracepoint_clients lists it; without that
// list every admitted client may deploy tracepoints.
TEST_F(ClientAuth, TheHandlerKnowsTheClientAndWhetherItMayTrace) {
  test_endpoint t;
  t.tracers = key_allowlist{raw_key(other_client)};
  ASSERT_EQ(t.start(server, {raw_key(allowed_client), raw_key(other_client)}), "");
  for (const auto* who : {&allowed_client, &other_client}) {
    const auto r = query(t.ep.endpoint(), as(*who));
    ASSERT_TRUE(std::holds_alternative<wire::done>(r.outcome)) << error_of(r);
  }
  {
    std::lock_guard lock{t.mutex};
    ASSERT_EQ(t.clients.size(), 2u);
    EXPECT_EQ(t.clients[0].key, allowed_client.public_z85);
    EXPECT_FALSE(t.clients[0].may_trace);
    EXPECT_EQ(t.clients[1].key, other_client.public_z85);
    EXPECT_TRUE(t.clients[1].may_trace);
  }
  test_endpoint open;
  ASSERT_EQ(open.start(server, {raw_key(allowed_client)}), "");
  ASSERT_TRUE(std::holds_alternative<wire::done>(query(open.ep.endpoint(), as(allowed_client)).outcome));
  std::lock_guard lock{open.mutex};
  ASSERT_EQ(open.clients.size(), 1u);
  EXPECT_TRUE(open.clients[0].may_trace);
}

TEST_F(ClientAuth, UnlistedKeyIsRefusedAtOnceAndCounted) {
  test_endpoint t;
  ASSERT_EQ(t.start(server, {raw_key(allowed_client)}), "");
  const auto r = query(t.ep.endpoint(), as(other_client));
  EXPECT_NE(error_of(r).find("refused this client's key"), std::string::npos) << error_of(r);
  EXPECT_LT(r.took, accept_timeout);
  EXPECT_EQ(t.handled.load(), 0);
  // The endpoint thread counts the refusal from its monitor; give it a moment to read it.
  for (int i = 0; i < 100 && t.ep.stats().refused.load() == 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_GE(t.ep.stats().refused.load(), 1u);
  EXPECT_EQ(t.last_refused_total.load(), t.ep.stats().refused.load());
  // The allowlisted client still gets in afterwards.
  const auto ok = query(t.ep.endpoint(), as(allowed_client));
  EXPECT_TRUE(std::holds_alternative<wire::done>(ok.outcome)) << error_of(ok);
}

TEST_F(ClientAuth, KeylessClientIsRefusedWithAHintAboutKeys) {
  test_endpoint t;
  ASSERT_EQ(t.start(server, {raw_key(allowed_client)}), "");
  const auto r = query(t.ep.endpoint(), std::nullopt);
  EXPECT_NE(error_of(r).find("handshake failed"), std::string::npos) << error_of(r);
  EXPECT_NE(error_of(r).find("keys"), std::string::npos) << error_of(r);
  EXPECT_LT(r.took, accept_timeout);
  EXPECT_EQ(t.handled.load(), 0);
  // Whichever end notices the mechanism mismatch first: refused, or abandoned when the client
  // hung up before the endpoint read its greeting.
  const auto& s = t.ep.stats();
  for (int i = 0; i < 100 && s.refused.load() + s.abandoned.load() == 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_GE(s.refused.load() + s.abandoned.load(), 1u);
}

TEST_F(ClientAuth, KeyedClientAgainstKeylessEndpointSaysSo) {
  test_endpoint t;
  ASSERT_EQ(t.start(std::nullopt, {}), "");
  const auto r = query(t.ep.endpoint(), as(allowed_client));
  EXPECT_NE(error_of(r).find("CURVE handshake failed"), std::string::npos) << error_of(r);
  EXPECT_NE(error_of(r).find("without"), std::string::npos) << error_of(r);
  EXPECT_LT(r.took, accept_timeout);
  EXPECT_EQ(t.handled.load(), 0);
}

TEST_F(ClientAuth, WrongServerKeyFailsTheHandshakeWithAHint) {
  test_endpoint t;
  ASSERT_EQ(t.start(server, {raw_key(allowed_client)}), "");
  client_keys k{allowed_client, other_client.public_z85};  // not the server's key
  const auto r = query(t.ep.endpoint(), k);
  EXPECT_NE(error_of(r).find("CURVE handshake failed"), std::string::npos) << error_of(r);
  EXPECT_NE(error_of(r).find("server key"), std::string::npos) << error_of(r);
  EXPECT_LT(r.took, accept_timeout);
  EXPECT_EQ(t.handled.load(), 0);
}

TEST_F(ClientAuth, BadKeyTextIsAnErrorNotACrash) {
  test_endpoint t;
  ASSERT_EQ(t.start(server, {raw_key(allowed_client)}), "");
  client_keys k{allowed_client, "not a key"};
  const auto r = query(t.ep.endpoint(), k);
  EXPECT_NE(error_of(r).find("40 Z85"), std::string::npos) << error_of(r);
}

TEST(ClientEndpoint, KeylessBindsLoopbackOnly) {
  for (const char* ep : {"tcp://0.0.0.0:*", "tcp://10.1.2.3:50300", "tcp://*:50300"}) {
    test_endpoint t;
    const auto err = t.start(std::nullopt, {}, ep);
    EXPECT_NE(err.find("without CURVE keys"), std::string::npos) << ep << ": " << err;
  }
  test_endpoint t;
  EXPECT_EQ(t.start(std::nullopt, {}), "");
  const auto r = query(t.ep.endpoint(), std::nullopt);
  EXPECT_TRUE(std::holds_alternative<wire::done>(r.outcome)) << error_of(r);
}

// A TCP probe (Kubernetes' tcpSocket: connect, close without a greeting) is not a refused client.
TEST_F(ClientAuth, TcpProbeIsNotCountedAsRefused) {
  test_endpoint t;
  ASSERT_EQ(t.start(server, {raw_key(allowed_client)}), "");
  const auto ep = t.ep.endpoint();
  const auto port = std::stoi(ep.substr(ep.rfind(':') + 1));
  for (int i = 0; i < 3; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
  }
  // Then one real refusal, so that the endpoint has read the probes' events before it.
  const auto r = query(ep, as(other_client));
  EXPECT_NE(error_of(r).find("refused this client's key"), std::string::npos) << error_of(r);
  for (int i = 0; i < 100 && t.ep.stats().refused.load() == 0; ++i) std::this_thread::sleep_for(20ms);
  for (int i = 0; i < 100 && t.ep.stats().abandoned.load() < 3; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(t.ep.stats().refused.load(), 1u);
  EXPECT_EQ(t.ep.stats().abandoned.load(), 3u);
}

TEST(ClientEndpoint, NoDaemonIsUnreachableNotRefused) {
  std::string endpoint;
  {
    test_endpoint t;  // bound, then closed: a port nobody listens on any more
    ASSERT_EQ(t.start(std::nullopt, {}), "");
    endpoint = t.ep.endpoint();
  }
  const auto r = query(endpoint, std::nullopt);
  EXPECT_NE(error_of(r).find("cannot reach wispd"), std::string::npos) << error_of(r);
}

TEST(LoadClientKeys, NamesTheMissingFile) {
  client_keys k;
  const auto err = load_client_keys("/nonexistent/dir/me", "/nonexistent/server.pub", k);
  EXPECT_NE(err.find("/nonexistent/dir/me"), std::string::npos) << err;
}

}  // namespace
