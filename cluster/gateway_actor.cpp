#include "cluster/gateway_actor.hpp"

#include "caf/actor_system.hpp"
#include "caf/send.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "cluster/agent_gateway.hpp"
#include "cluster/broker_gateway.hpp"

namespace wisp::cluster {

namespace {

broker_gateway_actor::behavior_type broker_side(broker_gateway_actor::pointer, std::shared_ptr<broker_gateway> gw) {
  return {
      [gw](open_query_atom, std::uint64_t id, const caf::actor& query) {
        query_inbox inbox;
        inbox.on_batch = [query](std::uint32_t asid, const std::string& stream, schemas::row_batch_ptr b) {
          caf::anon_send(query, stream_batch_atom::value, asid, stream, std::move(b));
        };
        inbox.on_end = [query](std::uint32_t asid, const cluster_wire::end_of_stream& e) {
          caf::anon_send(query, stream_end_atom::value, asid, e.stream.sink, static_cast<std::uint8_t>(e.code), e.error);
        };
        inbox.on_agent_lost = [query](std::uint32_t asid) { caf::anon_send(query, agent_lost_atom::value, asid); };
        gw->open_query(id, std::move(inbox));
      },
      [gw](close_query_atom, std::uint64_t id) { gw->close_query(id); },
      [gw](send_fragment_atom, std::uint32_t asid, cluster_wire::plan_fragment& f) {
        return gw->send_fragment(asid, std::move(f));
      },
  };
}

agent_gateway_actor::behavior_type agent_side(agent_gateway_actor::pointer, std::shared_ptr<agent_gateway> gw) {
  return {
      [gw](actors::batch_atom, const cluster_wire::stream_id& s, schemas::row_batch_ptr& b) {
        gw->send_batch(s, std::move(b));
      },
      [gw](actors::eos_atom, cluster_wire::end_of_stream& e) { gw->end_stream(std::move(e)); },
  };
}

}  // namespace

broker_gateway_actor spawn_broker_gateway_actor(caf::actor_system& sys, std::shared_ptr<broker_gateway> gateway) {
  return sys.spawn(broker_side, std::move(gateway));
}

agent_gateway_actor spawn_agent_gateway_actor(caf::actor_system& sys, std::shared_ptr<agent_gateway> gateway) {
  return sys.spawn(agent_side, std::move(gateway));
}

}  // namespace wisp::cluster
