#include "actors/exec/column_ops.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
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

// The two halves of a 64x64-bit product, folded: one multiply mixes 64 bits of input.
std::uint64_t fold(std::uint64_t a, std::uint64_t b) {
  const auto m = static_cast<unsigned __int128>(a) * b;
  return static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64);
}

// A string's hash, 16 bytes per step with overlapping loads for the tail (strings that are
// group or join keys are mostly short: paths, methods, names).
std::uint64_t hash_bytes(std::string_view s) {
  constexpr std::uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL;
  const char* p = s.data();
  std::size_t n = s.size();
  std::uint64_t h = k0 ^ n;
  for (; n > 16; p += 16, n -= 16) h = fold(detail::load64(p) ^ k1, detail::load64(p + 8) ^ h);
  std::uint64_t a = 0, b = 0;
  if (n >= 8) {
    a = detail::load64(p);
    b = detail::load64(p + n - 8);
  } else if (n >= 4) {
    a = detail::load32(p);
    b = detail::load32(p + n - 4);
  } else if (n > 0) {
    a = static_cast<std::uint64_t>(static_cast<unsigned char>(p[0])) << 16 |
        static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8 |
        static_cast<unsigned char>(p[n - 1]);
  }
  return fold(a ^ k1, b ^ h);
}

std::uint64_t hash_float(double v) {
  if (v == 0) v = 0;                                      // -0.0 == 0.0
  if (std::isnan(v)) v = std::numeric_limits<double>::quiet_NaN();  // one NaN
  return mix(std::bit_cast<std::uint64_t>(v));
}

constexpr std::uint64_t hash_seed = 0x9e3779b97f4a7c15ULL;

// Folds one column into the hashes of rows first, first + 1, ... (h[0], h[1], ...): one type
// switch per column, then a typed loop.
void hash_column(const schemas::column& c, std::size_t first, std::span<std::uint64_t> h) {
  auto combine = [&](std::size_t i, std::uint64_t x) { h[i] = mix(h[i] ^ x) + hash_seed; };
  const std::size_t n = h.size();
  switch (c.type()) {
    case data_type::boolean: {
      const auto& v = c.bools();
      for (std::size_t i = 0; i < n; ++i) combine(i, mix(v[first + i]));
      return;
    }
    case data_type::int64:
    case data_type::time64ns: {
      const auto& v = c.ints();
      for (std::size_t i = 0; i < n; ++i) combine(i, mix(static_cast<std::uint64_t>(v[first + i])));
      return;
    }
    case data_type::float64: {
      const auto& v = c.floats();
      for (std::size_t i = 0; i < n; ++i) combine(i, hash_float(v[first + i]));
      return;
    }
    case data_type::uint128: {
      const auto& v = c.uint128s();
      for (std::size_t i = 0; i < n; ++i)
        combine(i, mix(v[first + i].high ^ mix(v[first + i].low)));
      return;
    }
    case data_type::string: {
      const auto& s = c.strings();
      for (std::size_t i = 0; i < n; ++i) combine(i, hash_bytes(s.at(first + i)));
      return;
    }
    case data_type::unknown: return;
  }
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
  out.assign(b.num_rows(), hash_seed);
  for (auto k : keys) hash_column(b.columns[k], 0, out);
}

std::uint64_t hash_row(const schemas::row_batch& b, const std::vector<std::size_t>& keys,
                       std::size_t row) {
  std::uint64_t h = hash_seed;
  for (auto k : keys) hash_column(b.columns[k], row, {&h, 1});
  return h;
}

key_view::key_view(const schemas::row_batch& b, const std::vector<std::size_t>& keys) {
  columns.reserve(keys.size());
  for (auto k : keys) {
    const auto& c = b.columns[k];
    key_column kc{c.type(), nullptr, nullptr};
    switch (c.type()) {
      case data_type::boolean: kc.values = c.bools().data(); break;
      case data_type::int64:
      case data_type::time64ns: kc.values = c.ints().data(); break;
      case data_type::float64: kc.values = c.floats().data(); break;
      case data_type::uint128: kc.values = c.uint128s().data(); break;
      case data_type::string:
        kc.values = c.strings().bytes().data();
        kc.offsets = c.strings().offsets().data();
        break;
      case data_type::unknown: break;
    }
    columns.push_back(kc);
  }
}

}  // namespace wisp::exec
