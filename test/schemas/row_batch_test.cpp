#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

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

TEST(RowBatch, CopiesShareValuesUntilOneIsWritten) {
  column a{data_type::string};
  a.push_string("one");
  column b = a;  // shares a's values
  EXPECT_EQ(&std::as_const(a).strings(), &std::as_const(b).strings());
  b.push_string("two");  // b gets its own copy first
  EXPECT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.strings().at(0), "one");
  EXPECT_EQ(b.strings().at(1), "two");
  a.push_string("uno");
  EXPECT_EQ(a.strings().at(1), "uno");
  EXPECT_EQ(b.strings().at(1), "two");
}

// take() copies short values in 16-byte steps where both sides have room: every length around
// the step sizes, at the start, middle and very end of the source, in any order.
TEST(RowBatch, TakeGathersStringsOfEveryLength) {
  column src{data_type::string};
  std::vector<std::string> values;
  for (std::size_t n = 0; n <= 70; ++n) {
    std::string v;
    for (std::size_t i = 0; i < n; ++i) v.push_back(static_cast<char>('a' + (n + i) % 26));
    values.push_back(v);
    src.push_string(v);
  }
  std::vector<std::uint32_t> rows;
  for (std::uint32_t r = 0; r < values.size(); ++r) rows.push_back(static_cast<std::uint32_t>(values.size()) - 1 - r);
  for (std::uint32_t r = 0; r < values.size(); r += 3) rows.push_back(r);
  rows.push_back(static_cast<std::uint32_t>(values.size()) - 1);
  auto out = src.take(rows);
  ASSERT_EQ(out.size(), rows.size());
  for (std::size_t k = 0; k < rows.size(); ++k) EXPECT_EQ(out.strings().at(k), values[rows[k]]) << k;
  EXPECT_EQ(out.strings().bytes().size(), out.strings().offsets().back());
}

TEST(RowBatch, DictionaryFollowsTakeAndSliceAndIsDroppedOnWrite) {
  column values{data_type::string};
  values.push_string("x");
  values.push_string("y");
  column c{data_type::string};
  for (auto v : {"y", "x", "y"}) c.push_string(v);
  c.set_dictionary(std::make_shared<const column_dictionary>(
      column_dictionary{std::make_shared<const column>(values), {1, 0, 1}}));

  const std::vector<std::uint32_t> rows{2, 1};
  auto t = c.take(rows);
  ASSERT_NE(t.dictionary(), nullptr);
  EXPECT_EQ(t.dictionary()->codes, (std::vector<std::uint32_t>{1, 0}));
  EXPECT_EQ(t.dictionary()->values.get(), c.dictionary()->values.get());
  auto s = c.slice(1, 2);
  ASSERT_NE(s.dictionary(), nullptr);
  EXPECT_EQ(s.dictionary()->codes, (std::vector<std::uint32_t>{0, 1}));

  column copy = c;
  EXPECT_NE(copy.dictionary(), nullptr);
  copy.push_string("z");  // the codes no longer describe the values
  EXPECT_EQ(copy.dictionary(), nullptr);
  EXPECT_NE(c.dictionary(), nullptr);
}
