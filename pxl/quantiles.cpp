#include "pxl/quantiles.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "pxl/json.hpp"
#include "pxl/state_bytes.hpp"

namespace wisp::pxl {

namespace {

const double gamma_ = (1 + quantile_sketch::relative_accuracy) / (1 - quantile_sketch::relative_accuracy);
const double log_gamma = std::log(gamma_);
// Index of the bucket of min_magnitude; positive keys count from it.
const std::int32_t min_index =
    static_cast<std::int32_t>(std::ceil(std::log(quantile_sketch::min_magnitude) / log_gamma));

struct quantile_key {
  const char* name;
  double q;
};
constexpr quantile_key reported[] = {{"p01", 0.01}, {"p10", 0.10}, {"p25", 0.25}, {"p50", 0.50},
                                     {"p75", 0.75}, {"p90", 0.90}, {"p99", 0.99}};

}  // namespace

std::int32_t quantile_sketch::key_of(double magnitude) {
  double m = std::min(magnitude, std::numeric_limits<double>::max());
  auto index = static_cast<std::int32_t>(std::ceil(std::log(m) / log_gamma));
  return std::max(index - min_index + 1, 1);
}

double quantile_sketch::value_of(std::int32_t key) {
  return 2 * std::pow(gamma_, key + min_index - 1) / (gamma_ + 1);
}

void quantile_sketch::add(double v) {
  if (std::isnan(v)) return;
  ++count_;
  if (exact_mode_) {
    exact_.push_back(v);
    if (exact_.size() > exact_limit) to_buckets();
    return;
  }
  add_to_buckets(v);
}

void quantile_sketch::add_to_buckets(double v) {
  double m = std::fabs(v);
  if (m < min_magnitude)
    ++zeros_;
  else
    (v < 0 ? negative_ : positive_).add(key_of(m), 1);
}

void quantile_sketch::to_buckets() {
  if (!exact_mode_) return;
  exact_mode_ = false;
  for (double v : exact_) add_to_buckets(v);
  exact_.clear();
  exact_.shrink_to_fit();
}

void quantile_sketch::store::add(std::int32_t key, std::uint64_t n) {
  if (counts.empty()) {
    min_key = key;
    counts.push_back(n);
    return;
  }
  auto max_key = static_cast<std::int32_t>(min_key + static_cast<std::int32_t>(counts.size()) - 1);
  if (key > max_key) {
    // Keep at most max_buckets: first fold everything below the new cutoff into the cutoff
    // bucket, then grow (so the vector never exceeds max_buckets).
    auto cutoff = static_cast<std::int32_t>(key - static_cast<std::int32_t>(max_buckets) + 1);
    std::uint64_t folded = 0;
    if (cutoff > min_key) {
      auto drop = std::min(counts.size(), static_cast<std::size_t>(cutoff - min_key));
      for (std::size_t i = 0; i < drop; ++i) folded += counts[i];
      counts.erase(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(drop));
      min_key = cutoff;
    }
    counts.resize(static_cast<std::size_t>(key - min_key) + 1, 0);
    counts.front() += folded;
  } else if (key < min_key) {
    auto cutoff = static_cast<std::int32_t>(max_key - static_cast<std::int32_t>(max_buckets) + 1);
    key = std::max(key, cutoff);
    if (key < min_key) {
      counts.insert(counts.begin(), static_cast<std::size_t>(min_key - key), 0);
      min_key = key;
    }
  }
  counts[static_cast<std::size_t>(key - min_key)] += n;
}

void quantile_sketch::store::add(const store& other) {
  for (std::size_t i = 0; i < other.counts.size(); ++i)
    if (other.counts[i] != 0) add(other.min_key + static_cast<std::int32_t>(i), other.counts[i]);
}

void quantile_sketch::merge(const quantile_sketch& other) {
  if (exact_mode_ && other.exact_mode_ && count_ + other.count_ <= exact_limit) {
    exact_.insert(exact_.end(), other.exact_.begin(), other.exact_.end());
    count_ += other.count_;
    return;
  }
  to_buckets();
  count_ += other.count_;
  if (other.exact_mode_) {
    for (double v : other.exact_) add_to_buckets(v);
    return;
  }
  positive_.add(other.positive_);
  negative_.add(other.negative_);
  zeros_ += other.zeros_;
}

double quantile_sketch::quantile(double q) const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  q = std::clamp(q, 0.0, 1.0);
  double pos = q * static_cast<double>(count_ - 1);
  if (exact_mode_) {
    std::vector<double> sorted = exact_;
    std::sort(sorted.begin(), sorted.end());
    auto lo = static_cast<std::size_t>(std::floor(pos));
    auto hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
  }
  // Ascending value order: negatives by decreasing magnitude, zeros, positives.
  auto rank = static_cast<std::uint64_t>(std::floor(pos));
  std::uint64_t seen = 0;
  for (std::size_t i = negative_.counts.size(); i-- > 0;) {
    seen += negative_.counts[i];
    if (seen > rank) return -value_of(negative_.min_key + static_cast<std::int32_t>(i));
  }
  seen += zeros_;
  if (seen > rank) return 0;
  for (std::size_t i = 0; i < positive_.counts.size(); ++i) {
    seen += positive_.counts[i];
    if (seen > rank) return value_of(positive_.min_key + static_cast<std::int32_t>(i));
  }
  return positive_.counts.empty() ? 0 : value_of(positive_.min_key + static_cast<std::int32_t>(positive_.counts.size()) - 1);
}

std::size_t quantile_sketch::memory_bytes() const {
  return exact_.capacity() * sizeof(double) +
         (positive_.counts.capacity() + negative_.counts.capacity()) * sizeof(std::uint64_t);
}

std::string quantile_sketch::to_json() const {
  std::string out = "{";
  for (const auto& [name, q] : reported) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += name;
    out += "\":";
    json::append_number(out, quantile(q));
  }
  out += '}';
  return out;
}

void quantile_sketch::serialize(std::string& out) const {
  using state_bytes::put;
  put(out, static_cast<std::uint8_t>(exact_mode_ ? 0 : 1));
  put(out, count_);
  if (exact_mode_) {
    put(out, static_cast<std::uint32_t>(exact_.size()));
    for (double v : exact_) put(out, v);
    return;
  }
  put(out, zeros_);
  for (const store* s : {&positive_, &negative_}) {
    put(out, s->min_key);
    put(out, static_cast<std::uint32_t>(s->counts.size()));
    for (auto c : s->counts) put(out, c);
  }
}

std::optional<quantile_sketch> quantile_sketch::deserialize(std::string_view bytes, std::string& why) {
  state_bytes::reader r{bytes};
  quantile_sketch s;
  std::uint8_t mode = 0;
  if (!r.get(mode) || !r.get(s.count_)) {
    why = "truncated sketch";
    return std::nullopt;
  }
  if (mode > 1) {
    why = "invalid sketch mode " + std::to_string(mode);
    return std::nullopt;
  }
  auto fail = [&why](std::string reason) {
    why = std::move(reason);
    return std::nullopt;
  };
  s.exact_mode_ = mode == 0;
  if (s.exact_mode_) {
    std::uint32_t n = 0;
    if (!r.get(n)) return fail("truncated sketch");
    if (n > exact_limit || n != s.count_) return fail("exact sketch with " + std::to_string(n) + " values for a count of " + std::to_string(s.count_));
    s.exact_.resize(n);
    for (auto& v : s.exact_)
      if (!r.get(v)) return fail("truncated sketch");
      else if (std::isnan(v)) return fail("NaN in a sketch");
  } else {
    static const std::int32_t max_key = key_of(std::numeric_limits<double>::max());
    if (!r.get(s.zeros_)) return fail("truncated sketch");
    std::uint64_t total = s.zeros_;
    for (store* st : {&s.positive_, &s.negative_}) {
      std::uint32_t n = 0;
      if (!r.get(st->min_key) || !r.get(n)) return fail("truncated sketch");
      if (n > max_buckets) return fail("sketch store with " + std::to_string(n) + " buckets");
      if (n > r.remaining() / sizeof(std::uint64_t)) return fail("truncated sketch");
      if (n == 0) {
        st->min_key = 0;
        continue;
      }
      if (st->min_key < 1 || st->min_key > max_key - static_cast<std::int32_t>(n) + 1)
        return fail("sketch bucket keys out of range");
      st->counts.resize(n);
      for (auto& c : st->counts) {
        if (!r.get(c)) return fail("truncated sketch");
        if (c > std::numeric_limits<std::uint64_t>::max() - total) return fail("sketch counts overflow");
        total += c;
      }
    }
    if (total != s.count_) return fail("sketch bucket counts do not add up to its count");
  }
  if (r.remaining() != 0) return fail(std::to_string(r.remaining()) + " trailing bytes after a sketch");
  return s;
}

}  // namespace wisp::pxl
