#include "actors/protocols/parser_actor.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "actors/protocols/cql/protocol.hpp"
#include "actors/protocols/cql/row.hpp"
#include "actors/protocols/dns/protocol.hpp"
#include "actors/protocols/dns/row.hpp"
#include "actors/protocols/http/protocol.hpp"
#include "actors/protocols/http/row.hpp"
#include "actors/protocols/kafka/protocol.hpp"
#include "actors/protocols/kafka/row.hpp"
#include "actors/protocols/mysql/protocol.hpp"
#include "actors/protocols/mysql/row.hpp"
#include "actors/protocols/nats/protocol.hpp"
#include "actors/protocols/nats/row.hpp"
#include "actors/protocols/pgsql/protocol.hpp"
#include "actors/protocols/pgsql/row.hpp"
#include "actors/protocols/redis/protocol.hpp"
#include "actors/protocols/redis/row.hpp"
#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "schemas/tables.hpp"
#include "schemas/types.hpp"

namespace wisp::protocols {

namespace {

/// Named loss/health counters, summed over trackers (live and finished).
using counter_map = std::map<std::string, std::uint64_t>;

void add_stream(counter_map& m, const stream_stats& s) {
  m["gaps"] += s.gaps;
  m["gap_bytes"] += s.gap_bytes;
  m["bytes_dropped_at_gap"] += s.bytes_dropped_at_gap;
  m["overflow_bytes"] += s.overflow_bytes;
}

/// Only counters of dropped or unusable data: these are what query results report as losses.
/// A connection the role policy does not record (the client side of in-cluster traffic, which the
/// server side records) is deduplication, not loss, and is left out.
template <class Tracker>
void add_tracker(counter_map& m, const Tracker& t) {
  const auto& s = t.stats();
  m["parse_errors"] += s.parse_errors;
  m["invalid_bytes"] += s.invalid_bytes;
  m["unparsed_bytes_at_close"] += s.unparsed_bytes_at_close;
  m["bytes_dropped_unknown_role"] += s.bytes_dropped_unknown_role;
  if (t.why_disabled() != disable_reason::role_not_traced) {
    m["bytes_dropped_disabled"] += s.bytes_dropped_disabled;
    m["frames_dropped_disabled"] += s.frames_dropped_disabled;
  }
  m["unmatched_expired"] += s.unmatched_expired;
  m["unmatched_size_dropped"] += s.unmatched_size_dropped;
  m["unmatched_at_close"] += s.unmatched_at_close;
  m["orphan_responses"] += s.stitch.orphan_responses;
  m["stitch_errors"] += s.stitch.errors;
  m["stitch_state_dropped"] += s.stitch.state_dropped;
  m["unconfirmed_dropped"] += s.stitch.unconfirmed_dropped;
  m["frames_oversize"] += s.frames_oversize;
  m["oversize_bytes"] += s.oversize_bytes;
  add_stream(m, t.stream(direction::ingress).stats());
  add_stream(m, t.stream(direction::egress).stats());
}

// A protocol's tracker and record, its parsed_protocol entry, and how a record becomes a row.
// The protocols whose rows take no options share one shape.
struct http_binding {
  using tracker = http::tracker;
  using record = http::record;
  static inline const char* actor_name = "http_parser";
  static constexpr parsed_protocol info{WISP_PROTO_HTTP, "http", "http_events", true};
  static void append(schemas::row_batch& b, const conn_meta& m, const record& r,
                     const parser_options& o) {
    http::append_row(b, m, r, http::row_options{o.max_body_bytes});
  }
};

#define WISP_PARSER_BINDING(NS, PROTOCOL, TABLE, SERVER_SIDE_ONLY)                             \
  struct NS##_binding {                                                                       \
    using tracker = NS::tracker;                                                              \
    using record = NS::record;                                                                \
    static inline const char* actor_name = #NS "_parser";                                     \
    static constexpr parsed_protocol info{PROTOCOL, #NS, TABLE, SERVER_SIDE_ONLY};            \
    static void append(schemas::row_batch& b, const conn_meta& m, const record& r,            \
                       const parser_options&) {                                               \
      NS::append_row(b, m, r);                                                                \
    }                                                                                         \
  }

// Pixie records MySQL and DNS on both sides, the others on the server side (facts §4.3).
WISP_PARSER_BINDING(cql, WISP_PROTO_CQL, "cql_events", true);
WISP_PARSER_BINDING(pgsql, WISP_PROTO_PGSQL, "pgsql_events", true);
WISP_PARSER_BINDING(mysql, WISP_PROTO_MYSQL, "mysql_events", false);
WISP_PARSER_BINDING(kafka, WISP_PROTO_KAFKA, "kafka_events.beta", true);
WISP_PARSER_BINDING(dns, WISP_PROTO_DNS, "dns_events", false);
WISP_PARSER_BINDING(redis, WISP_PROTO_REDIS, "redis_events", true);
WISP_PARSER_BINDING(nats, WISP_PROTO_NATS, "nats_events.beta", true);
#undef WISP_PARSER_BINDING

template <class Binding>
struct parser_state {
  static inline const char* name = Binding::actor_name;
  using tracker = typename Binding::tracker;

  parser_options opts;
  tables::table_shard_actor table;
  schemas::relation rel;
  std::unordered_map<conn_key, tracker, conn_key_hash> trackers;
  std::vector<typename Binding::record> records;  // reused between rounds
  schemas::row_batch pending;
  counter_map finished_totals;  // counters of trackers already destroyed
  std::uint64_t data_without_open = 0;

  bool traced(const conn_meta& meta) const {
    if (meta.role == schemas::trace_role::server) return true;
    if (meta.role != schemas::trace_role::client) return false;
    if (!Binding::info.server_side_only) return true;
    const auto& local = opts.local_addresses;
    return std::find(local.begin(), local.end(), meta.remote.addr) == local.end();
  }

  tracker& tracker_for(const conn_key& key, const conn_meta& meta) {
    auto it = trackers.find(key);
    if (it != trackers.end()) return it->second;
    role_policy policy = [this](const conn_meta& m) { return traced(m); };
    return trackers.try_emplace(key, key, meta, std::move(policy)).first->second;
  }

  void apply(socket_event_batch& ev) {
    for (const auto& o : ev.opens) {
      auto it = trackers.find(o.key);
      if (it == trackers.end())
        tracker_for(o.key, o.meta);
      else
        it->second.on_open(o);
    }
    for (const auto& d : ev.data) {
      if (!trackers.count(d.key)) ++data_without_open;  // its open event was lost
      tracker_for(d.key, conn_meta{}).add(d);
    }
    for (const auto& c : ev.closes) {
      auto it = trackers.find(c.key);
      if (it != trackers.end()) it->second.on_close(c);
    }
  }

  /// Runs every tracker once, turns records into rows, retires finished trackers.
  void process() {
    const auto now = schemas::wall_clock_ns();
    for (auto it = trackers.begin(); it != trackers.end();) {
      records.clear();
      it->second.process(now, records);
      for (const auto& r : records) Binding::append(pending, it->second.meta(), r, opts);
      if (it->second.finished()) {
        add_tracker(finished_totals, it->second);
        it = trackers.erase(it);
      } else {
        ++it;
      }
    }
  }

  void push() {
    if (pending.num_rows() == 0) return;
    auto sealed = std::make_shared<const schemas::row_batch>(std::move(pending));
    pending = schemas::make_empty_batch(rel);
    caf::anon_send(table, actors::append_atom::value, std::move(sealed));
  }

  std::vector<wire::loss_counter> counters() const {
    counter_map m = finished_totals;
    for (const auto& [k, t] : trackers) add_tracker(m, t);
    m["data_without_open"] += data_without_open;
    std::vector<wire::loss_counter> out;
    const std::string stage = std::string{Binding::info.name} + " parser";
    for (const auto& [name, v] : m) out.push_back({stage, name, v});
    return out;
  }
};

template <class Binding>
parser_actor::behavior_type parser(
    typename parser_actor::template stateful_pointer<parser_state<Binding>> self,
    tables::table_shard_actor table, parser_options opts) {
  auto& st = self->state;
  st.table = std::move(table);
  st.opts = std::move(opts);
  st.rel = schemas::find_table(Binding::info.table)->rel;
  st.pending = schemas::make_empty_batch(st.rel);
  self->delayed_send(self, st.opts.push_period, actors::flush_atom::value);
  return {
      [self](actors::events_atom, socket_event_batch& ev) {
        auto& s = self->state;
        s.apply(ev);
        s.process();
        if (s.pending.num_rows() >= s.opts.push_rows) s.push();
      },
      [self](actors::flush_atom) {
        auto& s = self->state;
        s.process();  // expiry and close grace rounds advance even without traffic
        s.push();
        self->delayed_send(self, s.opts.push_period, actors::flush_atom::value);
      },
      [self](actors::stats_atom) { return self->state.counters(); },
  };
}

// Every binding, in Pixie's inference order.
template <class... Bindings>
struct binding_list {
  static std::vector<parsed_protocol> infos() { return {Bindings::info...}; }
  static parser_actor spawn(caf::actor_system& sys, std::uint32_t protocol,
                            const tables::table_shard_actor& table, const parser_options& opts) {
    parser_actor out;
    ((protocol == Bindings::info.protocol ? (void)(out = sys.spawn(parser<Bindings>, table, opts))
                                          : void()),
     ...);
    return out;
  }
};
using bindings = binding_list<http_binding, cql_binding, pgsql_binding, mysql_binding,
                              kafka_binding, dns_binding, redis_binding, nats_binding>;

}  // namespace

const std::vector<parsed_protocol>& parsed_protocols() {
  static const std::vector<parsed_protocol> all = bindings::infos();
  return all;
}

parser_actor spawn_parser(caf::actor_system& sys, std::uint32_t protocol,
                          tables::table_shard_actor table, parser_options opts) {
  return bindings::spawn(sys, protocol, table, opts);
}

}  // namespace wisp::protocols
