#include "bench/transport_throughput.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <zmq.hpp>

#include "cluster/agent_gateway.hpp"
#include "cluster/broker_gateway.hpp"

namespace wisp::bench {

namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;
constexpr auto patience = 60s;

cluster::curve_keypair keypair() {
  std::string err;
  auto k = cluster::generate_keypair(err);
  if (!k) throw std::runtime_error("generate_keypair: " + err);
  return *k;
}

double seconds_since(clock::time_point t0) { return std::chrono::duration<double>(clock::now() - t0).count(); }

}  // namespace

std::size_t encoded_batch_bytes(const schemas::row_batch_ptr& batch) {
  return cluster_wire::encode(cluster_wire::agent_message{1, cluster_wire::batch_message{{1, 0, "out"}, 0, *batch}})
      .size();
}

codec_cost batch_codec_cost(const schemas::row_batch_ptr& batch, int repeat) {
  const cluster_wire::agent_message m{1, cluster_wire::batch_message{{1, 0, "out"}, 0, *batch}};
  codec_cost best{1e30, 1e30};
  std::string bytes;
  for (int i = 0; i < repeat; ++i) {
    auto t0 = clock::now();
    bytes = cluster_wire::encode(m);
    best.encode_s = std::min(best.encode_s, seconds_since(t0));
    cluster_wire::decode_error err;
    t0 = clock::now();
    auto back = cluster_wire::decode_agent(bytes, err);
    best.decode_s = std::min(best.decode_s, seconds_since(t0));
    if (!back) throw std::runtime_error("decode_agent: " + err.detail);
  }
  return best;
}

throughput gateway_throughput(const schemas::row_batch_ptr& batch, std::size_t count, bool curve) {
  cluster::broker_gateway_options bo;
  bo.transport.endpoint = "tcp://127.0.0.1:*";
  cluster::agent_gateway_options ao;
  if (curve) {
    const auto server = keypair(), client = keypair();
    bo.transport.server_keys = server;
    bo.transport.allowed_agents = {*cluster::z85_key_bytes(client.public_z85)};
    ao.transport.client_keys = client;
    ao.transport.broker_public_z85 = server.public_z85;
  }
  cluster::broker_gateway broker;
  if (auto e = broker.start(std::move(bo)); !e.empty()) throw std::runtime_error("broker: " + e);
  ao.transport.broker_endpoint = broker.endpoint();
  ao.describe = [] {
    cluster_wire::register_request r;
    r.agent_id = "throughput";
    return r;
  };
  cluster::agent_gateway agent;
  if (auto e = agent.start(std::move(ao)); !e.empty()) throw std::runtime_error("agent: " + e);
  const auto until = clock::now() + patience;
  while (agent.stats().asid == 0 || broker.agents().empty()) {
    if (clock::now() > until) throw std::runtime_error("the agent did not register within 60 s");
    std::this_thread::sleep_for(5ms);
  }

  std::mutex mutex;
  std::condition_variable ended;
  std::size_t received = 0;
  bool done = false;
  broker.open_query(1, {[&](std::uint32_t, const std::string&, schemas::row_batch_ptr) {
                          std::lock_guard lock{mutex};
                          ++received;
                        },
                        [&](std::uint32_t, const cluster_wire::end_of_stream&) {
                          {
                            std::lock_guard lock{mutex};
                            done = true;
                          }
                          ended.notify_all();
                        },
                        {}});
  const cluster_wire::stream_id stream{1, 0, "out"};
  const auto t0 = clock::now();
  for (std::size_t i = 0; i < count; ++i) agent.send_batch(stream, batch);
  agent.end_stream({stream, 0, wire::status::ok, {}, {}});
  std::unique_lock lock{mutex};
  if (!ended.wait_for(lock, patience, [&] { return done; }))
    throw std::runtime_error("the stream did not end within 60 s (" + std::to_string(received) + " batches arrived)");
  const double s = seconds_since(t0);
  if (received != count)
    throw std::runtime_error(std::to_string(received) + " of " + std::to_string(count) + " batches arrived");
  return {count, encoded_batch_bytes(batch), s};
}

throughput raw_zmq_throughput(std::size_t bytes, std::size_t count, bool curve) {
  // One context (one I/O thread) per end, as the two gateways have.
  zmq::context_t broker_ctx{1}, agent_ctx{1};
  zmq::socket_t router{broker_ctx, zmq::socket_type::router}, dealer{agent_ctx, zmq::socket_type::dealer};
  router.set(zmq::sockopt::linger, 0);
  dealer.set(zmq::sockopt::linger, 0);
  if (curve) {
    const auto server = keypair(), client = keypair();
    router.set(zmq::sockopt::curve_server, 1);
    router.set(zmq::sockopt::curve_secretkey, server.secret_z85);
    dealer.set(zmq::sockopt::curve_serverkey, server.public_z85);
    dealer.set(zmq::sockopt::curve_publickey, client.public_z85);
    dealer.set(zmq::sockopt::curve_secretkey, client.secret_z85);
  }
  router.bind("tcp://127.0.0.1:*");
  dealer.connect(router.get(zmq::sockopt::last_endpoint));
  router.set(zmq::sockopt::rcvtimeo, static_cast<int>(std::chrono::milliseconds{patience}.count()));

  // One message through first, so the timing starts on an established link (as the gateway's
  // does, after registration).
  const std::string payload(bytes, 'x');
  auto receive_one = [&router] {
    zmq::message_t id, body;
    if (!router.recv(id) || !router.recv(body)) throw std::runtime_error("raw ZeroMQ: no message within 60 s");
    return body.size();
  };
  dealer.send(zmq::buffer(payload));
  (void)receive_one();

  std::size_t got = 0;
  std::thread receiver{[&] {
    try {
      for (; got < count; ++got) (void)receive_one();
    } catch (const std::exception&) {
    }
  }};
  const auto t0 = clock::now();
  for (std::size_t i = 0; i < count; ++i) dealer.send(zmq::buffer(payload));
  receiver.join();
  const double s = seconds_since(t0);
  if (got != count) throw std::runtime_error("raw ZeroMQ: " + std::to_string(got) + " of " + std::to_string(count) + " arrived");
  return {count, bytes, s};
}

}  // namespace wisp::bench
