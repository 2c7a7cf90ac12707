#include <gtest/gtest.h>

#include "schemas/row_batch.hpp"

using namespace wisp::schemas;

namespace {
relation two_cols() {
  return relation{{{"n", data_type::int64, semantic_type::st_none, ""},
                   {"s", data_type::string, semantic_type::st_none, ""}}};
}
}  // namespace

TEST(RowBatch, AppendFilterSlice) {
  auto b = make_empty_batch(two_cols());
  for (int i = 0; i < 5; ++i) {
    b.columns[0].push_int(i);
    b.columns[1].push_string(std::string(static_cast<std::size_t>(i), 'x'));
  }
  EXPECT_TRUE(matches(b, two_cols()));
  EXPECT_EQ(b.num_rows(), 5u);

  const std::vector<std::uint8_t> mask{1, 0, 1, 0, 1};
  auto f = b.columns[1].filter(mask);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f.strings().at(0), "");
  EXPECT_EQ(f.strings().at(2), "xxxx");

  auto s = b.slice(1, 3);
  EXPECT_EQ(s.num_rows(), 3u);
  EXPECT_EQ(s.columns[0].ints(), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(s.columns[1].strings().at(2), "xxx");
}

TEST(RowBatch, MismatchedLengthsDoNotMatch) {
  auto b = make_empty_batch(two_cols());
  b.columns[0].push_int(1);
  EXPECT_FALSE(matches(b, two_cols()));
}

TEST(RowBatch, ByteSizeCountsStringsAndOffsets) {
  auto b = make_empty_batch(two_cols());
  b.columns[0].push_int(7);
  b.columns[1].push_string("hello");
  EXPECT_EQ(b.byte_size(), 8u + 5u + 2u * sizeof(std::uint64_t));
}
