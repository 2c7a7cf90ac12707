#pragma once
// Protocol parser actors: each owns the conn_trackers of the connections routed to it (the
// socket tracer routes by the protocol the kernel inferred, then shards by conn_key), feeds them
// the raw events, turns stitched records into rows and pushes sealed batches to the protocol's
// table shard, at the latest every push period or when a batch reaches push_rows. One pool of
// parser actors per protocol; one implementation for all, bound to a protocol's tracker and row
// function.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/atoms.hpp"
#include "actors/protocols/common/socket_events.hpp"
#include "actors/tables/table_shard.hpp"
#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"
#include "schemas/wire.hpp"

namespace wisp::protocols {

/// One polling round's events for one parser actor, in the order the kernel produced them
/// (opens, then data, then closes).
struct socket_event_batch {
  std::vector<conn_open> opens;
  std::vector<data_chunk> data;
  std::vector<conn_close> closes;
  bool empty() const { return opens.empty() && data.empty() && closes.empty(); }
};

inline constexpr std::size_t default_push_rows = 1024;  // Pixie's DataTable target capacity
inline constexpr std::chrono::milliseconds default_push_period{1000};

struct parser_options {
  std::size_t push_rows = default_push_rows;
  std::chrono::milliseconds push_period = default_push_period;
  std::size_t max_body_bytes = 512;
  /// Addresses that belong to this node ("inside the cluster" in standalone mode): client-side
  /// HTTP records are kept only for remotes outside it, as Pixie does.
  std::vector<std::string> local_addresses;
};

using parser_actor = caf::typed_actor<
    caf::reacts_to<actors::events_atom, socket_event_batch>,
    caf::reacts_to<actors::flush_atom>,
    // Counters of data this parser dropped (by reason), reported with query results.
    caf::replies_to<actors::stats_atom>::with<std::vector<wire::loss_counter>>>;

/// A protocol Wisp parses: its kernel protocol number, its table, and whether only the server
/// side of a connection is recorded (plus the client side when the remote is not on this host).
struct parsed_protocol {
  std::uint32_t protocol;  // enum wisp_protocol
  std::string_view name;   // "http", ...
  std::string_view table;  // "http_events", ...
  bool server_side_only;
};

/// Every protocol a parser actor exists for.
const std::vector<parsed_protocol>& parsed_protocols();

/// Spawns a parser actor for `protocol` (one of parsed_protocols()) that writes to `table`.
parser_actor spawn_parser(caf::actor_system& sys, std::uint32_t protocol,
                          tables::table_shard_actor table, parser_options opts);

}  // namespace wisp::protocols

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wisp::protocols::socket_event_batch)
