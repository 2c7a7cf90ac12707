#include "actors/tables/table_shard.hpp"

#include <optional>

#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"
#include "schemas/tables.hpp"

namespace wisp::tables {

namespace {

struct shard_state {
  std::optional<hot_ring> ring;
  static inline const char* name = "table_shard";
};

table_shard_actor::behavior_type table_shard(table_shard_actor::stateful_pointer<shard_state> self,
                                             schemas::relation rel, std::size_t budget) {
  const auto time_col = rel.index_of("time_");
  self->state.ring.emplace(std::move(rel), time_col.value_or(0), budget);
  return {
      [self](actors::append_atom, schemas::row_batch_ptr b) { self->state.ring->append(std::move(b)); },
      [self](actors::scan_atom, std::int64_t start, std::int64_t end) {
        return self->state.ring->scan(start, end);
      },
      [self](actors::stats_atom) { return self->state.ring->stats(); },
  };
}

}  // namespace

table_store spawn_table_store(caf::actor_system& sys, const table_store_options& opts) {
  table_store store;
  const auto& tables = schemas::all_tables();
  const std::size_t http_bytes = opts.total_bytes * opts.http_events_percent / 100;
  const std::size_t others = tables.size() > 1 ? tables.size() - 1 : 1;
  const std::size_t other_bytes = (opts.total_bytes - http_bytes) / others;
  for (const auto& t : tables) {
    const auto budget = t.name == "http_events" ? http_bytes : other_bytes;
    store.budgets[t.name] = budget;
    store.shards.emplace(t.name, sys.spawn(table_shard, t.rel, budget));
  }
  return store;
}

table_shard_actor spawn_table_shard(caf::actor_system& sys, schemas::relation rel, std::size_t budget) {
  return sys.spawn(table_shard, std::move(rel), budget);
}

}  // namespace wisp::tables
