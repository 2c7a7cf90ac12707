#pragma once
// The gateway actor of each process (design §3): the actor that carries every message between
// Wisp processes. It owns its process's gateway (broker_gateway or agent_gateway: the ZeroMQ
// socket on its own I/O thread, which the CAF scheduler cannot poll) and turns actor messages
// into cluster messages and back:
//
// - broker: a query actor opens its query with its own handle and then receives the agents'
//   traffic as messages (stream_batch, stream_end, agent_lost, below); fragments go out through
//   send_fragment. The registry's view is read directly from the broker_gateway (thread-safe).
//   A pxtrace mutation goes to agents through send_tracepoint, answered when all agents did.
// - agent: the fragment runner receives fragments as run messages and tracepoint requests;
//   result sinks send their batches and ends of stream, the runner its tracepoint replies, to
//   the gateway actor.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/atoms.hpp"
#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"
#include "schemas/cluster_wire.hpp"

namespace wisp::cluster {

class broker_gateway;
class agent_gateway;

using open_query_atom = caf::atom_constant<caf::atom("openquery")>;
using close_query_atom = caf::atom_constant<caf::atom("closequery")>;
using send_fragment_atom = caf::atom_constant<caf::atom("sendfrag")>;
/// What an open query receives: (asid, stream, batch); (asid, stream, status, error), an empty
/// stream meaning all of the agent's; (asid) when the agent is lost.
using stream_batch_atom = caf::atom_constant<caf::atom("strbatch")>;
using stream_end_atom = caf::atom_constant<caf::atom("strend")>;
using agent_lost_atom = caf::atom_constant<caf::atom("agentlost")>;
/// A pxtrace mutation for agents (broker side), and its answers coming back from the gateway
/// thread (internal).
using send_tracepoint_atom = caf::atom_constant<caf::atom("sendtp")>;
using tracepoint_done_atom = caf::atom_constant<caf::atom("tpdone")>;

using broker_gateway_actor = caf::typed_actor<
    caf::reacts_to<open_query_atom, std::uint64_t, caf::actor>,
    caf::reacts_to<close_query_atom, std::uint64_t>,
    // False when the agent is not registered.
    caf::replies_to<send_fragment_atom, std::uint32_t, cluster_wire::plan_fragment>::with<bool>,
    // Each agent's outcome, once all answered or were lost; empty when none is registered.
    caf::replies_to<send_tracepoint_atom, cluster_wire::tracepoint_request, std::vector<std::uint32_t>>::with<
        std::vector<cluster_wire::tracepoint_outcome>>,
    caf::reacts_to<tracepoint_done_atom, std::uint64_t, std::vector<cluster_wire::tracepoint_outcome>>>;

using agent_gateway_actor = caf::typed_actor<
    caf::reacts_to<actors::batch_atom, cluster_wire::stream_id, schemas::row_batch_ptr>,
    caf::reacts_to<actors::eos_atom, cluster_wire::end_of_stream>,
    caf::reacts_to<tracepoint_done_atom, cluster_wire::tracepoint_reply>>;

broker_gateway_actor spawn_broker_gateway_actor(caf::actor_system& sys, std::shared_ptr<broker_gateway> gateway);
agent_gateway_actor spawn_agent_gateway_actor(caf::actor_system& sys, std::shared_ptr<agent_gateway> gateway);

}  // namespace wisp::cluster

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wisp::cluster_wire::plan_fragment)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wisp::cluster_wire::stream_id)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wisp::cluster_wire::end_of_stream)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wisp::cluster_wire::tracepoint_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wisp::cluster_wire::tracepoint_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<wisp::cluster_wire::tracepoint_outcome>)
