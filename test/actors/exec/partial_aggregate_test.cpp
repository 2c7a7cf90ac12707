// Partial and final aggregates: for every UDA overload and several group keys, the rows split
// into k parts, a partial aggregate per part, and a final aggregate over the partial outputs
// (shuffled, re-batched) give the rows of one full aggregate over all rows. Plus malformed
// states from other nodes: skipped rows, counted, reported; never a crash.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>

#include "actors/exec/aggregate_operator.hpp"
#include "actors/exec/run_plan.hpp"
#include "pxl/functions.hpp"
#include "pxl/plan.hpp"
#include "pxl/quantiles.hpp"
#include "pxl/state_bytes.hpp"

namespace wisp::exec {
namespace {

using schemas::column;
using schemas::data_type;
using schemas::row_batch;
using schemas::row_batch_ptr;

// Input columns: one per data type, so every overload has an argument.
schemas::relation input_relation() {
  using schemas::semantic_type;
  return {{{"s", data_type::string, semantic_type::st_none, ""},
           {"i", data_type::int64, semantic_type::st_none, ""},
           {"t", data_type::time64ns, semantic_type::st_time_ns, ""},
           {"u", data_type::uint128, semantic_type::st_upid, ""},
           {"b", data_type::boolean, semantic_type::st_none, ""},
           {"f", data_type::float64, semantic_type::st_none, ""}}};
}

std::size_t column_of(data_type t) {
  const auto rel = input_relation();
  for (std::size_t i = 0; i < rel.columns.size(); ++i)
    if (rel.columns[i].type == t) return i;
  ADD_FAILURE() << "no input column of that type";
  return 0;
}

// Random rows; group columns take few values so that groups repeat, and some groups get more
// than quantile_sketch::exact_limit rows (its bucket mode).
row_batch make_rows(std::size_t n, std::mt19937_64& rng) {
  auto b = schemas::make_empty_batch(input_relation());
  const std::vector<std::string> strings{"a", "bb", "", "ccc"};
  std::uniform_int_distribution<int> pick(0, 3);
  std::normal_distribution<double> real(10, 100);
  for (std::size_t r = 0; r < n; ++r) {
    b.columns[0].push_string(strings[pick(rng)]);
    b.columns[1].push_int(pick(rng) - 1);
    b.columns[2].push_int(1'700'000'000'000'000'000 + pick(rng) * 1000);
    b.columns[3].push_uint128({static_cast<std::uint64_t>(pick(rng)), 42});
    b.columns[4].push_bool(pick(rng) % 2 == 0);
    b.columns[5].push_float(real(rng));
    // A wide int range for sums, means, extremes and quantiles of INT64.
    b.columns[1].ints().back() += (r % 3 == 0) ? static_cast<std::int64_t>(rng() % 100000) : 0;
  }
  return b;
}

// Every registered UDA overload, one aggregate each, over the input column of its type.
pxl::aggregate_op make_op(pxl::aggregate_mode mode, const std::vector<std::size_t>& groups) {
  pxl::aggregate_op op;
  op.mode = mode;
  const auto rel = input_relation();
  for (auto g : groups) {
    op.group_names.push_back(rel.columns[g].name);
    op.groups.push_back(g);
  }
  std::size_t n = 0;
  for (const auto& uda : pxl::function_registry::builtin().udas()) {
    pxl::aggregate_expr a;
    a.output_name = "a" + std::to_string(n++) + "_" + uda.name;
    a.function = uda.name;
    a.arg = pxl::expression::column_ref(rel.columns[column_of(uda.arg)].name, {});
    a.arg.column_index = column_of(uda.arg);
    a.arg.type = uda.arg;
    a.uda = &uda;
    op.aggregates.push_back(std::move(a));
  }
  return op;
}

std::vector<data_type> group_types(const std::vector<std::size_t>& groups) {
  std::vector<data_type> t;
  for (auto g : groups) t.push_back(input_relation().columns[g].type);
  return t;
}

// All output batches of one operator as one batch (empty columns when there are none).
row_batch concat(const std::vector<row_batch_ptr>& batches) {
  row_batch out;
  for (const auto& b : batches) {
    if (out.columns.empty())
      for (const auto& c : b->columns) out.columns.emplace_back(c.type());
    for (std::size_t c = 0; c < b->columns.size(); ++c)
      for (std::size_t r = 0; r < b->num_rows(); ++r) out.columns[c].push_from(b->columns[c], r);
  }
  return out;
}

std::string cell(const column& c, std::size_t r) {
  switch (c.type()) {
    case data_type::boolean: return std::to_string(c.bools()[r]);
    case data_type::int64:
    case data_type::time64ns: return std::to_string(c.ints()[r]);
    case data_type::uint128:
      return std::to_string(c.uint128s()[r].high) + ":" + std::to_string(c.uint128s()[r].low);
    case data_type::float64: return std::to_string(c.floats()[r]);
    case data_type::string: return "'" + std::string{c.strings().at(r)} + "'";
    default: return "?";
  }
}

std::string key_of(const row_batch& b, std::size_t groups, std::size_t r) {
  std::string k;
  for (std::size_t g = 0; g < groups; ++g) k += cell(b.columns[g], r) + "|";
  return k;
}

// The values of each input column per group key (what `any` may return).
using group_values = std::map<std::string, std::vector<std::set<std::string>>>;
void collect_values(const row_batch& rows, const std::vector<std::size_t>& groups, group_values& out) {
  for (std::size_t r = 0; r < rows.num_rows(); ++r) {
    std::string k;
    for (auto g : groups) k += cell(rows.columns[g], r) + "|";
    auto& sets = out[k];
    sets.resize(rows.columns.size());
    for (std::size_t c = 0; c < rows.columns.size(); ++c) sets[c].insert(cell(rows.columns[c], r));
  }
}

void expect_same_rows(const row_batch& full, const row_batch& final, const pxl::aggregate_op& op,
                      const group_values& values) {
  const std::size_t g = op.group_names.size();
  ASSERT_EQ(final.columns.size(), full.columns.size());
  ASSERT_EQ(final.num_rows(), full.num_rows());
  std::map<std::string, std::size_t> final_row;
  for (std::size_t r = 0; r < final.num_rows(); ++r)
    ASSERT_TRUE(final_row.emplace(key_of(final, g, r), r).second) << "duplicate group in final output";
  for (std::size_t r = 0; r < full.num_rows(); ++r) {
    const auto key = key_of(full, g, r);
    auto it = final_row.find(key);
    ASSERT_NE(it, final_row.end()) << "group " << key << " missing from the final output";
    const std::size_t fr = it->second;
    for (std::size_t a = 0; a < op.aggregates.size(); ++a) {
      const auto& agg = op.aggregates[a];
      const column& x = full.columns[g + a];
      const column& y = final.columns[g + a];
      ASSERT_EQ(x.type(), y.type());
      SCOPED_TRACE(agg.output_name + " group " + key);
      if (agg.function == "any") {
        auto v = values.find(key);
        if (v == values.end()) continue;  // an empty input: both give the zero value
        EXPECT_TRUE(v->second[agg.arg.column_index].contains(cell(y, fr))) << cell(y, fr);
      } else if (x.type() == data_type::float64) {
        const double e = x.floats()[r], o = y.floats()[fr];
        EXPECT_LE(std::fabs(e - o), 1e-9 * std::max(1.0, std::fabs(e))) << e << " vs " << o;
      } else {
        EXPECT_EQ(cell(x, r), cell(y, fr));
      }
    }
  }
}

std::vector<row_batch_ptr> run(aggregate_operator& op, const std::vector<row_batch_ptr>& in) {
  for (const auto& b : in) EXPECT_TRUE(op.push(b, 0).empty());
  return op.finish();
}

// Splits `rows` into batches of random sizes.
std::vector<row_batch_ptr> batches_of(const row_batch& rows, std::mt19937_64& rng) {
  std::vector<row_batch_ptr> out;
  for (std::size_t at = 0; at < rows.num_rows();) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 40, rows.num_rows() - at);
    out.push_back(std::make_shared<row_batch>(rows.slice(at, n)));
    at += n;
  }
  return out;
}

struct split_case {
  std::vector<std::size_t> groups;
  std::size_t parts;
};

void check_split(const split_case& c, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const row_batch all = make_rows(600, rng);
  // Rows go to random parts; with 7 parts, parts 2 and 5 stay empty.
  std::vector<std::vector<std::uint8_t>> masks(c.parts, std::vector<std::uint8_t>(all.num_rows(), 0));
  for (std::size_t r = 0; r < all.num_rows(); ++r) {
    std::size_t p = rng() % c.parts;
    if (c.parts == 7 && (p == 2 || p == 5)) p = 0;
    masks[p][r] = 1;
  }
  aggregate_operator full(make_op(pxl::aggregate_mode::full, c.groups), group_types(c.groups));
  const row_batch expected = concat(run(full, batches_of(all, rng)));

  std::vector<row_batch_ptr> partial_out;
  for (const auto& mask : masks) {
    row_batch part;
    for (const auto& col : all.columns) part.columns.push_back(col.filter(mask));
    aggregate_operator partial(make_op(pxl::aggregate_mode::partial, c.groups), group_types(c.groups));
    auto out = run(partial, batches_of(part, rng));
    // Partial output: the groups, then STRING states, as partial_aggregate_relation says.
    const auto rel = pxl::partial_aggregate_relation(make_op(pxl::aggregate_mode::partial, c.groups),
                                                     input_relation());
    for (const auto& b : out) {
      ASSERT_TRUE(schemas::matches(*b, rel));
      for (const auto& piece : batches_of(*b, rng)) partial_out.push_back(piece);
    }
  }
  std::shuffle(partial_out.begin(), partial_out.end(), rng);
  aggregate_operator final(make_op(pxl::aggregate_mode::final, c.groups), group_types(c.groups));
  const row_batch got = concat(run(final, partial_out));
  EXPECT_EQ(final.malformed_rows(), 0u);
  EXPECT_EQ(final.error(), "");
  group_values values;
  collect_values(all, c.groups, values);
  expect_same_rows(expected, got, make_op(pxl::aggregate_mode::full, c.groups), values);
}

class partial_final : public ::testing::TestWithParam<split_case> {};

TEST_P(partial_final, equals_full_over_all_rows) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    check_split(GetParam(), seed);
  }
}

std::vector<split_case> all_cases() {
  // 0, 1 and 2 group columns over string, int, time and uint128 keys; k = 1, 3, 7.
  const std::vector<std::vector<std::size_t>> keys{{}, {0}, {1}, {2}, {3}, {0, 1}, {2, 3}};
  std::vector<split_case> out;
  for (const auto& k : keys)
    for (std::size_t parts : {1u, 3u, 7u}) out.push_back({k, parts});
  return out;
}

INSTANTIATE_TEST_SUITE_P(keys_and_parts, partial_final, ::testing::ValuesIn(all_cases()),
                         [](const auto& info) {
                           std::string n = "g";
                           for (auto g : info.param.groups) n += std::to_string(g);
                           return n + "_k" + std::to_string(info.param.parts);
                         });

TEST(partial_final, no_groups_over_no_rows_gives_the_full_single_row) {
  const std::vector<std::size_t> none;
  aggregate_operator full(make_op(pxl::aggregate_mode::full, none), {});
  aggregate_operator partial(make_op(pxl::aggregate_mode::partial, none), {});
  aggregate_operator final(make_op(pxl::aggregate_mode::final, none), {});
  const auto expected = concat(full.finish());
  auto states = partial.finish();
  ASSERT_EQ(states.size(), 1u);
  ASSERT_EQ(states[0]->num_rows(), 1u);
  const auto got = concat(run(final, states));
  ASSERT_EQ(got.num_rows(), 1u);
  expect_same_rows(expected, got, make_op(pxl::aggregate_mode::full, none), {});
}

// --- malformed states ------------------------------------------------------------------------

// Partial outputs of two parts grouped by `s`; part 2's row of group 'a' gets one state
// replaced by `bad` (aggregate `victim`). The final output must equal a full aggregate over
// every row except part 2's rows of group 'a', with one row counted as malformed.
void check_skips_row(std::size_t victim, const std::string& bad) {
  std::mt19937_64 rng(7);
  const std::vector<std::size_t> groups{0};
  const row_batch all = make_rows(300, rng);
  std::vector<std::uint8_t> first(all.num_rows()), second(all.num_rows()), kept(all.num_rows());
  for (std::size_t r = 0; r < all.num_rows(); ++r) {
    first[r] = r % 2 == 0;
    second[r] = !first[r];
    kept[r] = first[r] || all.columns[0].strings().at(r) != "a";
  }
  auto part_states = [&](const std::vector<std::uint8_t>& mask) {
    row_batch part;
    for (const auto& col : all.columns) part.columns.push_back(col.filter(mask));
    aggregate_operator p(make_op(pxl::aggregate_mode::partial, groups), group_types(groups));
    return concat(run(p, {std::make_shared<row_batch>(part)}));
  };
  row_batch a = part_states(first), b = part_states(second);
  // Rebuild b's victim column with the bad state in group 'a'.
  const std::size_t col = groups.size() + victim;
  column replaced{data_type::string};
  bool hit = false;
  for (std::size_t r = 0; r < b.num_rows(); ++r) {
    const bool is_a = b.columns[0].strings().at(r) == "a";
    hit |= is_a;
    replaced.push_string(is_a ? std::string_view{bad} : b.columns[col].strings().at(r));
  }
  ASSERT_TRUE(hit);
  b.columns[col] = replaced;

  aggregate_operator final(make_op(pxl::aggregate_mode::final, groups), group_types(groups));
  const auto got = concat(run(final, {std::make_shared<row_batch>(b), std::make_shared<row_batch>(a)}));
  EXPECT_EQ(final.malformed_rows(), 1u);
  EXPECT_NE(final.error().find("partial aggregate row(s) skipped"), std::string::npos) << final.error();
  EXPECT_NE(final.error().find(make_op(pxl::aggregate_mode::final, groups).aggregates[victim].output_name),
            std::string::npos)
      << final.error();

  row_batch expected_rows;
  for (const auto& c : all.columns) expected_rows.columns.push_back(c.filter(kept));
  aggregate_operator full(make_op(pxl::aggregate_mode::full, groups), group_types(groups));
  const auto expected = concat(run(full, {std::make_shared<row_batch>(expected_rows)}));
  group_values values;
  collect_values(expected_rows, groups, values);
  expect_same_rows(expected, got, make_op(pxl::aggregate_mode::full, groups), values);
}

std::size_t index_of(std::string_view function, data_type arg) {
  const auto op = make_op(pxl::aggregate_mode::full, {});
  for (std::size_t i = 0; i < op.aggregates.size(); ++i)
    if (op.aggregates[i].function == function && op.aggregates[i].uda->arg == arg) return i;
  ADD_FAILURE() << "no overload " << function;
  return 0;
}

std::string header(std::uint8_t kind, data_type arg) {
  return std::string{static_cast<char>(kind), static_cast<char>(arg)};
}

TEST(malformed_state, empty_string_is_skipped) { check_skips_row(index_of("sum", data_type::int64), ""); }

TEST(malformed_state, truncated_count_is_skipped) {
  check_skips_row(index_of("count", data_type::string), header(1, data_type::unknown) + "abc");
}

TEST(malformed_state, another_udas_state_is_skipped) {
  std::string sum_state = header(2, data_type::int64);
  pxl::state_bytes::put(sum_state, std::int64_t{5});
  check_skips_row(index_of("count", data_type::int64), sum_state);
}

TEST(malformed_state, trailing_bytes_are_skipped) {
  std::string s = header(2, data_type::float64);
  pxl::state_bytes::put(s, 1.5);
  check_skips_row(index_of("sum", data_type::float64), s + "x");
}

TEST(malformed_state, negative_count_is_skipped) {
  std::string s = header(1, data_type::unknown);
  pxl::state_bytes::put(s, std::int64_t{-3});
  check_skips_row(index_of("count", data_type::int64), s);
}

TEST(malformed_state, huge_string_length_is_skipped_without_allocating) {
  std::string s = header(6, data_type::string);
  pxl::state_bytes::put(s, std::uint8_t{1});
  pxl::state_bytes::put(s, std::uint32_t{0xffffffff});
  check_skips_row(index_of("any", data_type::string), s + "abc");
}

TEST(malformed_state, invalid_flags_are_skipped) {
  std::string s = header(5, data_type::int64);  // max
  pxl::state_bytes::put(s, std::uint8_t{2});
  pxl::state_bytes::put(s, std::int64_t{1});
  check_skips_row(index_of("max", data_type::int64), s);
}

// Sketch states: each field that could break an invariant of quantile_sketch.
std::string sketch_state(std::uint8_t mode, std::uint64_t count, const std::string& body) {
  std::string s = header(7, data_type::float64);
  pxl::state_bytes::put(s, mode);
  pxl::state_bytes::put(s, count);
  return s + body;
}

std::string store(std::int32_t min_key, const std::vector<std::uint64_t>& counts, std::uint32_t n) {
  std::string s;
  pxl::state_bytes::put(s, min_key);
  pxl::state_bytes::put(s, n);
  for (auto c : counts) pxl::state_bytes::put(s, c);
  return s;
}

TEST(malformed_state, sketches_breaking_invariants_are_skipped) {
  const std::size_t q = index_of("quantiles", data_type::float64);
  std::string zeros;
  pxl::state_bytes::put(zeros, std::uint64_t{0});
  std::string nan_value;
  pxl::state_bytes::put(nan_value, std::uint32_t{1});
  pxl::state_bytes::put(nan_value, std::nan(""));
  std::string too_many;
  pxl::state_bytes::put(too_many, std::uint32_t{65});
  const std::vector<std::string> bad{
      sketch_state(2, 0, ""),                                                        // mode
      sketch_state(0, 1, nan_value),                                                 // NaN value
      sketch_state(0, 65, too_many + std::string(65 * 8, '\0')),                     // > exact_limit
      sketch_state(1, 5, zeros + store(1, {2, 2}, 2) + store(0, {}, 0)),             // 4 != 5
      sketch_state(1, 4, zeros + store(0, {2, 2}, 2) + store(0, {}, 0)),             // key 0
      sketch_state(1, 4, zeros + store(1 << 30, {2, 2}, 2) + store(0, {}, 0)),       // key too big
      sketch_state(1, 4, zeros + store(1, {2, 2}, 3000000) + store(0, {}, 0)),       // > max_buckets
      sketch_state(1, 4, zeros + store(1, {2, 2}, 1000) + store(0, {}, 0)),          // truncated
      sketch_state(1, 0, zeros + store(1, {~0ULL, 2}, 2) + store(0, {}, 0)),         // overflow
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    check_skips_row(q, bad[i]);
  }
}

TEST(malformed_state, a_batch_of_the_wrong_shape_is_skipped_whole) {
  const std::vector<std::size_t> groups{0};
  aggregate_operator final(make_op(pxl::aggregate_mode::final, groups), group_types(groups));
  auto b = std::make_shared<row_batch>();
  b->columns.emplace_back(data_type::string);
  b->columns.emplace_back(data_type::int64);
  b->columns[0].push_string("a");
  b->columns[1].push_int(1);
  EXPECT_TRUE(final.push(b, 0).empty());
  EXPECT_TRUE(final.finish().empty());
  EXPECT_EQ(final.malformed_rows(), 1u);
  EXPECT_NE(final.error().find("not a partial aggregate's output"), std::string::npos) << final.error();
}

// Random bytes into every UDA's decoder: errors, never a crash (the fuzz-style smoke test;
// run under ASan in the sanitizer build).
TEST(malformed_state, random_bytes_never_crash) {
  std::mt19937_64 rng(11);
  for (const auto& uda : pxl::function_registry::builtin().udas()) {
    auto states = uda.make_states();
    column in{data_type::string};
    for (int i = 0; i < 500; ++i) {
      std::string s(rng() % 40, '\0');
      for (auto& ch : s) ch = static_cast<char>(rng());
      if (i % 2 == 0 && s.size() >= 2) s[0] = static_cast<char>(1 + rng() % 7);  // plausible kind
      in.push_string(s);
    }
    std::vector<std::uint8_t> bad;
    std::string error;
    const std::size_t n = states->deserialize(in, bad, error);
    EXPECT_EQ(bad.size(), 500u);
    EXPECT_EQ(n, static_cast<std::size_t>(std::count(bad.begin(), bad.end(), 1)));
    column out{uda.result};
    states->finalize(out);
    EXPECT_EQ(out.size(), 500u) << uda.name;
  }
}

// Counts are not checked against each other: huge ones from two nodes wrap (as integer sums
// do) rather than overflow.
TEST(malformed_state, huge_counts_from_two_nodes_wrap) {
  const std::vector<std::size_t> none;
  std::string state = header(1, data_type::unknown);
  pxl::state_bytes::put(state, std::numeric_limits<std::int64_t>::max());
  const std::size_t n = index_of("count", data_type::int64);
  const auto op = make_op(pxl::aggregate_mode::final, none);
  // Every other aggregate gets the empty state of a partial over no rows.
  aggregate_operator empty(make_op(pxl::aggregate_mode::partial, none), {});
  const auto empty_states = empty.finish().at(0);
  auto b = std::make_shared<row_batch>();
  for (std::size_t i = 0; i < op.aggregates.size(); ++i) {
    b->columns.emplace_back(data_type::string);
    for (int row = 0; row < 2; ++row)
      if (i == n)
        b->columns[i].push_string(state);
      else
        b->columns[i].push_from(empty_states->columns[i], 0);
  }
  aggregate_operator final(op, {});
  EXPECT_TRUE(final.push(b, 0).empty());
  const auto out = final.finish();
  EXPECT_EQ(final.error(), "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]->columns[n].ints().at(0), -2);
}

// run_plan fails a run whose final aggregate met malformed states (operator_logic::error()).
TEST(malformed_state, run_plan_reports_the_operator_error) {
  schemas::relation states{{{"g", data_type::string, schemas::semantic_type::st_none, ""},
                            {"n", data_type::string, schemas::semantic_type::st_none, ""}}};
  auto b = std::make_shared<row_batch>(schemas::make_empty_batch(states));
  b->columns[0].push_string("a");
  b->columns[1].push_string("garbage");
  exec::table_provider tables;
  tables.emplace("states", exec::stored_table{states, {b}});

  pxl::plan p;
  p.nodes.push_back({1, {}, pxl::memory_source_op{"states", std::nullopt, std::nullopt, {"g", "n"}}, states, {}});
  pxl::aggregate_op agg;
  agg.mode = pxl::aggregate_mode::final;
  agg.group_names = {"g"};
  agg.groups = {0};
  pxl::aggregate_expr count;
  count.output_name = "n";
  count.function = "count";
  count.arg = pxl::expression::column_ref("n", {});
  count.arg.column_index = 1;
  count.arg.type = data_type::string;
  count.uda = pxl::function_registry::builtin().find_uda("count", data_type::string);
  agg.aggregates.push_back(count);
  schemas::relation out{{states.columns[0], {"n", data_type::int64, schemas::semantic_type::st_none, ""}}};
  p.nodes.push_back({2, {1}, agg, out, {}});
  p.nodes.push_back({3, {2}, pxl::result_sink_op{"out"}, out, {}});
  auto r = run_plan(p, tables);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("node #2: 1 partial aggregate row(s) skipped"), std::string::npos) << r.error;
}

TEST(partial_aggregate_relation, groups_then_string_states_named_like_the_aggregates) {
  const auto op = make_op(pxl::aggregate_mode::partial, {3, 0});
  const auto rel = pxl::partial_aggregate_relation(op, input_relation());
  ASSERT_EQ(rel.columns.size(), 2 + op.aggregates.size());
  EXPECT_EQ(rel.columns[0].name, "u");
  EXPECT_EQ(rel.columns[0].type, data_type::uint128);
  EXPECT_EQ(rel.columns[0].semantic, schemas::semantic_type::st_upid);
  EXPECT_EQ(rel.columns[1].name, "s");
  for (std::size_t i = 0; i < op.aggregates.size(); ++i) {
    EXPECT_EQ(rel.columns[2 + i].name, op.aggregates[i].output_name);
    EXPECT_EQ(rel.columns[2 + i].type, data_type::string);
  }
}

}  // namespace
}  // namespace wisp::exec
