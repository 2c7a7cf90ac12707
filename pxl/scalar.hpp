#pragma once
// A single typed value: PxL literals in plans and constant arguments of UDF kernels.

#include <cstdint>
#include <string>
#include <variant>

#include "schemas/types.hpp"

namespace wisp::pxl {

struct scalar {
  schemas::data_type type = schemas::data_type::unknown;
  /// bool for BOOLEAN, int64 for INT64 and TIME64NS, double, string, uint128.
  std::variant<bool, std::int64_t, double, std::string, schemas::uint128> value;

  static scalar of_bool(bool v) { return {schemas::data_type::boolean, v}; }
  static scalar of_int(std::int64_t v) { return {schemas::data_type::int64, v}; }
  static scalar of_time(std::int64_t v) { return {schemas::data_type::time64ns, v}; }
  static scalar of_float(double v) { return {schemas::data_type::float64, v}; }
  static scalar of_string(std::string v) { return {schemas::data_type::string, std::move(v)}; }
  friend bool operator==(const scalar&, const scalar&) = default;
};

/// Python-like rendering: 1, 2.5, 'abc', True.
std::string to_string(const scalar& s);

}  // namespace wisp::pxl
