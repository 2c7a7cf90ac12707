#include "cluster/agent_gateway.hpp"

#include "schemas/node_asid.hpp"
#include "schemas/types.hpp"

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace wisp::cluster {

namespace {

using clock = std::chrono::steady_clock;
constexpr std::chrono::seconds register_retry{1};

/// One stream's output waiting for credit.
struct pending_stream {
  std::deque<schemas::row_batch_ptr> batches;
  std::optional<cluster_wire::end_of_stream> end;  // sent after the batches
  std::uint64_t sent = 0;
  std::size_t cut = 0;  // batches not queued (the query's queue was full)
  clock::time_point progress = clock::now();
};

}  // namespace

struct agent_gateway::impl {
  agent_gateway_options opts;
  agent_transport transport;
  std::thread thread;
  std::atomic<bool> stopping{false};

  // Gateway thread only.
  std::uint32_t asid = 0;
  std::uint32_t last_asid = 0;  // asked for again after a broker restart
  clock::time_point next_register = clock::now();
  clock::time_point next_heartbeat = clock::now();
  std::uint64_t heartbeat_seq = 0;
  std::vector<std::string> registered_tables;  // names, as last registered
  std::uint64_t failures_seen = 0, refusals_seen = 0;  // handshake counters already reported
  clock::time_point next_report = clock::now();

  mutable std::mutex mutex;  // guards everything below
  std::map<cluster_wire::stream_id, pending_stream> streams;
  std::map<std::uint64_t, std::size_t> queued_bytes;  // by query
  std::deque<cluster_wire::tracepoint_reply> replies;
  agent_gateway_stats counters;

  void run() {
    while (!stopping.load()) {
      const auto now = clock::now();
      if (asid == 0 && now >= next_register) send_register();
      if (asid != 0 && now >= next_heartbeat) send_heartbeat();
      flush_streams();
      const auto wake_at = asid == 0 ? next_register : next_heartbeat;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(wake_at - clock::now());
      if (auto m = transport.receive(std::clamp(left, std::chrono::milliseconds{1}, std::chrono::milliseconds{1000})))
        handle(*m);
      report_handshakes();
      std::lock_guard lock{mutex};
      counters.transport = transport.stats();
      counters.asid = asid;
    }
  }

  // The operator's problems, said plainly (at most once a minute): the broker refuses this
  // agent's key, or the handshake fails for another reason (keys on one side only, wrong keys).
  void report_handshakes() {
    const auto& t = transport.stats();
    if (t.handshake_failures == failures_seen || !opts.on_problem || clock::now() < next_report) return;
    const bool refused = t.handshake_refused > refusals_seen;
    const auto count = t.handshake_failures - failures_seen;
    const auto n = std::to_string(count) + (count == 1 ? " handshake" : " handshakes");
    failures_seen = t.handshake_failures;
    refusals_seen = t.handshake_refused;
    next_report = clock::now() + std::chrono::minutes{1};
    const auto& broker = opts.transport.broker_endpoint;
    opts.on_problem(refused ? "the broker at " + broker + " refused this agent's key (" + n +
                                  "): add the agent's NAME.pub to the broker's --allowed_keys"
                            : "the handshake with the broker at " + broker + " failed (" + n +
                                  "): do both sides use CURVE keys, and is --broker_key the broker's public key?");
  }

  static std::vector<std::string> table_names(const cluster_wire::register_request& r) {
    std::vector<std::string> out;
    for (const auto& t : r.tables) out.push_back(t.name);
    return out;
  }

  void send_register() { send_register(opts.describe ? opts.describe() : cluster_wire::register_request{}); }

  void send_register(cluster_wire::register_request r) {
    r.requested_asid = last_asid;
    registered_tables = table_names(r);
    (void)transport.send({0, std::move(r)});
    next_register = clock::now() + register_retry;
    std::lock_guard lock{mutex};
    ++counters.registrations;
  }

  void send_heartbeat() {
    // New tables (a tracepoint made one): register again, same agent, same ASID, so the
    // broker's planner sees them.
    if (opts.describe) {
      auto r = opts.describe();
      if (table_names(r) != registered_tables) send_register(std::move(r));
    }
    cluster_wire::heartbeat h{schemas::wall_clock_ns(), ++heartbeat_seq,
                              opts.losses ? opts.losses() : std::vector<wire::loss_counter>{},
                              opts.tracepoints ? opts.tracepoints() : std::vector<cluster_wire::tracepoint_info>{}};
    (void)transport.send({asid, std::move(h)});
    next_heartbeat = clock::now() + opts.heartbeat;
    std::lock_guard lock{mutex};
    ++counters.heartbeats;
  }

  void handle(const cluster_wire::broker_message& m) {
    if (const auto* r = std::get_if<cluster_wire::register_reply>(&m.payload)) {
      asid = r->asid;  // 0: refused, or the broker forgot us: register again
      if (asid != 0) {
        last_asid = asid;
        schemas::set_node_asid(asid);  // the high half of this node's UPIDs from now on
        next_heartbeat = clock::now();
      } else {
        next_register = clock::now() + register_retry;
      }
    } else if (const auto* f = std::get_if<cluster_wire::plan_fragment>(&m.payload)) {
      if (opts.on_fragment) opts.on_fragment(*f);
    } else if (const auto* t = std::get_if<cluster_wire::tracepoint_request>(&m.payload)) {
      if (opts.on_tracepoint) opts.on_tracepoint(*t);
    }
    // Credits were applied to the window by the transport.
  }

  // Sends what the credit windows allow, ends finished streams, drops stalled ones.
  void flush_streams() {
    std::lock_guard lock{mutex};
    if (asid == 0) return;  // sent once registered (again)
    for (auto& r : replies) (void)transport.send({asid, std::move(r)});  // a failure is counted there
    replies.clear();
    const auto now = clock::now();
    for (auto it = streams.begin(); it != streams.end();) {
      auto& [id, s] = *it;
      while (!s.batches.empty() && transport.window().can_send(id)) {
        const auto& b = s.batches.front();
        const auto r = transport.send({asid, cluster_wire::batch_message{id, s.sent, *b}});
        if (r != send_result::sent) break;
        queued_bytes[id.query_id] -= b->byte_size();
        s.batches.pop_front();
        ++s.sent;
        s.progress = now;
      }
      if (s.batches.empty() && s.end) {
        auto end = *s.end;
        end.batches = s.sent;
        if (s.cut > 0 && end.error.empty()) {
          end.code = wire::status::exec_error;
          end.error = std::to_string(s.cut) + " batches not sent: the query's output on this agent exceeded " +
                      std::to_string(opts.max_queued_bytes >> 20) + " MiB waiting for the broker";
        }
        if (transport.send({asid, end}) == send_result::sent) {
          it = streams.erase(it);
          continue;
        }
      }
      if (now - s.progress > opts.stall_timeout) {  // the broker stopped taking this stream
        for (const auto& b : s.batches) queued_bytes[id.query_id] -= b->byte_size();
        ++counters.streams_dropped;
        it = streams.erase(it);
        continue;
      }
      ++it;
    }
    std::erase_if(queued_bytes, [](const auto& q) { return q.second == 0; });
  }
};

agent_gateway::agent_gateway() : impl_(std::make_unique<impl>()) {}

agent_gateway::~agent_gateway() {
  impl_->stopping = true;
  impl_->transport.wake();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string agent_gateway::start(agent_gateway_options opts) {
  impl_->opts = std::move(opts);
  if (auto err = impl_->transport.start(impl_->opts.transport); !err.empty()) return err;
  impl_->thread = std::thread{[this] { impl_->run(); }};
  return {};
}

void agent_gateway::send_batch(const cluster_wire::stream_id& stream, schemas::row_batch_ptr batch) {
  {
    std::lock_guard lock{impl_->mutex};
    auto& s = impl_->streams[stream];
    auto& bytes = impl_->queued_bytes[stream.query_id];
    if (bytes + batch->byte_size() > impl_->opts.max_queued_bytes) {
      ++s.cut;
      ++impl_->counters.batches_cut;
      return;
    }
    bytes += batch->byte_size();
    s.batches.push_back(std::move(batch));
  }
  impl_->transport.wake();
}

void agent_gateway::end_stream(cluster_wire::end_of_stream end) {
  {
    std::lock_guard lock{impl_->mutex};
    auto& s = impl_->streams[end.stream];
    s.end = std::move(end);
  }
  impl_->transport.wake();
}

void agent_gateway::send_reply(cluster_wire::tracepoint_reply reply) {
  {
    std::lock_guard lock{impl_->mutex};
    impl_->replies.push_back(std::move(reply));
  }
  impl_->transport.wake();
}

agent_gateway_stats agent_gateway::stats() const {
  std::lock_guard lock{impl_->mutex};
  return impl_->counters;
}

}  // namespace wisp::cluster
