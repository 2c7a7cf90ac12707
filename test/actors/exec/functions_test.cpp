// Edge cases of the function catalogue that golden files cannot express: NaN and infinities,
// hostile inputs (deep JSON, long regex subjects), quantile accuracy and merging, semantic casts.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "actors/exec/evaluator.hpp"
#include "exec_test_util.hpp"
#include "pxl/functions.hpp"
#include "pxl/json.hpp"
#include "pxl/quantiles.hpp"

namespace wisp::exec {
namespace {

using pxl::scalar;
using schemas::data_type;
using schemas::semantic_type;

// Calls a registry function on constants, as the compiler's folding does.
schemas::column call(std::string_view name, std::vector<scalar> args) {
  std::vector<data_type> types;
  for (const auto& a : args) types.push_back(a.type);
  const auto* f = pxl::function_registry::builtin().find_udf(name, types);
  EXPECT_NE(f, nullptr) << name;
  schemas::column out{f ? f->result : data_type::unknown};
  if (f == nullptr) return out;
  std::vector<pxl::kernel_arg> k;
  for (const auto& a : args) k.push_back({nullptr, &a});
  f->kernel(k, 1, out);
  return out;
}
std::string call_s(std::string_view name, std::vector<scalar> args) {
  return std::string{call(name, std::move(args)).strings().at(0)};
}
std::int64_t call_i(std::string_view name, std::vector<scalar> args) {
  return call(name, std::move(args)).ints().at(0);
}
double call_f(std::string_view name, std::vector<scalar> args) {
  return call(name, std::move(args)).floats().at(0);
}
scalar s(std::string v) { return scalar::of_string(std::move(v)); }
scalar i(std::int64_t v) { return scalar::of_int(v); }
scalar f(double v) { return scalar::of_float(v); }

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

TEST(functions, nan_and_infinities_never_crash) {
  EXPECT_TRUE(std::isnan(call_f("sqrt", {f(-1)})));
  EXPECT_TRUE(std::isnan(call_f("log", {f(-1), f(2)})));
  EXPECT_EQ(call_i("floor", {f(nan)}), 0);
  EXPECT_EQ(call_i("ceil", {f(inf)}), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(call_i("floor", {f(-inf)}), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(call_i("bin", {f(nan), i(10)}), 0);
  EXPECT_EQ(call_s("round", {f(nan), i(2)}), "nan");
  EXPECT_EQ(call_s("round", {f(1.005), i(1000)}).size(), 32u);  // decimals clamped to 30
  EXPECT_EQ(call_i("abs", {i(std::numeric_limits<std::int64_t>::min())}),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(call_i("bin", {i(17), i(0)}), 17);
  EXPECT_NEAR(call_f("log10", {i(1000)}), 3.0, 1e-12);
  EXPECT_NEAR(call_f("log", {i(3), i(81)}), 4.0, 1e-12);
}

TEST(functions, empty_strings) {
  EXPECT_EQ(call_i("length", {s("")}), 0);
  EXPECT_EQ(call_i("find", {s(""), s("")}), 0);
  EXPECT_EQ(call_i("find", {s(""), s("x")}), -1);
  EXPECT_EQ(call_s("substring", {s(""), i(0), i(5)}), "");
  EXPECT_EQ(call_s("substring", {s("abc"), i(3), i(5)}), "");
  EXPECT_EQ(call_s("trim", {s(" \t\n ")}), "");
  EXPECT_EQ(call_s("strip_prefix", {s(""), s("abc")}), "abc");
  EXPECT_EQ(call_i("atoi", {s(""), i(-1)}), -1);
  EXPECT_EQ(call_i("atoi", {s("99999999999999999999"), i(-1)}), -1);
  EXPECT_EQ(call_s("split", {s(""), s(",")}), "[\"\"]");
  EXPECT_EQ(call_s("split", {s("ab"), s("")}), "[\"a\",\"b\"]");
  EXPECT_EQ(call_s("pluck", {s(""), s("a")}), "");
  EXPECT_EQ(call_s("hex_to_ascii", {s("")}), "");
  EXPECT_TRUE(call("regex_match", {s(""), s("")}).bools().at(0));
}

TEST(functions, invalid_json_gives_empty_or_zero) {
  for (std::string doc : {"", "{", "{\"a\":}", "{\"a\":1,}", "[1,2", "{\"a\":01}", "nul",
                          "{\"a\":\"\\x\"}", "{\"a\":1} trailing", "{'a':1}"}) {
    SCOPED_TRACE(doc);
    EXPECT_EQ(call_s("pluck", {s(doc), s("a")}), "");
    EXPECT_EQ(call_i("pluck_int64", {s(doc), s("a")}), 0);
    EXPECT_EQ(call_f("pluck_float64", {s(doc), s("a")}), 0.0);
    EXPECT_EQ(call_s("pluck_array", {s(doc), i(0)}), "");
  }
  // Deeper than json::max_depth: rejected, not a stack overflow.
  std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(call_s("pluck", {s(deep), s("a")}), "");
  std::string ok_depth = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(call_s("pluck", {s(ok_depth), s("a")}).size(), 200u);
}

TEST(functions, json_strings_decode_escapes) {
  EXPECT_EQ(call_s("pluck", {s(R"({"a":"\ud83d\ude00 \"q\" \n"})"), s("a")}), "\xF0\x9F\x98\x80 \"q\" \n");
  EXPECT_EQ(call_s("pluck", {s(R"({"a\u0062":"x"})"), s("ab")}), "x");
  EXPECT_EQ(call_i("pluck_int64", {s(R"({"a":1e30})"), s("a")}),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(call_i("pluck_int64", {s(R"({"a":-3.9})"), s("a")}), -3);
}

TEST(functions, regex_is_safe_on_long_inputs) {
  std::string long_subject(1 << 20, 'a');
  EXPECT_FALSE(call("regex_match", {s("(a|b)*c"), s(long_subject)}).bools().at(0));
  EXPECT_TRUE(call("regex_match", {s("(a|b)*"), s(long_subject)}).bools().at(0));
  EXPECT_EQ(call_s("replace", {s("a+"), s(long_subject), s("x")}), "x");
  // A pattern that is not a literal cannot be checked at compile time: the row says why.
  EXPECT_TRUE(call_s("replace", {s("("), s("abc"), s("x")}).starts_with("Invalid regex expr"));
  EXPECT_FALSE(call("regex_match", {s(std::string(5000, 'a')), s("a")}).bools().at(0));
  EXPECT_EQ(call_s("replace", {s("(b)"), s("abc"), s(R"(\2)")}).substr(0, 13), "Invalid regex");
  // RE2's dot_nl for regex_match: '.' matches a newline.
  EXPECT_TRUE(call("regex_match", {s("a.b"), s("a\nb")}).bools().at(0));
  EXPECT_FALSE(call("regex_match", {s("a[.]b"), s("a\nb")}).bools().at(0));
}

TEST(functions, literal_regex_errors_are_located_compile_errors) {
  pxl::compile_options o;
  o.tables.find = [](std::string_view) { return testing::tiny_relation(); };
  auto r = pxl::compile("import px\ndf = px.DataFrame('tiny')\ndf.m = px.regex_match('a(', df.service)\n", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].line, 3);
  EXPECT_EQ(r.diagnostics[0].col, 23);
}

TEST(functions, wrong_argument_type_lists_signatures) {
  pxl::compile_options o;
  o.tables.find = [](std::string_view) { return testing::tiny_relation(); };
  auto r = pxl::compile("import px\ndf = px.DataFrame('tiny')\ndf.m = px.substring(df.service, 1, 'x')\n", o);
  ASSERT_FALSE(r.ok());
  const auto& d = r.diagnostics[0];
  EXPECT_EQ(d.line, 3);
  EXPECT_EQ(d.col, 36);
  EXPECT_NE(d.message.find("argument 3 must be INT64"), std::string::npos) << d.message;
  EXPECT_NE(d.hint.find("substring(STRING, INT64, INT64) -> STRING"), std::string::npos) << d.hint;
}

TEST(functions, uri_and_pii_functions_survive_hostile_input) {
  // Malformed URIs give "" (or the parts RFC 3986's splitting finds), never a crash.
  EXPECT_EQ(call_s("uri_parse", {s("http://[::1")}), "");
  EXPECT_EQ(call_s("uri_parse", {s("http://h:99999/")}), "");
  EXPECT_EQ(call_s("uri_parse", {s("1http://x")}), "");
  EXPECT_EQ(call_s("uri_parse", {s("http://h:/p")}), R"({"scheme":"http","host":"h","path":"/p"})");
  EXPECT_TRUE(call_s("uri_parse", {s(std::string{"\0\xff\"?#", 5})}).starts_with(R"({"path":")"));
  EXPECT_EQ(call_s("uri_recompose", {s(""), s(""), s(""), i(-5), s(""), s(""), s("")}), "");
  // A megabyte of digits, dots and colons: linear, and nothing is redacted that should not be.
  std::string digits(1 << 20, '7');
  EXPECT_EQ(call_s("redact_pii_best_effort", {s(digits)}), digits);
  std::string colons;
  for (int k = 0; k < 100000; ++k) colons += "1:";
  EXPECT_EQ(call_s("redact_pii_best_effort", {s(colons)}), colons);
  std::string ats(100000, '@');
  EXPECT_EQ(call_s("redact_pii_best_effort", {s(ats)}), ats);
  EXPECT_EQ(call_s("redact_pii_best_effort", {s("a@b.c x@y")}), "<REDACTED_EMAIL> x@y");
  EXPECT_EQ(call_s("redact_pii_best_effort", {s("10.0.0.256 10.0.0.255")}), "10.0.0.256 <REDACTED_IPV4>");
  EXPECT_EQ(call_s("redact_pii_best_effort", {s("")}), "");
}

TEST(functions, casts_change_the_semantic_type_not_the_data) {
  auto p = testing::compile_tiny(
      "import px\ndf = px.DataFrame('tiny')\ndf.d = px.DurationNanos(df.bytes)\n"
      "df = df.groupby('service').agg(q=('d', px.quantiles))\npx.display(df)\n");
  const auto& map = std::get<pxl::map_op>(testing::first_node<pxl::map_op>(p).op);
  const auto& d = map.exprs.back();
  EXPECT_EQ(d.name, "d");
  EXPECT_EQ(d.expr.kind, pxl::expression_kind::column);  // no call left to run
  EXPECT_EQ(d.expr.semantic, semantic_type::st_duration_ns);
  const auto& agg = testing::first_node<pxl::aggregate_op>(p);
  EXPECT_EQ(agg.output.columns.back().semantic, semantic_type::st_duration_ns_quantiles);
}

std::vector<double> sorted(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Within the documented bound of the order statistic of rank floor(q (n - 1)).
void expect_accurate(const pxl::quantile_sketch& sk, const std::vector<double>& values) {
  auto v = sorted(values);
  for (double q : {0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0}) {
    double exact = v[static_cast<std::size_t>(std::floor(q * static_cast<double>(v.size() - 1)))];
    double got = sk.quantile(q);
    EXPECT_LE(std::fabs(got - exact), pxl::quantile_sketch::relative_accuracy * std::fabs(exact) + 1e-12)
        << "q=" << q << " exact=" << exact << " got=" << got;
  }
}

TEST(quantiles, accuracy_on_known_distributions) {
  std::mt19937_64 rng{42};
  std::vector<std::vector<double>> cases;
  std::vector<double> uniform;
  for (int k = 1; k <= 100000; ++k) uniform.push_back(k);
  cases.push_back(uniform);
  std::lognormal_distribution<double> lognormal{13.0, 2.0};  // latency-like, ns
  std::vector<double> latencies;
  for (int k = 0; k < 50000; ++k) latencies.push_back(lognormal(rng));
  cases.push_back(latencies);
  std::normal_distribution<double> normal{0.0, 100.0};  // both signs, values near 0
  std::vector<double> signed_values;
  for (int k = 0; k < 50000; ++k) signed_values.push_back(normal(rng));
  cases.push_back(signed_values);
  for (const auto& values : cases) {
    pxl::quantile_sketch sk;
    for (double x : values) sk.add(x);
    EXPECT_EQ(sk.count(), values.size());
    expect_accurate(sk, values);
    EXPECT_LE(sk.memory_bytes(), pxl::quantile_sketch::max_buckets * sizeof(std::uint64_t) * 4);
  }
}

TEST(quantiles, exact_for_small_groups_and_nan_ignored) {
  pxl::quantile_sketch sk;
  for (double x : {4.0, 1.0, 3.0, 2.0, nan}) sk.add(x);
  EXPECT_EQ(sk.count(), 4u);
  EXPECT_EQ(sk.quantile(0.5), 2.5);
  EXPECT_EQ(sk.quantile(0), 1.0);
  EXPECT_EQ(sk.quantile(1), 4.0);
  EXPECT_TRUE(std::isnan(pxl::quantile_sketch{}.quantile(0.5)));
}

TEST(quantiles, memory_is_bounded_for_extreme_ranges) {
  pxl::quantile_sketch sk;
  for (int e = -300; e <= 300; ++e)
    for (int k = 0; k < 10; ++k) sk.add(std::pow(10.0, e) * (1 + k));
  sk.add(inf);
  sk.add(-inf);
  EXPECT_LE(sk.memory_bytes(), pxl::quantile_sketch::max_buckets * sizeof(std::uint64_t) * 4);
  EXPECT_GT(sk.quantile(0.99), 1e290);  // the top of the range keeps its accuracy
}

TEST(quantiles, merged_partial_states_equal_one_pass) {
  std::mt19937_64 rng{7};
  std::exponential_distribution<double> dist{1e-6};
  for (std::size_t n : {10u, 64u, 65u, 100u, 20000u}) {
    std::vector<double> values;
    for (std::size_t k = 0; k < n; ++k) values.push_back(dist(rng));
    pxl::quantile_sketch whole;
    for (double x : values) whole.add(x);
    // Three parts of uneven sizes, merged in two different orders.
    pxl::quantile_sketch parts[3];
    for (std::size_t k = 0; k < n; ++k) parts[k % 7 == 0 ? 0 : (k % 3 == 0 ? 1 : 2)].add(values[k]);
    pxl::quantile_sketch a = parts[0], b = parts[2];
    a.merge(parts[1]);
    a.merge(parts[2]);
    b.merge(parts[0]);
    b.merge(parts[1]);
    EXPECT_EQ(a.to_json(), whole.to_json()) << n;
    EXPECT_EQ(b.to_json(), whole.to_json()) << n;
    EXPECT_EQ(a.count(), n);
  }
}

TEST(quantiles, uda_states_merge_like_one_pass) {
  const auto* uda = pxl::function_registry::builtin().find_uda("quantiles", data_type::int64);
  ASSERT_NE(uda, nullptr);
  schemas::column values{data_type::int64};
  std::vector<std::uint32_t> groups;
  for (std::int64_t k = 0; k < 1000; ++k) {
    values.push_int(k * k);
    groups.push_back(static_cast<std::uint32_t>(k % 2));
  }
  auto whole = uda->make_states();
  whole->resize(2);
  whole->update(groups, values);
  // Two partial aggregates of the halves, merged into a third with the groups swapped.
  auto first = uda->make_states(), second = uda->make_states(), merged = uda->make_states();
  first->resize(2);
  second->resize(2);
  merged->resize(2);
  first->update(std::span{groups}.first(500), values.slice(0, 500));
  second->update(std::span{groups}.subspan(500), values.slice(500, 500));
  std::vector<std::uint32_t> same{0, 1};
  merged->merge(*first, same);
  merged->merge(*second, same);
  schemas::column a{data_type::string}, b{data_type::string};
  whole->finalize(a);
  merged->finalize(b);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a.strings().at(0), b.strings().at(0));
  EXPECT_EQ(a.strings().at(1), b.strings().at(1));
}

TEST(functions, any_merge_keeps_a_seen_value) {
  const auto* uda = pxl::function_registry::builtin().find_uda("any", data_type::string);
  ASSERT_NE(uda, nullptr);
  schemas::column v{data_type::string};
  v.push_string("x");
  auto a = uda->make_states(), b = uda->make_states();
  a->resize(2);
  b->resize(2);
  std::vector<std::uint32_t> g{1};
  b->update(g, v);
  std::vector<std::uint32_t> target{0, 1};
  a->merge(*b, target);
  schemas::column out{data_type::string};
  a->finalize(out);
  EXPECT_EQ(out.strings().at(0), "");
  EXPECT_EQ(out.strings().at(1), "x");
}

}  // namespace
}  // namespace wisp::exec
