#pragma once
// The table shard actor: the only owner of one table's hot ring. Parser actors append sealed
// batches; query source operators scan a time range. One shard per table; `table_store` spawns
// them all from the schema registry with their byte budgets.

#include <cstdint>
#include <map>
#include <string>

#include "actors/atoms.hpp"
#include "actors/tables/hot_ring.hpp"
#include "caf/fwd.hpp"
#include "caf/meta/type_name.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

namespace wisp::tables {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ring_stats& x) {
  return f(caf::meta::type_name("ring_stats"), x.batches_added, x.rows_added, x.bytes_added,
           x.batches_evicted, x.rows_evicted, x.bytes_evicted, x.batches_rejected, x.num_batches,
           x.bytes, x.min_time_ns);
}

using table_shard_actor = caf::typed_actor<
    // Appends a sealed batch (dropped and counted when it does not match the relation).
    caf::reacts_to<actors::append_atom, schemas::row_batch_ptr>,
    // Batches that may hold rows with time_ in [start_ns, end_ns).
    caf::replies_to<actors::scan_atom, std::int64_t, std::int64_t>::with<actors::batch_list>,
    caf::replies_to<actors::stats_atom>::with<ring_stats>>;

/// Byte budgets, by Pixie's shares (facts §5): http_events gets `http_events_percent` of the
/// total, every other table an equal part of the rest.
struct table_store_options {
  std::size_t total_bytes = std::size_t{1280} * 1024 * 1024;
  unsigned http_events_percent = 40;
};

/// Table name -> shard. Owned by the daemon's main; shards live as long as the actor system.
struct table_store {
  std::map<std::string, table_shard_actor> shards;
  std::map<std::string, std::size_t> budgets;
};

table_store spawn_table_store(caf::actor_system& sys, const table_store_options& opts);

/// One shard for a table made at run time (a tracepoint's), with its byte budget.
table_shard_actor spawn_table_shard(caf::actor_system& sys, schemas::relation rel, std::size_t budget);

}  // namespace wisp::tables
