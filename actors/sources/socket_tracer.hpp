#pragma once
// The socket tracer actor: owns the BPF socket tracer (bpf/socket_tracer_loader), polls its ring
// buffers every poll period without blocking, completes what the kernel could not know (the
// role of connections opened before the agent started, from the socket table), and routes each
// connection's events to the parser pool of the protocol the kernel inferred for it, and there
// to one parser actor (sharded by conn_key so a connection always lands on the same parser).
// An open event waits in the tracer until the connection's first data says its protocol; a
// connection that never carries data of a parsed protocol never reaches a parser. Every
// connection counts in conn_stats, which the tracer aggregates and emits itself.

#include <chrono>
#include <map>
#include <memory>
#include <vector>

#include "actors/atoms.hpp"
#include "actors/protocols/parser_actor.hpp"
#include "actors/sources/conn_stats.hpp"
#include "actors/tables/table_shard.hpp"
#include "bpf/socket_tracer_loader.hpp"
#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

namespace wisp::sources {

inline constexpr std::chrono::milliseconds default_poll_period{100};

using socket_tracer_actor = caf::typed_actor<
    caf::reacts_to<actors::poll_atom>,
    // Counters of data lost in the kernel (summed and per CPU) and while decoding, for query
    // results.
    caf::replies_to<actors::stats_atom>::with<std::vector<wire::loss_counter>>>;

/// Parser pools by protocol (enum wisp_protocol); no pool may be empty.
using parser_pools = std::map<std::uint32_t, std::vector<protocols::parser_actor>>;

/// Opens waiting for their connection's first data, at most: beyond, the oldest is dropped and
/// counted (a connection that stays silent that long is rarely one a parser wants).
inline constexpr std::size_t max_waiting_opens = 65536;

struct socket_tracer_config {
  parser_pools parsers;
  /// Every conn_stats_period the changed conn_stats rows (see conn_stats.hpp) go here, unless
  /// it is null.
  tables::table_shard_actor conn_stats_table;
  std::chrono::milliseconds poll_period = default_poll_period;
  std::chrono::milliseconds conn_stats_period{conn_stats_period_ns / 1'000'000};
};

/// Takes ownership of a started loader.
socket_tracer_actor spawn_socket_tracer(caf::actor_system& sys,
                                        std::unique_ptr<bpf::socket_tracer_loader> loader,
                                        socket_tracer_config config);

}  // namespace wisp::sources
