#include <limits>
#include <optional>

#include "pxl/quantiles.hpp"

#include "pxl/functions.hpp"

namespace wisp::pxl {

namespace {

using schemas::column;
using schemas::data_type;

// Values of a numeric argument column as the accumulator type.
template <data_type T, class F>
void for_each_value(const column& c, std::span<const std::uint32_t> groups, F&& f) {
  if constexpr (T == data_type::boolean) {
    const auto& v = c.bools();
    for (std::size_t i = 0; i < groups.size(); ++i) f(groups[i], static_cast<std::int64_t>(v[i]));
  } else if constexpr (T == data_type::float64) {
    const auto& v = c.floats();
    for (std::size_t i = 0; i < groups.size(); ++i) f(groups[i], v[i]);
  } else {
    const auto& v = c.ints();
    for (std::size_t i = 0; i < groups.size(); ++i) f(groups[i], v[i]);
  }
}

template <class T>
void append_values(column& out, const std::vector<T>& values) {
  if constexpr (std::is_same_v<T, double>)
    out.floats().insert(out.floats().end(), values.begin(), values.end());
  else
    out.ints().insert(out.ints().end(), values.begin(), values.end());
}

class count_states final : public uda_states {
 public:
  void resize(std::size_t groups) override { counts_.resize(groups, 0); }
  void update(std::span<const std::uint32_t> groups, const column&) override {
    for (auto g : groups) ++counts_[g];
  }
  void merge(const uda_states& other, std::span<const std::uint32_t> target) override {
    const auto& o = static_cast<const count_states&>(other);
    for (std::size_t g = 0; g < o.counts_.size(); ++g) counts_[target[g]] += o.counts_[g];
  }
  void finalize(column& out) const override { append_values(out, counts_); }

 private:
  std::vector<std::int64_t> counts_;
};

// Sum of ints (and bools) is INT64, of floats FLOAT64; integer sums wrap like Pixie's.
template <data_type T>
class sum_states final : public uda_states {
  using acc = std::conditional_t<T == data_type::float64, double, std::int64_t>;

 public:
  void resize(std::size_t groups) override { sums_.resize(groups, 0); }
  void update(std::span<const std::uint32_t> groups, const column& arg) override {
    for_each_value<T>(arg, groups, [this](std::uint32_t g, acc v) { sums_[g] = add(sums_[g], v); });
  }
  void merge(const uda_states& other, std::span<const std::uint32_t> target) override {
    const auto& o = static_cast<const sum_states&>(other);
    for (std::size_t g = 0; g < o.sums_.size(); ++g)
      sums_[target[g]] = add(sums_[target[g]], o.sums_[g]);
  }
  void finalize(column& out) const override { append_values(out, sums_); }

 private:
  static acc add(acc a, acc b) {
    if constexpr (std::is_integral_v<acc>)
      return static_cast<acc>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
    else
      return a + b;
  }
  std::vector<acc> sums_;
};

template <data_type T>
class mean_states final : public uda_states {
 public:
  void resize(std::size_t groups) override {
    sums_.resize(groups, 0);
    counts_.resize(groups, 0);
  }
  void update(std::span<const std::uint32_t> groups, const column& arg) override {
    for_each_value<T>(arg, groups, [this](std::uint32_t g, auto v) {
      sums_[g] += static_cast<double>(v);
      ++counts_[g];
    });
  }
  void merge(const uda_states& other, std::span<const std::uint32_t> target) override {
    const auto& o = static_cast<const mean_states&>(other);
    for (std::size_t g = 0; g < o.sums_.size(); ++g) {
      sums_[target[g]] += o.sums_[g];
      counts_[target[g]] += o.counts_[g];
    }
  }
  void finalize(column& out) const override {
    auto& v = out.floats();
    for (std::size_t g = 0; g < sums_.size(); ++g)
      v.push_back(counts_[g] == 0 ? 0.0 : sums_[g] / static_cast<double>(counts_[g]));
  }

 private:
  std::vector<double> sums_;
  std::vector<std::int64_t> counts_;
};

// Min and max; an empty group (only possible for an aggregate without groups over no rows)
// finalizes to 0.
template <data_type T, bool is_max>
class extreme_states final : public uda_states {
  using value = std::conditional_t<T == data_type::float64, double, std::int64_t>;

 public:
  void resize(std::size_t groups) override {
    values_.resize(groups, 0);
    seen_.resize(groups, 0);
  }
  void update(std::span<const std::uint32_t> groups, const column& arg) override {
    for_each_value<T>(arg, groups, [this](std::uint32_t g, value v) { fold(g, v); });
  }
  void merge(const uda_states& other, std::span<const std::uint32_t> target) override {
    const auto& o = static_cast<const extreme_states&>(other);
    for (std::size_t g = 0; g < o.values_.size(); ++g)
      if (o.seen_[g]) fold(target[g], o.values_[g]);
  }
  void finalize(column& out) const override { append_values(out, values_); }

 private:
  void fold(std::uint32_t g, value v) {
    if (!seen_[g] || (is_max ? v > values_[g] : v < values_[g])) values_[g] = v;
    seen_[g] = 1;
  }
  std::vector<value> values_;
  std::vector<std::uint8_t> seen_;
};

// any: the first value seen per group (Pixie promises no particular one; first-seen makes
// results reproducible). Merging keeps the target's value when it has one.
template <data_type T>
class any_states final : public uda_states {
  using value = std::conditional_t<T == data_type::string, std::string, cpp_type_t<T>>;

 public:
  void resize(std::size_t groups) override { values_.resize(groups); }
  void update(std::span<const std::uint32_t> groups, const column& arg) override {
    for (std::size_t i = 0; i < groups.size(); ++i)
      if (!values_[groups[i]]) values_[groups[i]] = read(arg, i);
  }
  void merge(const uda_states& other, std::span<const std::uint32_t> target) override {
    const auto& o = static_cast<const any_states&>(other);
    for (std::size_t g = 0; g < o.values_.size(); ++g)
      if (o.values_[g] && !values_[target[g]]) values_[target[g]] = o.values_[g];
  }
  void finalize(column& out) const override {
    for (const auto& v : values_) {
      value x = v.value_or(value{});
      if constexpr (T == data_type::string)
        out.push_string(x);
      else if constexpr (T == data_type::boolean)
        out.push_bool(x);
      else if constexpr (T == data_type::float64)
        out.push_float(x);
      else if constexpr (T == data_type::uint128)
        out.push_uint128(x);
      else
        out.push_int(x);
    }
  }

 private:
  static value read(const column& c, std::size_t i) {
    if constexpr (T == data_type::string)
      return std::string{c.strings().at(i)};
    else if constexpr (T == data_type::boolean)
      return c.bools()[i] != 0;
    else if constexpr (T == data_type::float64)
      return c.floats()[i];
    else if constexpr (T == data_type::uint128)
      return c.uint128s()[i];
    else
      return c.ints()[i];
  }
  std::vector<std::optional<value>> values_;
};

// quantiles: one quantile_sketch per group (see quantiles.hpp for accuracy and memory), a JSON
// string per group as the result.
template <data_type T>
class quantiles_states final : public uda_states {
 public:
  void resize(std::size_t groups) override { sketches_.resize(groups); }
  void update(std::span<const std::uint32_t> groups, const column& arg) override {
    for_each_value<T>(arg, groups, [this](std::uint32_t g, auto v) {
      sketches_[g].add(static_cast<double>(v));
    });
  }
  void merge(const uda_states& other, std::span<const std::uint32_t> target) override {
    const auto& o = static_cast<const quantiles_states&>(other);
    for (std::size_t g = 0; g < o.sketches_.size(); ++g) sketches_[target[g]].merge(o.sketches_[g]);
  }
  void finalize(column& out) const override {
    for (const auto& s : sketches_) out.push_string(s.to_json());
  }

 private:
  std::vector<quantile_sketch> sketches_;
};

template <class S>
std::unique_ptr<uda_states> make() {
  return std::make_unique<S>();
}

}  // namespace

void register_aggregates(function_registry& r) {
  constexpr auto same = semantic_rule::same_as_args;
  constexpr auto none = semantic_rule::none;
  for (auto t : {data_type::boolean, data_type::int64, data_type::uint128, data_type::float64,
                 data_type::string, data_type::time64ns})
    r.add(uda_def{"count", t, data_type::int64, none, &make<count_states>});

  r.add(uda_def{"sum", data_type::boolean, data_type::int64, none, &make<sum_states<data_type::boolean>>});
  r.add(uda_def{"sum", data_type::int64, data_type::int64, same, &make<sum_states<data_type::int64>>});
  r.add(uda_def{"sum", data_type::float64, data_type::float64, same, &make<sum_states<data_type::float64>>});

  r.add(uda_def{"mean", data_type::boolean, data_type::float64, none, &make<mean_states<data_type::boolean>>});
  r.add(uda_def{"mean", data_type::int64, data_type::float64, same, &make<mean_states<data_type::int64>>});
  r.add(uda_def{"mean", data_type::float64, data_type::float64, same, &make<mean_states<data_type::float64>>});

  r.add(uda_def{"min", data_type::int64, data_type::int64, same, &make<extreme_states<data_type::int64, false>>});
  r.add(uda_def{"min", data_type::float64, data_type::float64, same, &make<extreme_states<data_type::float64, false>>});
  r.add(uda_def{"min", data_type::time64ns, data_type::time64ns, same, &make<extreme_states<data_type::time64ns, false>>});
  r.add(uda_def{"max", data_type::int64, data_type::int64, same, &make<extreme_states<data_type::int64, true>>});
  r.add(uda_def{"max", data_type::float64, data_type::float64, same, &make<extreme_states<data_type::float64, true>>});
  r.add(uda_def{"max", data_type::time64ns, data_type::time64ns, same, &make<extreme_states<data_type::time64ns, true>>});

  r.add(uda_def{"any", data_type::boolean, data_type::boolean, same, &make<any_states<data_type::boolean>>});
  r.add(uda_def{"any", data_type::int64, data_type::int64, same, &make<any_states<data_type::int64>>});
  r.add(uda_def{"any", data_type::uint128, data_type::uint128, same, &make<any_states<data_type::uint128>>});
  r.add(uda_def{"any", data_type::float64, data_type::float64, same, &make<any_states<data_type::float64>>});
  r.add(uda_def{"any", data_type::string, data_type::string, same, &make<any_states<data_type::string>>});
  r.add(uda_def{"any", data_type::time64ns, data_type::time64ns, same, &make<any_states<data_type::time64ns>>});

  constexpr auto quantiles = semantic_rule::quantiles_of_arg;
  r.add(uda_def{"quantiles", data_type::int64, data_type::string, quantiles, &make<quantiles_states<data_type::int64>>});
  r.add(uda_def{"quantiles", data_type::float64, data_type::string, quantiles, &make<quantiles_states<data_type::float64>>});
}

}  // namespace wisp::pxl
