#include "cluster/gateway_actor.hpp"

#include <map>

#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/send.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "cluster/agent_gateway.hpp"
#include "cluster/broker_gateway.hpp"

namespace wisp::cluster {

namespace {

using outcomes = std::vector<cluster_wire::tracepoint_outcome>;

struct broker_side_state {
  static inline const char* name = "broker_gateway";
  std::map<std::uint64_t, caf::typed_response_promise<outcomes>> waiting;  // by token
  std::uint64_t next_token = 1;
};

broker_gateway_actor::behavior_type broker_side(broker_gateway_actor::stateful_pointer<broker_side_state> self,
                                                std::shared_ptr<broker_gateway> gw) {
  return {
      [gw](open_query_atom, std::uint64_t id, const caf::actor& query) {
        query_inbox inbox;
        inbox.on_batch = [query](std::uint32_t asid, const std::string& stream, schemas::row_batch_ptr b) {
          caf::anon_send(query, stream_batch_atom::value, asid, stream, std::move(b));
        };
        inbox.on_end = [query](std::uint32_t asid, const cluster_wire::end_of_stream& e) {
          caf::anon_send(query, stream_end_atom::value, asid, e.stream.sink, static_cast<std::uint8_t>(e.code), e.error,
                         e.losses);
        };
        inbox.on_agent_lost = [query](std::uint32_t asid) { caf::anon_send(query, agent_lost_atom::value, asid); };
        gw->open_query(id, std::move(inbox));
      },
      [gw](close_query_atom, std::uint64_t id) { gw->close_query(id); },
      [gw](send_fragment_atom, std::uint32_t asid, cluster_wire::plan_fragment& f) {
        return gw->send_fragment(asid, std::move(f));
      },
      [self, gw](send_tracepoint_atom, cluster_wire::tracepoint_request& r,
                 const std::vector<std::uint32_t>& asids) -> caf::result<outcomes> {
        const auto token = self->state.next_token++;
        auto me = caf::actor_cast<broker_gateway_actor>(self);
        // The answer comes on the gateway thread: it goes through this actor's mailbox.
        if (!gw->send_tracepoint(std::move(r), asids, [me, token](outcomes o) {
              caf::anon_send(me, tracepoint_done_atom::value, token, std::move(o));
            }))
          return outcomes{};
        auto promise = self->make_response_promise<outcomes>();
        self->state.waiting.emplace(token, promise);
        return promise;
      },
      [self](tracepoint_done_atom, std::uint64_t token, outcomes& o) {
        if (auto it = self->state.waiting.find(token); it != self->state.waiting.end()) {
          it->second.deliver(std::move(o));
          self->state.waiting.erase(it);
        }
      },
  };
}

agent_gateway_actor::behavior_type agent_side(agent_gateway_actor::pointer, std::shared_ptr<agent_gateway> gw) {
  return {
      [gw](actors::batch_atom, const cluster_wire::stream_id& s, schemas::row_batch_ptr& b) {
        gw->send_batch(s, std::move(b));
      },
      [gw](actors::eos_atom, cluster_wire::end_of_stream& e) { gw->end_stream(std::move(e)); },
      [gw](tracepoint_done_atom, cluster_wire::tracepoint_reply& r) { gw->send_reply(std::move(r)); },
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
