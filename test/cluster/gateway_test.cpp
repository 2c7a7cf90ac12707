// The gateways on loopback: a broker_gateway and agent_gateways in one process (real ZeroMQ
// sockets, no keys). Registration and ASIDs, heartbeats, fragments out, credit-limited streams
// in, a lost agent reported to open queries and later forgotten, and re-registration with the
// same ASID after the broker restarts, and tracepoint requests answered by each agent.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <optional>

#include "cluster/agent_gateway.hpp"
#include "cluster/broker_gateway.hpp"

using namespace std::chrono_literals;
using namespace wisp;
using namespace wisp::cluster;

namespace {

template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds patience = 5000ms) {
  const auto until = std::chrono::steady_clock::now() + patience;
  while (std::chrono::steady_clock::now() < until) {
    if (p()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return p();
}

schemas::row_batch_ptr batch_of(std::int64_t v) {
  schemas::relation rel{{{"n", schemas::data_type::int64, schemas::semantic_type::st_none, ""}}};
  auto b = schemas::make_empty_batch(rel);
  b.columns[0].push_int(v);
  return std::make_shared<const schemas::row_batch>(std::move(b));
}

broker_gateway_options broker_opts(const std::string& endpoint) {
  broker_gateway_options o;
  o.transport.endpoint = endpoint;
  o.registry.lost_after = 800ms;
  o.registry.forget_after = 2000ms;
  o.tick = 100ms;
  return o;
}

struct test_agent {
  std::string id;
  std::mutex mutex;
  std::vector<cluster_wire::plan_fragment> fragments;
  std::vector<std::string> tables{"t"};
  bool answer_tracepoints = true;  // false: requests go unanswered
  std::vector<cluster_wire::tracepoint_request> tracepoint_requests;
  agent_gateway gateway;

  test_agent(std::string agent_id, const std::string& broker) : id(std::move(agent_id)) {
    agent_gateway_options o;
    o.transport.broker_endpoint = broker;
    o.transport.batch_window = 4;
    o.heartbeat = 200ms;
    o.describe = [this] {
      cluster_wire::register_request r;
      r.agent_id = id;
      r.hostname = "host-" + id;
      std::lock_guard lock{mutex};
      for (const auto& t : tables) r.tables.push_back({t, {}});
      return r;
    };
    o.losses = [] { return std::vector<wire::loss_counter>{{"socket_tracer", "ring_lost", 3}}; };
    o.on_fragment = [this](cluster_wire::plan_fragment f) {
      std::lock_guard lock{mutex};
      fragments.push_back(std::move(f));
    };
    // Deploys when the (here opaque) mutation names this agent, else fails the way a tracepoint
    // manager does.
    o.on_tracepoint = [this](cluster_wire::tracepoint_request r) {
      bool answer = false;
      {
        std::lock_guard lock{mutex};
        tracepoint_requests.push_back(r);
        answer = answer_tracepoints;
      }
      if (!answer) return;
      cluster_wire::tracepoint_reply reply{r.request_id, {}, std::nullopt, {}};
      if (r.mutation.find(id) != std::string::npos) {
        reply.table = cluster_wire::table_info{"tp_" + id, {}};
        reply.tracepoints.push_back({{1, 2}, "tp", "RUNNING", "attached", {"tp_" + id}});
      } else {
        reply.error = "matches no running process";
      }
      gateway.send_reply(std::move(reply));
    };
    EXPECT_EQ(gateway.start(std::move(o)), "");
  }
  std::size_t fragment_count() {
    std::lock_guard lock{mutex};
    return fragments.size();
  }
};

struct inbox_log {
  std::mutex mutex;
  std::vector<std::int64_t> values;
  std::vector<std::uint32_t> ended, lost;
  query_inbox inbox() {
    return {[this](std::uint32_t, const std::string&, schemas::row_batch_ptr b) {
              std::lock_guard lock{mutex};
              values.push_back(b->columns[0].ints()[0]);
            },
            [this](std::uint32_t asid, const cluster_wire::end_of_stream& e) {
              std::lock_guard lock{mutex};
              EXPECT_EQ(e.batches, 20u);
              ended.push_back(asid);
            },
            [this](std::uint32_t asid) {
              std::lock_guard lock{mutex};
              lost.push_back(asid);
            }};
  }
  template <class F>
  auto with(F f) {
    std::lock_guard lock{mutex};
    return f(*this);
  }
};

TEST(gateway, agents_register_heartbeat_and_stream_a_query_under_credit) {
  broker_gateway broker;
  ASSERT_EQ(broker.start(broker_opts("tcp://127.0.0.1:*")), "");
  test_agent a{"a", broker.endpoint()}, b{"b", broker.endpoint()};
  ASSERT_TRUE(eventually([&] { return broker.agents().size() == 2 && a.gateway.stats().asid && b.gateway.stats().asid; }));
  const auto agents = broker.agents();
  EXPECT_EQ(agents[0].asid, 1u);
  EXPECT_EQ(agents[1].asid, 2u);
  EXPECT_NE(agents[0].info.agent_id, agents[1].info.agent_id);
  ASSERT_TRUE(eventually([&] { return broker.agents()[0].heartbeats >= 2; }));
  EXPECT_EQ(broker.agents()[0].losses.at(0).value, 3u);

  inbox_log log;
  broker.open_query(42, log.inbox());
  const auto asid_a = a.gateway.stats().asid;
  ASSERT_TRUE(broker.send_fragment(asid_a, {42, 0, "fragment bytes"}));
  EXPECT_FALSE(broker.send_fragment(99, {42, 0, "x"}));
  ASSERT_TRUE(eventually([&] { return a.fragment_count() == 1; }));
  EXPECT_EQ(a.fragments[0].plan, "fragment bytes");

  // 20 batches through a window of 4: all arrive, in order, then the end.
  const cluster_wire::stream_id s{42, 0, "s1"};
  for (int i = 0; i < 20; ++i) a.gateway.send_batch(s, batch_of(i));
  a.gateway.end_stream({s, 0, wire::status::ok, {}, {}});
  ASSERT_TRUE(eventually([&] { return log.with([](auto& l) { return !l.ended.empty(); }); }));
  log.with([&](auto& l) {
    EXPECT_EQ(l.values.size(), 20u);
    for (std::size_t i = 0; i < l.values.size(); ++i) EXPECT_EQ(l.values[i], static_cast<std::int64_t>(i));
    EXPECT_EQ(l.ended, std::vector<std::uint32_t>{asid_a});
    return 0;
  });
  EXPECT_EQ(broker.stats().transport.credit_violations, 0u);
  broker.close_query(42);
}

TEST(gateway, a_silent_agent_is_lost_for_open_queries_then_forgotten) {
  broker_gateway broker;
  ASSERT_EQ(broker.start(broker_opts("tcp://127.0.0.1:*")), "");
  auto a = std::make_unique<test_agent>("a", broker.endpoint());
  test_agent b{"b", broker.endpoint()};
  ASSERT_TRUE(eventually([&] { return broker.agents().size() == 2; }));
  inbox_log log;
  broker.open_query(7, log.inbox());
  const auto asid_a = a->gateway.stats().asid;
  a.reset();  // the agent dies
  ASSERT_TRUE(eventually([&] { return log.with([](auto& l) { return !l.lost.empty(); }); }));
  log.with([&](auto& l) { EXPECT_EQ(l.lost, std::vector<std::uint32_t>{asid_a}); return 0; });
  for (const auto& agent : broker.agents())
    EXPECT_EQ(agent.health, agent.asid == asid_a ? agent_health::lost : agent_health::healthy);
  ASSERT_TRUE(eventually([&] { return broker.agents().size() == 1; }));
  EXPECT_EQ(broker.agents()[0].info.agent_id, "b");
}

TEST(gateway, agents_register_again_with_their_asid_after_a_broker_restart) {
  auto broker = std::make_unique<broker_gateway>();
  ASSERT_EQ(broker->start(broker_opts("tcp://127.0.0.1:*")), "");
  const auto endpoint = broker->endpoint();
  test_agent a{"a", endpoint}, b{"b", endpoint};
  ASSERT_TRUE(eventually([&] { return broker->agents().size() == 2; }));
  const auto asid_b = b.gateway.stats().asid;
  broker.reset();
  broker = std::make_unique<broker_gateway>();
  ASSERT_EQ(broker->start(broker_opts(endpoint)), "");
  // Only b's heartbeats tell the new broker first if a is slower; either way both come back
  // with the ASIDs they held.
  ASSERT_TRUE(eventually([&] { return broker->agents().size() == 2; }, 8000ms));
  EXPECT_EQ(b.gateway.stats().asid, asid_b);
  for (const auto& agent : broker->agents())
    EXPECT_EQ(agent.asid, agent.info.agent_id == "b" ? asid_b : 3 - asid_b);
  EXPECT_GE(a.gateway.stats().registrations, 2u);
}

TEST(gateway, an_agent_whose_tables_change_registers_them_with_the_same_asid) {
  broker_gateway broker;
  ASSERT_EQ(broker.start(broker_opts("tcp://127.0.0.1:*")), "");
  test_agent a{"a", broker.endpoint()};
  ASSERT_TRUE(eventually([&] { return broker.agents().size() == 1; }));
  const auto asid = broker.agents()[0].asid;
  {
    std::lock_guard lock{a.mutex};
    a.tables.push_back("tracepoint_table");  // a tracepoint made a table
  }
  ASSERT_TRUE(eventually([&] { return broker.agents().at(0).info.tables.size() == 2; }));
  EXPECT_EQ(broker.agents()[0].info.tables[1].name, "tracepoint_table");
  EXPECT_EQ(broker.agents()[0].asid, asid);
}

struct outcome_log {
  std::mutex mutex;
  std::optional<std::vector<cluster_wire::tracepoint_outcome>> outcomes;
  tracepoint_done done() {
    return [this](std::vector<cluster_wire::tracepoint_outcome> o) {
      std::lock_guard lock{mutex};
      EXPECT_FALSE(outcomes) << "done called twice";
      outcomes = std::move(o);
    };
  }
  std::optional<std::vector<cluster_wire::tracepoint_outcome>> get() {
    std::lock_guard lock{mutex};
    return outcomes;
  }
};

TEST(gateway, a_tracepoint_request_is_answered_by_each_agent_and_its_table_is_known_at_once) {
  broker_gateway broker;
  ASSERT_EQ(broker.start(broker_opts("tcp://127.0.0.1:*")), "");
  test_agent a{"a", broker.endpoint()}, b{"b", broker.endpoint()};
  ASSERT_TRUE(eventually([&] { return broker.agents().size() == 2 && a.gateway.stats().asid && b.gateway.stats().asid; }));
  const auto asid_a = a.gateway.stats().asid, asid_b = b.gateway.stats().asid;

  outcome_log log;
  cluster_wire::tracepoint_request req{0, "deploy on a"};
  ASSERT_TRUE(broker.send_tracepoint(req, {asid_a, asid_b, 77}, log.done()));  // 77: no such agent
  ASSERT_TRUE(eventually([&] { return log.get().has_value(); }));
  auto outcomes = *log.get();
  ASSERT_EQ(outcomes.size(), 2u);
  for (const auto& o : outcomes) {
    EXPECT_EQ(o.hostname, o.asid == asid_a ? "host-a" : "host-b");
    EXPECT_EQ(o.error, o.asid == asid_a ? "" : "matches no running process");
  }
  {
    std::lock_guard lock{a.mutex};
    ASSERT_EQ(a.tracepoint_requests.size(), 1u);
    EXPECT_EQ(a.tracepoint_requests[0].mutation, "deploy on a");
    EXPECT_NE(a.tracepoint_requests[0].request_id, 0u);
  }
  // The reply's table is in the registry before the agent registers it again (its describe()
  // does not list it at all here), and so are its tracepoints.
  for (const auto& agent : broker.agents())
    if (agent.asid == asid_a) {
      ASSERT_EQ(agent.info.tables.size(), 2u);
      EXPECT_EQ(agent.info.tables[1].name, "tp_a");
      ASSERT_EQ(agent.tracepoints.size(), 1u);
      EXPECT_EQ(agent.tracepoints[0].state, "RUNNING");
    }
  EXPECT_FALSE(broker.send_tracepoint(req, {77}, log.done()));
}

TEST(gateway, an_agent_lost_before_it_answers_a_tracepoint_request_settles_it) {
  broker_gateway broker;
  ASSERT_EQ(broker.start(broker_opts("tcp://127.0.0.1:*")), "");
  auto a = std::make_unique<test_agent>("a", broker.endpoint());
  test_agent b{"b", broker.endpoint()};
  ASSERT_TRUE(eventually([&] { return broker.agents().size() == 2 && a->gateway.stats().asid && b.gateway.stats().asid; }));
  const auto asid_a = a->gateway.stats().asid, asid_b = b.gateway.stats().asid;
  {
    std::lock_guard lock{a->mutex};
    a->answer_tracepoints = false;
  }
  outcome_log log;
  ASSERT_TRUE(broker.send_tracepoint({0, "deploy on b"}, {asid_a, asid_b}, log.done()));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock{a->mutex};
    return !a->tracepoint_requests.empty();
  }));
  EXPECT_FALSE(log.get());  // b answered, a did not yet
  a.reset();                // a dies without answering
  ASSERT_TRUE(eventually([&] { return log.get().has_value(); }));
  const auto outcomes = *log.get();
  for (const auto& o : outcomes)
    EXPECT_EQ(o.error, o.asid == asid_a ? "the agent was lost before it answered" : "") << o.asid;
}

// A healthy agent whose answer never comes (lost on the way, or unreadable here) is given up on
// after `tracepoint_answer`; the others' outcomes stand.
TEST(gateway, a_healthy_agent_that_never_answers_a_tracepoint_request_is_given_up_on) {
  auto opts = broker_opts("tcp://127.0.0.1:*");
  opts.tracepoint_answer = 1000ms;
  broker_gateway broker;
  ASSERT_EQ(broker.start(opts), "");
  test_agent a{"a", broker.endpoint()}, b{"b", broker.endpoint()};
  ASSERT_TRUE(eventually([&] { return broker.agents().size() == 2 && a.gateway.stats().asid && b.gateway.stats().asid; }));
  const auto asid_a = a.gateway.stats().asid, asid_b = b.gateway.stats().asid;
  {
    std::lock_guard lock{a.mutex};
    a.answer_tracepoints = false;
  }
  outcome_log log;
  ASSERT_TRUE(broker.send_tracepoint({0, "deploy on b"}, {asid_a, asid_b}, log.done()));
  ASSERT_TRUE(eventually([&] { return log.get().has_value(); }));
  const auto outcomes = *log.get();
  ASSERT_EQ(outcomes.size(), 2u);
  for (const auto& o : outcomes)
    EXPECT_EQ(o.error, o.asid == asid_a ? "the agent did not answer within 1 s" : "") << o.asid;
  for (const auto& agent : broker.agents()) EXPECT_EQ(agent.health, agent_health::healthy);  // heartbeats went on
}

// Request ids do not start again with each broker: a reply an agent sends after the broker
// restarted, to a request of the old broker, does not answer the new broker's request.
TEST(gateway, a_reply_to_the_previous_brokers_request_does_not_answer_the_new_ones) {
  auto broker = std::make_unique<broker_gateway>();
  ASSERT_EQ(broker->start(broker_opts("tcp://127.0.0.1:*")), "");
  const auto endpoint = broker->endpoint();
  test_agent a{"a", endpoint};
  {
    std::lock_guard lock{a.mutex};
    a.answer_tracepoints = false;
  }
  ASSERT_TRUE(eventually([&] { return a.gateway.stats().asid != 0; }));
  outcome_log old_log;
  ASSERT_TRUE(broker->send_tracepoint({0, "old"}, {a.gateway.stats().asid}, old_log.done()));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock{a.mutex};
    return a.tracepoint_requests.size() == 1;
  }));
  broker.reset();
  broker = std::make_unique<broker_gateway>();
  ASSERT_EQ(broker->start(broker_opts(endpoint)), "");
  ASSERT_TRUE(eventually([&] { return broker->agents().size() == 1; }, 8000ms));
  outcome_log log;
  ASSERT_TRUE(broker->send_tracepoint({0, "new"}, {a.gateway.stats().asid}, log.done()));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock{a.mutex};
    return a.tracepoint_requests.size() == 2;
  }));
  std::uint64_t old_id = 0, new_id = 0;
  {
    std::lock_guard lock{a.mutex};
    old_id = a.tracepoint_requests[0].request_id;
    new_id = a.tracepoint_requests[1].request_id;
  }
  EXPECT_NE(old_id, new_id);
  a.gateway.send_reply({old_id, "the old request's outcome", std::nullopt, {}});
  a.gateway.send_reply({new_id, "the new request's outcome", std::nullopt, {}});
  ASSERT_TRUE(eventually([&] { return log.get().has_value(); }));
  ASSERT_EQ(log.get()->size(), 1u);
  EXPECT_EQ(log.get()->at(0).error, "the new request's outcome");
}

TEST(agent_registry, merges_the_agents_tracepoints_by_name) {
  registered_agent a, b;
  a.info.hostname = "n1";
  b.info.hostname = "n2";
  a.tracepoints = {{{1ull << 32, 1}, "tp", "FAILED", "matches no running process", {}},
                   {{1ull << 32, 2}, "old", "TERMINATED", "deleted", {"old_t"}}};
  b.tracepoints = {{{2ull << 32, 1}, "tp", "RUNNING", "attached to 2 process(es)", {"tp_t"}}};
  auto merged = cluster_tracepoints({a, b});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].name, "tp");
  EXPECT_EQ(merged[0].state, "RUNNING");
  EXPECT_EQ(merged[0].id, (schemas::uint128{2ull << 32, 1}));
  EXPECT_EQ(merged[0].message, "n1: matches no running process; n2: attached to 2 process(es)");
  EXPECT_EQ(merged[0].tables, std::vector<std::string>{"tp_t"});
  EXPECT_EQ(merged[1].state, "TERMINATED");
  EXPECT_EQ(merged[1].message, "n1: deleted");
}

TEST(agent_registry, hands_out_free_asids_and_refuses_spoofed_heartbeats) {
  agent_registry r;
  cluster_wire::register_request x;
  x.agent_id = "x";
  x.requested_asid = 5;
  EXPECT_EQ(r.on_register("p1", "", x, 0).asid, 5u);
  cluster_wire::register_request y;
  y.agent_id = "y";
  y.requested_asid = 5;  // taken: the lowest free one
  EXPECT_EQ(r.on_register("p2", "", y, 0).asid, 1u);
  EXPECT_TRUE(r.on_heartbeat("p1", 5, {}, 1));
  EXPECT_FALSE(r.on_heartbeat("p2", 5, {}, 1));  // y claiming x's ASID
  EXPECT_FALSE(r.is_peer_of("p2", 5));
  EXPECT_EQ(r.on_register("p3", "", x, 2).asid, 5u);  // x reconnects: same ASID, new connection
  EXPECT_TRUE(r.is_peer_of("p3", 5));
}

}  // namespace
