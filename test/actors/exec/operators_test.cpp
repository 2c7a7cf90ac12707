#include <gtest/gtest.h>

#include "actors/exec/aggregate_operator.hpp"
#include "actors/exec/operator.hpp"
#include "actors/exec/run_plan.hpp"
#include "actors/exec/source_scan.hpp"
#include "exec_test_util.hpp"

namespace wisp::exec {
namespace {

using testing::compile_tiny;
using testing::first_node;
using testing::tiny_batch;
using testing::tiny_relation;

TEST(source_scan, time_range_is_half_open_and_columns_are_selected) {
  pxl::memory_source_op op{"tiny", 2, 4, {"bytes", "time_"}};
  auto scan = make_source_scan(op, tiny_relation());
  ASSERT_TRUE(scan.error.empty());
  auto out = apply_scan(scan.scan, tiny_batch({1, 2, 3, 4}, {"a", "b", "c", "d"}, {10, 20, 30, 40}));
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(out->columns.size(), 2u);
  EXPECT_EQ(out->columns[0].ints(), (std::vector<std::int64_t>{20, 30}));
  EXPECT_EQ(out->columns[1].ints(), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(apply_scan(scan.scan, tiny_batch({9}, {"x"}, {1})), nullptr);
}

TEST(source_scan, whole_batch_in_stored_order_is_shared_not_copied) {
  auto rel = tiny_relation();
  pxl::memory_source_op op{"tiny", std::nullopt, std::nullopt, rel.names()};
  auto scan = make_source_scan(op, rel);
  ASSERT_TRUE(scan.error.empty());
  auto in = tiny_batch({1, 2}, {"a", "b"}, {10, 20});
  EXPECT_EQ(apply_scan(scan.scan, in), in);
  // Reordered columns are a new batch.
  auto names = rel.names();
  std::swap(names.front(), names.back());
  pxl::memory_source_op reordered{"tiny", std::nullopt, std::nullopt, names};
  auto scan2 = make_source_scan(reordered, rel);
  auto out = apply_scan(scan2.scan, in);
  ASSERT_NE(out, nullptr);
  EXPECT_NE(out, in);
  EXPECT_EQ(out->columns.front().type(), in->columns.back().type());
}

TEST(source_scan, missing_column_is_an_error) {
  pxl::memory_source_op op{"tiny", std::nullopt, std::nullopt, {"nope"}};
  EXPECT_FALSE(make_source_scan(op, tiny_relation()).error.empty());
}

TEST(filter_operator, keeps_matching_rows_and_forwards_full_batches_unchanged) {
  auto p = compile_tiny("import px\ndf = px.DataFrame('tiny')\npx.display(df[df.bytes > 15])\n");
  auto made = make_operator(p, first_node<pxl::filter_op>(p));
  ASSERT_TRUE(made.op);
  auto out = made.op->push(tiny_batch({1, 2, 3}, {"a", "b", "c"}, {10, 20, 30}), 0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->columns[2].ints(), (std::vector<std::int64_t>{20, 30}));
  auto all = tiny_batch({1}, {"a"}, {99});
  auto same = made.op->push(all, 0);
  ASSERT_EQ(same.size(), 1u);
  EXPECT_EQ(same[0].get(), all.get());
  EXPECT_TRUE(made.op->push(tiny_batch({1}, {"a"}, {1}), 0).empty());
}

TEST(limit_operator, slices_and_reports_done) {
  auto p = compile_tiny("import px\ndf = px.DataFrame('tiny')\npx.display(df.head(3))\n");
  auto made = make_operator(p, first_node<pxl::limit_op>(p));
  ASSERT_TRUE(made.op);
  EXPECT_EQ(made.op->push(tiny_batch({1, 2}, {"a", "b"}, {1, 2}), 0).at(0)->num_rows(), 2u);
  EXPECT_FALSE(made.op->done());
  EXPECT_EQ(made.op->push(tiny_batch({3, 4}, {"c", "d"}, {3, 4}), 0).at(0)->num_rows(), 1u);
  EXPECT_TRUE(made.op->done());
  EXPECT_TRUE(made.op->push(tiny_batch({5}, {"e"}, {5}), 0).empty());
}

TEST(aggregate_operator, groups_across_batches_and_merges_partials) {
  auto p = compile_tiny(
      "import px\ndf = px.DataFrame('tiny')\n"
      "px.display(df.groupby('service').agg(n=('bytes', px.count), s=('bytes', px.sum),\n"
      "    m=('ratio', px.mean), hi=('bytes', px.max)))\n");
  const auto& node = first_node<pxl::aggregate_op>(p);
  auto a = make_operator(p, node);
  auto b = make_operator(p, node);
  ASSERT_TRUE(a.op && b.op);
  EXPECT_TRUE(a.op->push(tiny_batch({1, 2}, {"x", "y"}, {10, 20}), 0).empty());
  a.op->push(tiny_batch({3}, {"x"}, {30}), 0);
  b.op->push(tiny_batch({4, 5}, {"z", "x"}, {4, 2}), 0);
  auto& left = static_cast<aggregate_operator&>(*a.op);
  left.merge_from(static_cast<const aggregate_operator&>(*b.op));
  auto out = a.op->finish();
  ASSERT_EQ(out.size(), 1u);
  const auto& r = *out[0];
  ASSERT_EQ(r.num_rows(), 3u);
  EXPECT_EQ(r.columns[0].strings().at(0), "x");
  EXPECT_EQ(r.columns[0].strings().at(2), "z");
  EXPECT_EQ(r.columns[1].ints(), (std::vector<std::int64_t>{3, 1, 1}));
  EXPECT_EQ(r.columns[2].ints(), (std::vector<std::int64_t>{42, 20, 4}));
  EXPECT_EQ(r.columns[3].floats(), (std::vector<double>{7, 10, 2}));
  EXPECT_EQ(r.columns[4].ints(), (std::vector<std::int64_t>{30, 20, 4}));
}

// Key columns gathered from a small column (a join's build side) carry a dictionary; grouping
// then decides a group once per code. The dictionary may repeat values ("x" twice): groups are
// still by value, and match the groups of batches without a dictionary.
TEST(aggregate_operator, groups_by_dictionary_code_as_by_value) {
  auto p = compile_tiny(
      "import px\ndf = px.DataFrame('tiny')\n"
      "px.display(df.groupby('service').agg(n=('bytes', px.count), s=('bytes', px.sum)))\n");
  auto made = make_operator(p, first_node<pxl::aggregate_op>(p));
  ASSERT_TRUE(made.op);
  auto values = std::make_shared<schemas::column>(schemas::data_type::string);
  for (auto v : {"x", "y", "x"}) values->push_string(v);
  std::vector<std::uint32_t> codes;
  std::vector<std::string> services;
  std::vector<std::int64_t> times, bytes;
  for (std::uint32_t i = 0; i < 16; ++i) {
    codes.push_back(i % 3);
    services.push_back(std::string{values->strings().at(i % 3)});
    times.push_back(i);
    bytes.push_back(i);
  }
  auto coded = std::make_shared<schemas::row_batch>(*tiny_batch(times, services, bytes));
  coded->columns[1].set_dictionary(std::make_shared<const schemas::column_dictionary>(
      schemas::column_dictionary{values, codes}));
  made.op->push(tiny_batch({0, 0}, {"z", "x"}, {100, 1000}), 0);  // no dictionary
  made.op->push(coded, 0);
  auto out = made.op->finish();
  ASSERT_EQ(out.size(), 1u);
  const auto& r = *out[0];
  ASSERT_EQ(r.num_rows(), 3u);
  // x: rows 0, 2, 3, 5, ... of the coded batch (codes 0 and 2) plus 1000; y: codes 1.
  std::int64_t x_n = 1, x_s = 1000, y_n = 0, y_s = 0;
  for (std::uint32_t i = 0; i < 16; ++i) {
    if (i % 3 == 1) {
      ++y_n;
      y_s += i;
    } else {
      ++x_n;
      x_s += i;
    }
  }
  EXPECT_EQ(r.columns[0].strings().at(0), "z");
  EXPECT_EQ(r.columns[0].strings().at(1), "x");
  EXPECT_EQ(r.columns[0].strings().at(2), "y");
  EXPECT_EQ(r.columns[1].ints(), (std::vector<std::int64_t>{1, x_n, y_n}));
  EXPECT_EQ(r.columns[2].ints(), (std::vector<std::int64_t>{100, x_s, y_s}));
}

TEST(make_operator, memory_source_is_not_an_operator) {
  auto p = compile_tiny("import px\npx.display(px.DataFrame('tiny'))\n");
  EXPECT_FALSE(make_operator(p, p.nodes.front()).op);
}

TEST(run_plan, stops_reading_when_limits_are_satisfied) {
  auto p = compile_tiny("import px\npx.display(px.DataFrame('tiny').head(2))\n");
  table_provider tables;
  tables["tiny"] = {tiny_relation(),
                    {tiny_batch({1, 2}, {"a", "b"}, {1, 2}), tiny_batch({3}, {"c"}, {3})}};
  auto r = run_plan(p, tables);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.tables.size(), 1u);
  EXPECT_EQ(r.tables[0].name, "output");
  EXPECT_EQ(r.tables[0].num_rows(), 2u);
  EXPECT_EQ(r.tables[0].batches.size(), 1u);
}

TEST(run_plan, missing_table_data_is_an_error) {
  auto p = compile_tiny("import px\npx.display(px.DataFrame('tiny'))\n");
  EXPECT_FALSE(run_plan(p, {}).ok());
}

}  // namespace
}  // namespace wisp::exec
