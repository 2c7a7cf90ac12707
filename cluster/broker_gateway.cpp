#include "cluster/broker_gateway.hpp"

#include "schemas/types.hpp"

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace wisp::cluster {

struct broker_gateway::impl {
  broker_gateway_options opts;
  broker_transport transport;
  std::thread thread;
  std::atomic<bool> stopping{false};

  mutable std::mutex mutex;  // guards everything below
  agent_registry registry;
  std::map<std::uint64_t, query_inbox> queries;
  std::deque<std::pair<std::uint32_t, cluster_wire::broker_payload>> outbox;
  gateway_stats counters;

  /// A tracepoint request waiting for agents' answers.
  struct pending_tracepoint {
    std::map<std::uint32_t, tracepoint_outcome> outcomes;  // by ASID; `waiting` ones not final
    std::set<std::uint32_t> waiting;
    tracepoint_done done;
    std::chrono::steady_clock::time_point deadline;  // the agents still waiting then are given up
  };
  std::map<std::uint64_t, pending_tracepoint> tracepoint_requests;
  // Ids start at the wall clock, so that a reply an agent still holds from before a broker
  // restart never matches one of this broker's requests.
  std::uint64_t next_request_id = static_cast<std::uint64_t>(schemas::wall_clock_ns());
  /// A finished request's callback and outcomes, called outside the lock.
  using completion = std::pair<tracepoint_done, std::vector<tracepoint_outcome>>;

  /// Records an agent's outcome; the completion to call (outside the lock) when it was the last.
  std::optional<completion> settle(std::uint64_t request, std::uint32_t asid, std::string error) {
    auto it = tracepoint_requests.find(request);
    if (it == tracepoint_requests.end() || !it->second.waiting.erase(asid)) return std::nullopt;
    it->second.outcomes[asid].error = std::move(error);
    if (!it->second.waiting.empty()) return std::nullopt;
    std::vector<tracepoint_outcome> all;
    for (auto& [a, o] : it->second.outcomes) all.push_back(std::move(o));
    auto done = std::move(it->second.done);
    tracepoint_requests.erase(it);
    return std::pair{std::move(done), std::move(all)};
  }

  void run() {
    auto next_tick = std::chrono::steady_clock::now();
    while (!stopping.load()) {
      flush_outbox();
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_tick) {
        tick();
        next_tick = now + opts.tick;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - now);
      if (auto m = transport.receive(std::max(left, std::chrono::milliseconds{1}))) handle(*m);
      std::lock_guard lock{mutex};
      counters.transport = transport.stats();  // a copy other threads may read
    }
  }

  void flush_outbox() {
    std::deque<std::pair<std::uint32_t, cluster_wire::broker_payload>> out;
    std::vector<std::string> peers;
    {
      std::lock_guard lock{mutex};
      out.swap(outbox);
      for (const auto& [asid, f] : out) {
        const auto* a = registry.find(asid);
        peers.push_back(a ? a->peer : std::string{});
      }
    }
    std::size_t i = 0;
    for (auto& [asid, payload] : out) {
      const auto& peer = peers[i++];
      const auto* request = std::get_if<cluster_wire::tracepoint_request>(&payload);
      const auto request_id = request ? request->request_id : 0;
      if (peer.empty() || !transport.send(peer, cluster_wire::broker_message{std::move(payload)})) {
        std::optional<completion> finished;
        {
          std::lock_guard lock{mutex};
          ++counters.fragments_unsent;
          if (request_id != 0) finished = settle(request_id, asid, "the request could not be sent to it");
        }
        if (finished) finished->first(std::move(finished->second));
      }
    }
  }

  void tick() {
    std::vector<std::uint32_t> lost;
    std::vector<query_inbox> inboxes;
    std::vector<std::string> forgotten;
    std::vector<completion> finished;
    {
      std::lock_guard lock{mutex};
      auto t = registry.tick(schemas::wall_clock_ns());
      lost = std::move(t.lost);
      for (auto& [asid, peer] : t.forgotten) forgotten.push_back(peer);
      // An agent forgotten without being seen lost first (a long stall) is lost for queries too.
      for (auto& [asid, peer] : t.forgotten) lost.push_back(asid);
      if (!lost.empty())
        for (const auto& [id, inbox] : queries) inboxes.push_back(inbox);
      for (auto asid : lost) {
        std::vector<std::uint64_t> ids;
        for (const auto& [id, p] : tracepoint_requests) ids.push_back(id);
        for (auto id : ids)
          if (auto f = settle(id, asid, "the agent was lost before it answered")) finished.push_back(std::move(*f));
      }
      settle_overdue(std::chrono::steady_clock::now(), finished);
    }
    for (auto& [done, outcomes] : finished) done(std::move(outcomes));
    for (const auto& peer : forgotten) transport.forget_peer(peer);
    for (const auto& inbox : inboxes)
      for (auto asid : lost)
        if (inbox.on_agent_lost) inbox.on_agent_lost(asid);
  }

  /// Gives up on the agents that have not answered a tracepoint request by its deadline (a
  /// reply lost on the way, or one this broker could not read): the others' outcomes stand.
  void settle_overdue(std::chrono::steady_clock::time_point now, std::vector<completion>& finished) {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> overdue;
    for (const auto& [id, p] : tracepoint_requests)
      if (now >= p.deadline)
        for (auto asid : p.waiting) overdue.emplace_back(id, asid);
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(opts.tracepoint_answer).count();
    for (const auto& [id, asid] : overdue)
      if (auto f = settle(id, asid, "the agent did not answer within " + std::to_string(secs) + " s"))
        finished.push_back(std::move(*f));
  }

  // The inbox of a stream's query, or none (counted).
  std::optional<query_inbox> inbox_of(const inbound_message& in, std::uint64_t query_id) {
    std::lock_guard lock{mutex};
    if (!registry.is_peer_of(in.peer, in.message.asid)) {
      ++counters.foreign_asid;
      return std::nullopt;
    }
    auto it = queries.find(query_id);
    if (it == queries.end()) {
      ++counters.unexpected;
      return std::nullopt;
    }
    return it->second;
  }

  void handle(const inbound_message& in) {
    const auto asid = in.message.asid;
    if (const auto* r = std::get_if<cluster_wire::register_request>(&in.message.payload)) {
      cluster_wire::register_reply reply;
      {
        std::lock_guard lock{mutex};
        reply = registry.on_register(in.peer, in.peer_key, *r, schemas::wall_clock_ns());
      }
      (void)transport.send(in.peer, cluster_wire::broker_message{reply});
    } else if (const auto* h = std::get_if<cluster_wire::heartbeat>(&in.message.payload)) {
      bool known = false;
      {
        std::lock_guard lock{mutex};
        known = registry.on_heartbeat(in.peer, asid, *h, schemas::wall_clock_ns());
      }
      if (!known)
        (void)transport.send(in.peer, cluster_wire::broker_message{cluster_wire::register_reply{
                                          0, {}, "this broker does not know ASID " + std::to_string(asid) +
                                                     ": register again"}});
    } else if (const auto* b = std::get_if<cluster_wire::batch_message>(&in.message.payload)) {
      // The credit goes back whatever happens to the batch, so no agent waits on a dead query.
      (void)transport.send(in.peer, cluster_wire::broker_message{cluster_wire::credit{b->stream, b->sequence + 1}});
      if (auto inbox = inbox_of(in, b->stream.query_id))
        inbox->on_batch(asid, b->stream.sink, std::make_shared<const schemas::row_batch>(b->batch));
    } else if (const auto* e = std::get_if<cluster_wire::end_of_stream>(&in.message.payload)) {
      if (auto inbox = inbox_of(in, e->stream.query_id)) inbox->on_end(asid, *e);
    } else if (const auto* t = std::get_if<cluster_wire::tracepoint_reply>(&in.message.payload)) {
      std::optional<completion> finished;
      {
        std::lock_guard lock{mutex};
        if (!registry.on_tracepoint_reply(in.peer, asid, *t)) {
          ++counters.foreign_asid;
          return;
        }
        finished = settle(t->request_id, asid, t->error);
      }
      if (finished) finished->first(std::move(finished->second));
    }
  }
};

broker_gateway::broker_gateway() : impl_(std::make_unique<impl>()) {}

broker_gateway::~broker_gateway() {
  impl_->stopping = true;
  impl_->transport.wake();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string broker_gateway::start(broker_gateway_options opts) {
  impl_->opts = std::move(opts);
  impl_->registry = agent_registry{impl_->opts.registry};
  if (auto err = impl_->transport.start(impl_->opts.transport); !err.empty()) return err;
  impl_->thread = std::thread{[this] { impl_->run(); }};
  return {};
}

std::string broker_gateway::endpoint() const { return impl_->transport.endpoint(); }

std::vector<registered_agent> broker_gateway::agents() const {
  std::lock_guard lock{impl_->mutex};
  return impl_->registry.agents();
}

gateway_stats broker_gateway::stats() const {
  std::lock_guard lock{impl_->mutex};
  auto s = impl_->counters;
  s.refused_clients = impl_->transport.refused();
  return s;
}

void broker_gateway::open_query(std::uint64_t query_id, query_inbox inbox) {
  std::lock_guard lock{impl_->mutex};
  impl_->queries[query_id] = std::move(inbox);
}

void broker_gateway::close_query(std::uint64_t query_id) {
  std::lock_guard lock{impl_->mutex};
  impl_->queries.erase(query_id);
}

bool broker_gateway::send_fragment(std::uint32_t asid, cluster_wire::plan_fragment fragment) {
  {
    std::lock_guard lock{impl_->mutex};
    if (!impl_->registry.find(asid)) return false;
    impl_->outbox.emplace_back(asid, std::move(fragment));
  }
  impl_->transport.wake();
  return true;
}

bool broker_gateway::send_tracepoint(cluster_wire::tracepoint_request request, const std::vector<std::uint32_t>& asids,
                                     tracepoint_done done) {
  {
    std::lock_guard lock{impl_->mutex};
    impl::pending_tracepoint pending;
    for (auto asid : asids)
      if (const auto* a = impl_->registry.find(asid); a && a->health == agent_health::healthy) {
        pending.waiting.insert(asid);
        pending.outcomes[asid] = {asid, a->info.hostname, {}};
      }
    if (pending.waiting.empty()) return false;
    pending.deadline = std::chrono::steady_clock::now() + impl_->opts.tracepoint_answer;
    request.request_id = impl_->next_request_id++;
    for (auto asid : pending.waiting) impl_->outbox.emplace_back(asid, request);
    pending.done = std::move(done);
    impl_->tracepoint_requests.emplace(request.request_id, std::move(pending));
  }
  impl_->transport.wake();
  return true;
}

}  // namespace wisp::cluster
