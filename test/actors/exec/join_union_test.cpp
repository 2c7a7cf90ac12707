// The join (df.merge) and union (df.append) operators, driven batch by batch as the operator
// actors drive them: pushes from each parent, end_of_input per parent, then finish.

#include <gtest/gtest.h>

#include "actors/exec/join_operator.hpp"
#include "actors/exec/operator.hpp"
#include "actors/exec/union_operator.hpp"
#include "exec_test_util.hpp"

namespace wisp::exec {
namespace {

using testing::compile_tiny;
using testing::first_node;
using testing::tiny_batch;

constexpr std::size_t left = 0;
constexpr std::size_t right = 1;

std::unique_ptr<operator_logic> join_of(const pxl::plan& p) {
  auto made = make_operator(p, first_node<pxl::join_op>(p));
  EXPECT_TRUE(made.op) << made.error;
  return std::move(made.op);
}

pxl::plan tiny_join(std::string_view how, std::string_view keys = "'service'") {
  return compile_tiny("import px\nl = px.DataFrame('tiny')\nr = px.DataFrame('tiny')\n"
                      "px.display(l.merge(r, how='" + std::string{how} + "', left_on=" +
                      std::string{keys} + ", right_on=" + std::string{keys} + "))\n");
}

// Rows as "left service/left bytes|right service/right bytes" (columns 1, 2, 5, 6).
std::vector<std::string> pairs(const std::vector<schemas::row_batch_ptr>& batches) {
  std::vector<std::string> out;
  for (const auto& b : batches) {
    EXPECT_GT(b->num_rows(), 0u);
    EXPECT_EQ(b->columns.size(), 8u);
    for (std::size_t r = 0; r < b->num_rows(); ++r)
      out.push_back(std::string{b->columns[1].strings().at(r)} + "/" +
                    std::to_string(b->columns[2].ints()[r]) + "|" +
                    std::string{b->columns[5].strings().at(r)} + "/" +
                    std::to_string(b->columns[6].ints()[r]));
  }
  return out;
}

std::vector<schemas::row_batch_ptr> concat(std::vector<schemas::row_batch_ptr> a,
                                           const std::vector<schemas::row_batch_ptr>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(join_operator, holds_probe_rows_until_the_build_side_ends_then_streams) {
  auto p = tiny_join("inner");
  auto j = join_of(p);
  // Probe (left) rows that arrive first wait for the build (right) side.
  EXPECT_TRUE(j->push(tiny_batch({1, 2}, {"a", "b"}, {1, 2}), left).empty());
  EXPECT_TRUE(j->push(tiny_batch({1}, {"b"}, {20}), right).empty());
  EXPECT_TRUE(j->push(tiny_batch({2, 3}, {"a", "c"}, {10, 30}), right).empty());
  EXPECT_TRUE(j->end_of_input(left).empty());  // the probe side ending releases nothing
  auto released = j->end_of_input(right);
  EXPECT_EQ(pairs(released), (std::vector<std::string>{"a/1|a/10", "b/2|b/20"}));
  // After the build, probe batches stream straight through.
  auto streamed = j->push(tiny_batch({5, 6}, {"c", "zz"}, {3, 4}), left);
  EXPECT_EQ(pairs(streamed), (std::vector<std::string>{"c/3|c/30"}));
  EXPECT_TRUE(j->finish().empty());
}

// With one build batch, the build side's output columns are gathers of it: they carry it as
// their dictionary (codes = build rows), which a group-by downstream uses.
TEST(join_operator, build_side_columns_carry_their_source_as_dictionary) {
  auto p = tiny_join("inner");
  auto j = join_of(p);
  auto build = tiny_batch({1, 2}, {"a", "b"}, {10, 20});
  j->push(build, right);
  j->end_of_input(right);
  auto out = j->push(tiny_batch({5, 6, 7}, {"b", "a", "b"}, {1, 2, 3}), left);
  ASSERT_EQ(out.size(), 1u);
  const auto& service_r = out[0]->columns[5];
  ASSERT_NE(service_r.dictionary(), nullptr);
  EXPECT_EQ(service_r.dictionary()->codes, (std::vector<std::uint32_t>{1, 0, 1}));
  EXPECT_EQ(service_r.dictionary()->values->strings().at(1), "b");
  EXPECT_EQ(out[0]->columns[1].dictionary(), nullptr);  // the probe side's own column
}

TEST(join_operator, string_keys_compare_by_value_across_batches) {
  auto p = tiny_join("inner");
  auto j = join_of(p);
  // Same bytes in different batches and positions; a prefix must not match.
  j->push(tiny_batch({1, 2}, {"service-a", "service"}, {1, 2}), right);
  j->push(tiny_batch({3}, {"service-a"}, {3}), right);
  j->end_of_input(right);
  auto out = j->push(tiny_batch({9, 9}, {"service-a", "service-"}, {7, 8}), left);
  EXPECT_EQ(pairs(out), (std::vector<std::string>{"service-a/7|service-a/1", "service-a/7|service-a/3"}));
}

TEST(join_operator, left_and_outer_fill_the_missing_side_with_zero_values) {
  auto p = tiny_join("outer");
  auto j = join_of(p);
  j->push(tiny_batch({1, 2}, {"a", "only-right"}, {10, 20}), right);
  auto out = j->end_of_input(right);
  out = concat(out, j->push(tiny_batch({3, 4}, {"a", "only-left"}, {1, 2}), left));
  out = concat(out, j->end_of_input(left));
  out = concat(out, j->finish());
  EXPECT_EQ(pairs(out), (std::vector<std::string>{"a/1|a/10", "only-left/2|/0", "/0|only-right/20"}));
  // The zero-filled left time_ of the build-only row.
  EXPECT_EQ(out.back()->columns[0].ints().back(), 0);

  auto lp = tiny_join("left");
  auto lj = join_of(lp);
  lj->push(tiny_batch({1}, {"only-right"}, {20}), right);
  lj->end_of_input(right);
  auto lout = lj->push(tiny_batch({3}, {"x"}, {1}), left);
  lout = concat(lout, lj->finish());
  EXPECT_EQ(pairs(lout), (std::vector<std::string>{"x/1|/0"}));
}

TEST(join_operator, right_join_builds_the_left_input_and_follows_right_order) {
  auto p = tiny_join("right");
  auto j = join_of(p);
  j->push(tiny_batch({1, 2}, {"a", "b"}, {1, 2}), left);
  auto out = j->push(tiny_batch({3, 4, 5}, {"b", "zz", "a"}, {30, 40, 50}), right);
  EXPECT_TRUE(out.empty());  // held until the left (build) side ends
  out = j->end_of_input(left);
  out = concat(out, j->finish());
  EXPECT_EQ(pairs(out), (std::vector<std::string>{"b/2|b/30", "/0|zz/40", "a/1|a/50"}));
}

TEST(join_operator, multi_column_keys_and_cross_join_output_is_chunked) {
  auto p = tiny_join("inner", "['service', 'bytes']");
  auto j = join_of(p);
  j->push(tiny_batch({1, 2}, {"a", "a"}, {1, 2}), right);
  j->end_of_input(right);
  EXPECT_EQ(pairs(j->push(tiny_batch({1, 2}, {"a", "b"}, {2, 1}), left)),
            (std::vector<std::string>{"a/2|a/2"}));

  auto cp = tiny_join("outer", "[]");
  auto cj = join_of(cp);
  std::vector<std::int64_t> times(200, 1), bytes(200, 7);
  std::vector<std::string> names(200, "r");
  cj->push(tiny_batch(times, names, bytes), right);
  cj->end_of_input(right);
  std::vector<std::int64_t> ltimes(100, 2);
  std::vector<std::string> lnames(100, "l");
  auto out = cj->push(tiny_batch(ltimes, lnames, ltimes), left);
  std::size_t rows = 0;
  for (const auto& b : out) {
    EXPECT_LE(b->num_rows(), join_operator::max_output_rows);
    rows += b->num_rows();
  }
  EXPECT_EQ(rows, 200u * 100u);
  EXPECT_GT(out.size(), 1u);
  EXPECT_TRUE(cj->finish().empty());  // every build row matched
}

pxl::plan tiny_append(std::string_view other = "b") {
  return compile_tiny("import px\na = px.DataFrame('tiny')\nb = px.DataFrame('tiny')\n"
                      "c = b[['ratio', 'bytes', 'service', 'time_']]\n"
                      "px.display(a.append(" + std::string{other} + "))\n");
}

std::vector<std::int64_t> times_of(const std::vector<schemas::row_batch_ptr>& batches) {
  std::vector<std::int64_t> out;
  for (const auto& b : batches) {
    EXPECT_GT(b->num_rows(), 0u);
    const auto& t = b->columns[0].ints();
    out.insert(out.end(), t.begin(), t.end());
  }
  return out;
}

TEST(union_operator, merges_by_time_releasing_rows_only_when_safe) {
  auto p = tiny_append();
  auto made = make_operator(p, first_node<pxl::union_op>(p));
  ASSERT_TRUE(made.op) << made.error;
  auto& u = *made.op;
  std::vector<schemas::row_batch_ptr> out;
  // Nothing is known about parent 1 yet: nothing can be released.
  EXPECT_TRUE(u.push(tiny_batch({1, 4, 6}, {"a", "a", "a"}, {1, 4, 6}), 0).empty());
  out = concat(out, u.push(tiny_batch({2, 5}, {"b", "b"}, {2, 5}), 1));
  EXPECT_EQ(times_of(out), (std::vector<std::int64_t>{1, 2, 4, 5}));  // 6 waits for parent 1
  out = concat(out, u.push(tiny_batch({6, 9}, {"b", "b"}, {60, 9}), 1));
  out = concat(out, u.end_of_input(0));
  out = concat(out, u.end_of_input(1));
  out = concat(out, u.finish());
  EXPECT_EQ(times_of(out), (std::vector<std::int64_t>{1, 2, 4, 5, 6, 6, 9}));
  // Ties go to the lower parent: the 6 of parent 0 (bytes 6) before parent 1's (bytes 60).
  std::vector<std::int64_t> bytes;
  for (const auto& b : out) bytes.insert(bytes.end(), b->columns[2].ints().begin(), b->columns[2].ints().end());
  EXPECT_EQ(bytes, (std::vector<std::int64_t>{1, 2, 4, 5, 6, 60, 9}));
}

TEST(union_operator, remaps_columns_by_name) {
  auto p = tiny_append("c");
  auto made = make_operator(p, first_node<pxl::union_op>(p));
  ASSERT_TRUE(made.op) << made.error;
  // Parent 1 has columns ratio, bytes, service, time_.
  auto b = std::make_shared<schemas::row_batch>();
  b->columns.emplace_back(schemas::data_type::float64);
  b->columns.emplace_back(schemas::data_type::int64);
  b->columns.emplace_back(schemas::data_type::string);
  b->columns.emplace_back(schemas::data_type::time64ns);
  b->columns[0].push_float(0.5);
  b->columns[1].push_int(42);
  b->columns[2].push_string("x");
  b->columns[3].push_int(3);
  made.op->end_of_input(0);
  auto out = made.op->push(b, 1);
  ASSERT_EQ(out.size(), 1u);
  const auto& r = *out[0];
  EXPECT_EQ(r.columns[0].ints()[0], 3);
  EXPECT_EQ(r.columns[1].strings().at(0), "x");
  EXPECT_EQ(r.columns[2].ints()[0], 42);
  EXPECT_EQ(r.columns[3].floats()[0], 0.5);
}

TEST(union_operator, without_time_batches_pass_unchanged) {
  auto p = compile_tiny("import px\na = px.DataFrame('tiny')\nb = px.DataFrame('tiny')\n"
                        "px.display(a[['service', 'bytes']].append(b[['service', 'bytes']]))\n");
  auto made = make_operator(p, first_node<pxl::union_op>(p));
  ASSERT_TRUE(made.op) << made.error;
  auto in = std::make_shared<schemas::row_batch>();
  in->columns.emplace_back(schemas::data_type::string);
  in->columns.emplace_back(schemas::data_type::int64);
  in->columns[0].push_string("s");
  in->columns[1].push_int(1);
  auto out = made.op->push(in, 1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].get(), in.get());
  EXPECT_TRUE(made.op->finish().empty());
}

}  // namespace
}  // namespace wisp::exec
