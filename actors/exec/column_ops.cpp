#include "actors/exec/column_ops.hpp"

#include <bit>
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

std::uint64_t hash_cell(const schemas::column& c, std::size_t row) {
  switch (c.type()) {
    case data_type::boolean: return mix(c.bools()[row]);
    case data_type::int64:
    case data_type::time64ns: return mix(static_cast<std::uint64_t>(c.ints()[row]));
    case data_type::float64: {
      double v = c.floats()[row];
      if (v == 0) v = 0;  // -0.0 == 0.0
      return mix(std::bit_cast<std::uint64_t>(v));
    }
    case data_type::uint128: {
      const auto& v = c.uint128s()[row];
      return mix(v.high ^ mix(v.low));
    }
    case data_type::string: return std::hash<std::string_view>{}(c.strings().at(row));
    case data_type::unknown: break;
  }
  return 0;
}

bool cell_equal(const schemas::column& a, std::size_t ar, const schemas::column& b, std::size_t br) {
  switch (a.type()) {
    case data_type::boolean: return a.bools()[ar] == b.bools()[br];
    case data_type::int64:
    case data_type::time64ns: return a.ints()[ar] == b.ints()[br];
    case data_type::float64: return a.floats()[ar] == b.floats()[br];
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

std::uint64_t hash_row(const schemas::row_batch& b, const std::vector<std::size_t>& keys,
                       std::size_t row) {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (auto k : keys) h = mix(h ^ hash_cell(b.columns[k], row)) + 0x9e3779b97f4a7c15ULL;
  return h;
}

bool keys_equal(const schemas::row_batch& a, const std::vector<std::size_t>& a_keys, std::size_t ar,
                const schemas::row_batch& b, const std::vector<std::size_t>& b_keys, std::size_t br) {
  for (std::size_t i = 0; i < a_keys.size(); ++i)
    if (!cell_equal(a.columns[a_keys[i]], ar, b.columns[b_keys[i]], br)) return false;
  return true;
}

}  // namespace wisp::exec
