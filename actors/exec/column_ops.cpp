#include "actors/exec/column_ops.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <functional>
#include <string_view>

namespace wisp::exec {

namespace {

using schemas::data_type;

// splitmix64's finalizer: spreads integer keys (often small and sequential) over all bits.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t hash_float(double v) {
  if (v == 0) v = 0;                                      // -0.0 == 0.0
  if (std::isnan(v)) v = std::numeric_limits<double>::quiet_NaN();  // one NaN
  return mix(std::bit_cast<std::uint64_t>(v));
}

// Hashes of one column for every row of the batch (one type switch per column).
void hash_column(const schemas::column& c, std::vector<std::uint64_t>& h) {
  auto combine = [&](std::size_t r, std::uint64_t x) { h[r] = mix(h[r] ^ x) + 0x9e3779b97f4a7c15ULL; };
  const std::size_t n = h.size();
  switch (c.type()) {
    case data_type::boolean:
      for (std::size_t r = 0; r < n; ++r) combine(r, mix(c.bools()[r]));
      return;
    case data_type::int64:
    case data_type::time64ns:
      for (std::size_t r = 0; r < n; ++r) combine(r, mix(static_cast<std::uint64_t>(c.ints()[r])));
      return;
    case data_type::float64:
      for (std::size_t r = 0; r < n; ++r) combine(r, hash_float(c.floats()[r]));
      return;
    case data_type::uint128:
      for (std::size_t r = 0; r < n; ++r) {
        const auto& v = c.uint128s()[r];
        combine(r, mix(v.high ^ mix(v.low)));
      }
      return;
    case data_type::string: {
      const auto& s = c.strings();
      for (std::size_t r = 0; r < n; ++r) combine(r, std::hash<std::string_view>{}(s.at(r)));
      return;
    }
    case data_type::unknown: return;
  }
}

bool cell_equal(const schemas::column& a, std::size_t ar, const schemas::column& b, std::size_t br,
                nan_rule nans) {
  switch (a.type()) {
    case data_type::boolean: return a.bools()[ar] == b.bools()[br];
    case data_type::int64:
    case data_type::time64ns: return a.ints()[ar] == b.ints()[br];
    case data_type::float64: {
      const double x = a.floats()[ar], y = b.floats()[br];
      return x == y || (nans == nan_rule::one_group && std::isnan(x) && std::isnan(y));
    }
    case data_type::uint128: return a.uint128s()[ar] == b.uint128s()[br];
    case data_type::string: return a.strings().at(ar) == b.strings().at(br);
    case data_type::unknown: break;
  }
  return false;
}

}  // namespace

void append_rows(schemas::column& dst, const schemas::column& src, std::size_t begin,
                 std::size_t count) {
  switch (src.type()) {
    case data_type::boolean: {
      const auto& v = src.bools();
      dst.bools().insert(dst.bools().end(), v.begin() + begin, v.begin() + begin + count);
      return;
    }
    case data_type::int64:
    case data_type::time64ns: {
      const auto& v = src.ints();
      dst.ints().insert(dst.ints().end(), v.begin() + begin, v.begin() + begin + count);
      return;
    }
    case data_type::float64: {
      const auto& v = src.floats();
      dst.floats().insert(dst.floats().end(), v.begin() + begin, v.begin() + begin + count);
      return;
    }
    case data_type::uint128: {
      const auto& v = src.uint128s();
      dst.uint128s().insert(dst.uint128s().end(), v.begin() + begin, v.begin() + begin + count);
      return;
    }
    case data_type::string: {
      const auto& s = src.strings();
      for (std::size_t i = begin; i < begin + count; ++i) dst.strings().push_back(s.at(i));
      return;
    }
    case data_type::unknown: return;
  }
}

void push_zero(schemas::column& dst) {
  switch (dst.type()) {
    case data_type::boolean: dst.push_bool(false); return;
    case data_type::int64:
    case data_type::time64ns: dst.push_int(0); return;
    case data_type::float64: dst.push_float(0); return;
    case data_type::uint128: dst.push_uint128({}); return;
    case data_type::string: dst.push_string({}); return;
    case data_type::unknown: return;
  }
}

void hash_rows(const schemas::row_batch& b, const std::vector<std::size_t>& keys,
               std::vector<std::uint64_t>& out) {
  out.assign(b.num_rows(), 0x9e3779b97f4a7c15ULL);
  for (auto k : keys) hash_column(b.columns[k], out);
}

bool keys_equal(const schemas::row_batch& a, const std::vector<std::size_t>& a_keys, std::size_t ar,
                const schemas::row_batch& b, const std::vector<std::size_t>& b_keys, std::size_t br,
                nan_rule nans) {
  for (std::size_t i = 0; i < a_keys.size(); ++i)
    if (!cell_equal(a.columns[a_keys[i]], ar, b.columns[b_keys[i]], br, nans)) return false;
  return true;
}

}  // namespace wisp::exec
