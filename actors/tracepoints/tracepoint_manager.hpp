#pragma once
// The tracepoint manager actor (design §7): owns the node's tracepoints (deployments.hpp) and
// their tables. The query broker sends it a script's mutations and waits for each answer before
// it runs the query; it polls events every poll period and follows processes, TTLs and the event
// rate once a second. Its status is published to a board that px.GetTracepointStatus reads.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/atoms.hpp"
#include "actors/tables/table_directory.hpp"
#include "actors/tracepoints/deployments.hpp"
#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

namespace wisp::tracepoints {

using upsert_atom = caf::atom_constant<caf::atom("upsert")>;
using delete_atom = caf::atom_constant<caf::atom("delete")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;

/// The tracepoints' status as last published; read from any thread.
class status_board {
 public:
  void publish(std::vector<tracepoint_status> s) {
    std::lock_guard lock{mu_};
    status_ = std::move(s);
  }
  std::vector<tracepoint_status> snapshot() const {
    std::lock_guard lock{mu_};
    return status_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<tracepoint_status> status_;
};

using tracepoint_manager_actor = caf::typed_actor<
    // Deploys (or, for a remove mutation, deletes) a tracepoint; replies (error, table): an
    // empty error when it runs, once it runs (a bpftrace program first compiles).
    caf::replies_to<upsert_atom, pxl::tracepoint_mutation>::with<std::string, std::string>,
    caf::reacts_to<actors::poll_atom>, caf::reacts_to<tick_atom>,
    caf::replies_to<actors::stats_atom>::with<std::vector<wire::loss_counter>>>;

/// How long a caller waits for an upsert's answer (a bpftrace program compiles first).
inline constexpr std::chrono::seconds upsert_timeout{60};

struct tracepoint_manager_config {
  deployment_options deploy;
  std::shared_ptr<tables::table_directory> tables;  // where the tracepoints' tables are listed
  std::shared_ptr<status_board> board;
  std::size_t table_bytes = std::size_t{64} << 20;   // budget of each tracepoint table
  std::chrono::milliseconds poll_period{100};
};

tracepoint_manager_actor spawn_tracepoint_manager(caf::actor_system& sys, tracepoint_manager_config config);

}  // namespace wisp::tracepoints

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wisp::pxl::tracepoint_mutation)
