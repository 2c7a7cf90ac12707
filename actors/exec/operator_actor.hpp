#pragma once
// Operator actors: one actor per node of a running plan. Sources scan a table shard; every other
// node wraps its exec::operator_logic (pure, vectorized) and forwards output batches to its
// children; result sinks stream their table to the query's result handler. Batches travel as
// shared immutable row_batch_ptr; each edge ends with one eos message. Actors of one query are
// linked to the query actor that spawned them and die with it.

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/atoms.hpp"
#include "actors/exec/udtf_source.hpp"
#include "actors/tables/table_shard.hpp"
#include "caf/fwd.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"
#include "pxl/plan.hpp"

namespace wisp::exec {

using operator_actor = caf::typed_actor<
    // A batch from the parent at `parent_index` (position among this node's parents).
    caf::reacts_to<actors::batch_atom, std::size_t, schemas::row_batch_ptr>,
    // The parent at `parent_index` has sent everything.
    caf::reacts_to<actors::eos_atom, std::size_t>>;

/// A child edge: the child actor and this node's position among the child's parents.
using child_edge = std::pair<operator_actor, std::size_t>;

/// What a query's result sinks report to. Called on the sink actor's thread; must be
/// thread-safe. `on_batch` gets only non-empty batches; `on_end` once per sink, with an empty
/// error on success. (Schemas are announced by the query itself, in script order, before any
/// sink runs.)
struct result_handler {
  std::function<void(const std::string& table, schemas::row_batch_ptr batch)> on_batch;
  std::function<void(const std::string& table, const std::string& error)> on_end;
  /// Optional: the max_output_rows_per_table limit before `table` cut rows (it passed `limit`).
  /// Called by the limit's actor before it ends its stream, so before that sink's on_end.
  std::function<void(const std::string& table, std::int64_t limit)> on_truncated;
  /// Optional: a source could not produce its rows (a UDTF failed); its children still get
  /// end of stream. Called before the affected sinks' on_end.
  std::function<void(const std::string& error)> on_error;
};

/// A table shard as a memory source reads it: the shard and the relation of its batches.
struct shard_source {
  tables::table_shard_actor shard;
  schemas::relation rel;
};

/// Spawns the actor for one plan node. `table` is the stored table of memory sources (nullptr
/// otherwise); `udtf` the node state that UDTF sources read (nullptr: a default context with
/// the built-in catalog and functions and no agents); `children` must already exist. Returns an
/// error text for node kinds the engine cannot run.
std::pair<operator_actor, std::string> spawn_operator(caf::actor_system& sys, const pxl::plan& plan,
                                                      const pxl::plan_node& node,
                                                      const shard_source* table,
                                                      std::vector<child_edge> children,
                                                      std::shared_ptr<const result_handler> results,
                                                      std::shared_ptr<const udtf_context> udtf = nullptr);

/// The stored table a memory source reads, by name; nullopt when this node has no such table.
using shard_lookup = std::function<std::optional<shard_source>(const std::string& table)>;

struct spawned_plan {
  std::map<pxl::node_id, operator_actor> actors;  // every node's actor (stream sources included)
  std::string error;                              // non-empty: nothing usable was spawned
};

/// Spawns one actor per node of `plan`, children first, each wired to its children. Stream
/// sources are fed by the caller: batch and eos messages on edge 0 of their actor.
spawned_plan spawn_plan(caf::actor_system& sys, const pxl::plan& plan, const shard_lookup& tables,
                        std::shared_ptr<const result_handler> results,
                        std::shared_ptr<const udtf_context> udtf = nullptr);

}  // namespace wisp::exec
