#include <gtest/gtest.h>

#include "actors/tables/hot_ring.hpp"

using namespace wisp;
using schemas::data_type;

namespace {

schemas::relation rel() {
  return {{{"time_", data_type::time64ns, schemas::semantic_type::st_time_ns, ""},
           {"v", data_type::int64, schemas::semantic_type::st_none, ""}}};
}

schemas::row_batch_ptr batch(std::int64_t t0, int rows) {
  auto b = schemas::make_empty_batch(rel());
  for (int i = 0; i < rows; ++i) {
    b.columns[0].push_int(t0 + i);
    b.columns[1].push_int(i);
  }
  return std::make_shared<const schemas::row_batch>(std::move(b));
}

}  // namespace

TEST(HotRing, EvictsOldestFirstWithinBudget) {
  const auto one = batch(0, 10)->byte_size();  // 160 bytes
  std::vector<std::int64_t> evicted_first_times;
  tables::hot_ring ring(rel(), 0, one * 3,
                        [&](const schemas::row_batch_ptr& b) { evicted_first_times.push_back(b->columns[0].ints()[0]); });
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ring.append(batch(i * 100, 10)));
  const auto s = ring.stats();
  EXPECT_EQ(s.num_batches, 3u);
  EXPECT_LE(s.bytes, one * 3);
  EXPECT_EQ(s.batches_evicted, 2u);
  EXPECT_EQ(s.rows_evicted, 20u);
  EXPECT_EQ(evicted_first_times, (std::vector<std::int64_t>{0, 100}));
  EXPECT_EQ(s.min_time_ns, 200);
}

TEST(HotRing, ScanPrunesByTimeRange) {
  tables::hot_ring ring(rel(), 0, 1 << 20);
  for (int i = 0; i < 4; ++i) ring.append(batch(i * 100, 10));  // [0,9] [100,109] [200,209] [300,309]
  EXPECT_EQ(ring.scan(105, 205).size(), 2u);
  EXPECT_EQ(ring.scan(110, 200).size(), 0u);
  EXPECT_EQ(ring.scan(0, 1000).size(), 4u);
}

TEST(HotRing, RejectsMismatchedAndOversizedBatches) {
  tables::hot_ring ring(rel(), 0, 64);
  auto wrong = schemas::make_empty_batch({{{"x", data_type::string, schemas::semantic_type::st_none, ""}}});
  wrong.columns[0].push_string("a");
  EXPECT_FALSE(ring.append(std::make_shared<const schemas::row_batch>(std::move(wrong))));
  EXPECT_FALSE(ring.append(batch(0, 100)));
  EXPECT_EQ(ring.stats().batches_rejected, 2u);
  EXPECT_EQ(ring.stats().num_batches, 0u);
}
