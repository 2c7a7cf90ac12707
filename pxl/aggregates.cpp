#include <limits>
#include <optional>

#include "pxl/quantiles.hpp"

#include "pxl/functions.hpp"
#include "pxl/state_bytes.hpp"

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

// Serialized states (uda_states::serialize): byte 0 the state kind, byte 1 the argument's
// data_type (0 for count, whose state does not depend on it), then the kind's fields.
enum class state_kind : std::uint8_t { count = 1, sum, mean, min, max, any, quantiles };

// serialize/deserialize for a state class S with `slots()`, `write_slot(out, g)` and
// `read_slot(reader, g, why)` (which writes slot g only when it succeeds).
template <class S, state_kind Kind, data_type Arg>
class serialized_states : public uda_states {
 public:
  void serialize(column& out) const final {
    const auto& self = static_cast<const S&>(*this);
    std::string buf;
    for (std::size_t g = 0; g < self.slots(); ++g) {
      buf.assign({static_cast<char>(Kind), static_cast<char>(Arg)});
      self.write_slot(buf, g);
      out.push_string(buf);
    }
  }
  std::size_t deserialize(const column& in, std::vector<std::uint8_t>& bad, std::string& error) final {
    auto& self = static_cast<S&>(*this);
    const auto& rows = in.strings();
    self.resize(0);
    self.resize(rows.size());
    bad.assign(rows.size(), 0);
    std::size_t bad_rows = 0;
    std::string why;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      why.clear();
      if (read_row(self, rows.at(i), i, why)) continue;
      bad[i] = 1;
      if (bad_rows++ == 0) error = "state of row " + std::to_string(i) + ": " + why;
    }
    return bad_rows;
  }

 private:
  static bool read_row(S& self, std::string_view bytes, std::size_t g, std::string& why) {
    state_bytes::reader r{bytes};
    std::uint8_t kind = 0, arg = 0;
    if (!r.get(kind) || !r.get(arg) || kind != static_cast<std::uint8_t>(Kind) ||
        arg != static_cast<std::uint8_t>(Arg)) {
      why = "not a state of this aggregate (kind/type header mismatch)";
      return false;
    }
    if (!self.read_slot(r, g, why)) {
      if (why.empty()) why = "truncated";
      return false;
    }
    if (r.remaining() != 0) {
      why = std::to_string(r.remaining()) + " trailing bytes";
      return false;
    }
    return true;
  }
};

// Counts from other nodes may be hostile: merged counts wrap instead of overflowing.
std::int64_t wrapping_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

template <class T>
void append_values(column& out, const std::vector<T>& values) {
  if constexpr (std::is_same_v<T, double>)
    out.floats().insert(out.floats().end(), values.begin(), values.end());
  else
    out.ints().insert(out.ints().end(), values.begin(), values.end());
}

class count_states final
    : public serialized_states<count_states, state_kind::count, data_type::unknown> {
 public:
  void resize(std::size_t groups) override { counts_.resize(groups, 0); }
  void update(std::span<const std::uint32_t> groups, const column&) override {
    for (auto g : groups) ++counts_[g];
  }
  void merge(const uda_states& other, std::span<const std::uint32_t> target) override {
    const auto& o = static_cast<const count_states&>(other);
    for (std::size_t g = 0; g < o.counts_.size(); ++g)
      counts_[target[g]] = wrapping_add(counts_[target[g]], o.counts_[g]);
  }
  void finalize(column& out) const override { append_values(out, counts_); }
  std::size_t slots() const { return counts_.size(); }
  void write_slot(std::string& out, std::size_t g) const { state_bytes::put(out, counts_[g]); }
  bool read_slot(state_bytes::reader& r, std::size_t g, std::string& why) {
    std::int64_t n = 0;
    if (!r.get(n)) return false;
    if (n < 0) {
      why = "negative count";
      return false;
    }
    counts_[g] = n;
    return true;
  }

 private:
  std::vector<std::int64_t> counts_;
};

// Sum of ints (and bools) is INT64, of floats FLOAT64; integer sums wrap like Pixie's.
template <data_type T>
class sum_states final : public serialized_states<sum_states<T>, state_kind::sum, T> {
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
  std::size_t slots() const { return sums_.size(); }
  void write_slot(std::string& out, std::size_t g) const { state_bytes::put(out, sums_[g]); }
  bool read_slot(state_bytes::reader& r, std::size_t g, std::string&) {
    acc v = 0;
    if (!r.get(v)) return false;
    sums_[g] = v;
    return true;
  }

 private:
  static acc add(acc a, acc b) {
    if constexpr (std::is_integral_v<acc>)
      return wrapping_add(a, b);
    else
      return a + b;
  }
  std::vector<acc> sums_;
};

template <data_type T>
class mean_states final : public serialized_states<mean_states<T>, state_kind::mean, T> {
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
      counts_[target[g]] = wrapping_add(counts_[target[g]], o.counts_[g]);
    }
  }
  void finalize(column& out) const override {
    auto& v = out.floats();
    for (std::size_t g = 0; g < sums_.size(); ++g)
      v.push_back(counts_[g] == 0 ? 0.0 : sums_[g] / static_cast<double>(counts_[g]));
  }
  std::size_t slots() const { return sums_.size(); }
  void write_slot(std::string& out, std::size_t g) const {
    state_bytes::put(out, sums_[g]);
    state_bytes::put(out, counts_[g]);
  }
  bool read_slot(state_bytes::reader& r, std::size_t g, std::string& why) {
    double sum = 0;
    std::int64_t n = 0;
    if (!r.get(sum) || !r.get(n)) return false;
    if (n < 0) {
      why = "negative count";
      return false;
    }
    sums_[g] = sum;
    counts_[g] = n;
    return true;
  }

 private:
  std::vector<double> sums_;
  std::vector<std::int64_t> counts_;
};

// Min and max; an empty group (only possible for an aggregate without groups over no rows)
// finalizes to 0.
template <data_type T, bool is_max>
class extreme_states final
    : public serialized_states<extreme_states<T, is_max>, is_max ? state_kind::max : state_kind::min, T> {
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
  std::size_t slots() const { return values_.size(); }
  void write_slot(std::string& out, std::size_t g) const {
    state_bytes::put(out, seen_[g]);
    state_bytes::put(out, values_[g]);
  }
  bool read_slot(state_bytes::reader& r, std::size_t g, std::string& why) {
    std::uint8_t seen = 0;
    value v = 0;
    if (!r.get(seen) || !r.get(v)) return false;
    if (seen > 1) {
      why = "invalid seen flag";
      return false;
    }
    seen_[g] = seen;
    values_[g] = v;
    return true;
  }

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
class any_states final : public serialized_states<any_states<T>, state_kind::any, T> {
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
  std::size_t slots() const { return values_.size(); }
  // A presence byte, then the value: a u32 length and the bytes for strings, else fixed width.
  void write_slot(std::string& out, std::size_t g) const {
    const auto& v = values_[g];
    state_bytes::put(out, static_cast<std::uint8_t>(v.has_value()));
    if (!v) return;
    if constexpr (T == data_type::string) {
      state_bytes::put(out, static_cast<std::uint32_t>(v->size()));
      out += *v;
    } else if constexpr (T == data_type::boolean) {
      state_bytes::put(out, static_cast<std::uint8_t>(*v));
    } else {
      state_bytes::put(out, *v);
    }
  }
  bool read_slot(state_bytes::reader& r, std::size_t g, std::string& why) {
    std::uint8_t present = 0;
    if (!r.get(present)) return false;
    if (present > 1) {
      why = "invalid presence flag";
      return false;
    }
    if (present == 0) {
      values_[g].reset();
      return true;
    }
    if constexpr (T == data_type::string) {
      std::uint32_t n = 0;
      std::string_view bytes;
      if (!r.get(n) || !r.bytes(n, bytes)) return false;  // bounded by the input's size
      values_[g] = std::string{bytes};
    } else if constexpr (T == data_type::boolean) {
      std::uint8_t b = 0;
      if (!r.get(b)) return false;
      if (b > 1) {
        why = "invalid boolean";
        return false;
      }
      values_[g] = b != 0;
    } else {
      value v{};
      if (!r.get(v)) return false;
      values_[g] = v;
    }
    return true;
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
class quantiles_states final
    : public serialized_states<quantiles_states<T>, state_kind::quantiles, T> {
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
  std::size_t slots() const { return sketches_.size(); }
  void write_slot(std::string& out, std::size_t g) const { sketches_[g].serialize(out); }
  bool read_slot(state_bytes::reader& r, std::size_t g, std::string& why) {
    std::string_view rest;
    if (!r.bytes(r.remaining(), rest)) return false;
    auto sketch = quantile_sketch::deserialize(rest, why);
    if (!sketch) return false;
    sketches_[g] = std::move(*sketch);
    return true;
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
