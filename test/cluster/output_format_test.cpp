// The CLI's result formats: json and csv carry every value exactly, the table shows a view of it.
#include "cluster/output_format.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

using namespace wisp;
using namespace wisp::cluster;

namespace {

result_table floats(std::vector<double> values) {
  schemas::relation rel{{{"latency_ms", schemas::data_type::float64, schemas::semantic_type::st_none, ""}}};
  auto b = schemas::make_empty_batch(rel);
  for (double v : values) b.columns[0].push_float(v);
  result_table t{"t", rel, {}};
  t.batches.push_back(std::move(b));
  return t;
}

std::string rendered(const result_table& t, output_format f) {
  std::ostringstream out;
  render(out, t, f);
  return out.str();
}

// 1312857 ns / 1e6, as px/http_data computes latency_ms: seven significant digits.
TEST(output_format, json_and_csv_carry_floats_exactly) {
  const auto t = floats({1312857 / 1e6, 0.1 + 0.2, 2.0, 1e21});
  EXPECT_EQ(rendered(t, output_format::json),
            "{\"_tableName_\":\"t\",\"latency_ms\":1.312857}\n"
            "{\"_tableName_\":\"t\",\"latency_ms\":0.30000000000000004}\n"
            "{\"_tableName_\":\"t\",\"latency_ms\":2}\n"
            "{\"_tableName_\":\"t\",\"latency_ms\":1e+21}\n");
  const auto csv = rendered(t, output_format::csv);
  EXPECT_NE(csv.find("\n1.312857\n0.30000000000000004\n2\n1e+21\n"), std::string::npos) << csv;
}

TEST(output_format, non_finite_floats_are_json_strings) {
  const auto t = floats({std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::quiet_NaN(),
                         std::numeric_limits<double>::infinity()});
  const auto json = rendered(t, output_format::json);
  EXPECT_NE(json.find("\"latency_ms\":\"nan\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"latency_ms\":\"-nan\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"latency_ms\":\"inf\""), std::string::npos) << json;
}

TEST(output_format, the_table_shows_six_significant_digits) {
  const auto table = rendered(floats({1312857 / 1e6}), output_format::table);
  EXPECT_NE(table.find("1.31286"), std::string::npos) << table;
  EXPECT_EQ(table.find("1.312857"), std::string::npos) << table;
}

}  // namespace
