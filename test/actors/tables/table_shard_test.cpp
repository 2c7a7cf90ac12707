#include <gtest/gtest.h>

#include "actors/tables/table_shard.hpp"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/scoped_actor.hpp"
#include "schemas/http_events.hpp"
#include "schemas/tables.hpp"

using namespace wisp;

TEST(TableShard, AppendThenScanAndStats) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto store = tables::spawn_table_store(sys, {});
  ASSERT_TRUE(store.shards.count("http_events"));
  EXPECT_EQ(store.budgets["http_events"], std::size_t{512} * 1024 * 1024);
  auto shard = store.shards.at("http_events");

  auto b = schemas::make_empty_batch(schemas::find_table("http_events")->rel);
  for (auto& c : b.columns) {
    switch (c.type()) {
      case schemas::data_type::boolean: c.push_bool(false); break;
      case schemas::data_type::uint128: c.push_uint128({1, 2}); break;
      case schemas::data_type::float64: c.push_float(0); break;
      case schemas::data_type::string: c.push_string("x"); break;
      default: c.push_int(1000); break;
    }
  }
  caf::scoped_actor self{sys};
  self->send(shard, actors::append_atom::value, std::make_shared<const schemas::row_batch>(std::move(b)));
  actors::batch_list got;
  self->request(shard, caf::infinite, actors::scan_atom::value, std::int64_t{0}, std::int64_t{2000})
      .receive([&](const actors::batch_list& l) { got = l; }, [](caf::error&) { FAIL(); });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->num_rows(), 1u);
  tables::ring_stats st;
  self->request(shard, caf::infinite, actors::stats_atom::value)
      .receive([&](const tables::ring_stats& s) { st = s; }, [](caf::error&) { FAIL(); });
  EXPECT_EQ(st.rows_added, 1u);
}
