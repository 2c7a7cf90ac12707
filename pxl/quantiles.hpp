#pragma once
// The state of px.quantiles: a mergeable quantile sketch with bounded memory.
//
// Up to exact_limit values are kept as they are and quantiles are exact (linear interpolation
// between the two nearest order statistics, like numpy's default). Beyond that the values go
// into a logarithmic histogram (the DDSketch construction): bucket k holds the values in
// (gamma^(k-1), gamma^k] with gamma = (1 + a) / (1 - a), a = relative_accuracy, mirrored for
// negative values (a second histogram of magnitudes), plus one bucket for |v| < min_magnitude. A quantile q is then answered with
// the representative of the bucket holding the order statistic of rank floor(q * (n - 1)), so
// it is within a relative error of `relative_accuracy` (1%) of that value.
//
// Memory: at most max_buckets counters per sign. When the magnitudes of one sign span more
// buckets than that (a ratio above gamma^max_buckets, about 1e18, between the largest and the
// smallest), the smallest magnitudes are folded into the smallest kept bucket and only the
// quantiles that fall there lose their accuracy.
//
// Merging is exact: the state after merging partial sketches equals the state of one sketch
// that saw all the values, whatever the order (bucket counts add; folding always goes to the
// bucket max_key - max_buckets + 1). NaN values are ignored. Not thread-safe; one owner.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wisp::pxl {

class quantile_sketch {
 public:
  static constexpr double relative_accuracy = 0.01;
  static constexpr std::size_t exact_limit = 64;
  static constexpr std::size_t max_buckets = 2048;
  static constexpr double min_magnitude = 1e-9;

  void add(double v);
  void merge(const quantile_sketch& other);
  /// The q-quantile (0 <= q <= 1); NaN when no value was added.
  double quantile(double q) const;
  std::uint64_t count() const { return count_; }
  /// Bytes held by the sketch's buffers.
  std::size_t memory_bytes() const;

  /// {"p01":..,"p10":..,"p25":..,"p50":..,"p75":..,"p90":..,"p99":..}; values are null when
  /// the sketch is empty.
  std::string to_json() const;

  /// Appends the sketch's exact state (little-endian): a mode byte, the count, then the exact
  /// values (exact mode) or the zero count and both stores (min key, bucket count, counts).
  /// deserialize(serialize(s)) merges and answers exactly like s.
  void serialize(std::string& out) const;
  /// The sketch `bytes` holds (all of them), or nullopt and the reason in `why` when they are
  /// not one serialize() could write: a wrong mode, a short or long input, more values or
  /// buckets than the limits, keys out of range, NaN values, counts that do not add up.
  static std::optional<quantile_sketch> deserialize(std::string_view bytes, std::string& why);

 private:
  // Counts by magnitude key (>= 1) for one sign: counts[i] is key min_key + i.
  struct store {
    std::int32_t min_key = 0;
    std::vector<std::uint64_t> counts;
    void add(std::int32_t key, std::uint64_t n);
    void add(const store& other);
  };
  void to_buckets();
  void add_to_buckets(double v);
  static std::int32_t key_of(double magnitude);
  static double value_of(std::int32_t key);

  bool exact_mode_ = true;
  std::uint64_t count_ = 0;
  std::vector<double> exact_;  // exact mode
  store positive_, negative_;  // sketch mode
  std::uint64_t zeros_ = 0;    // sketch mode: |v| < min_magnitude
};

}  // namespace wisp::pxl
