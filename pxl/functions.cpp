#include "pxl/functions.hpp"

#include <cmath>

namespace wisp::pxl {

namespace {

using schemas::data_type;
constexpr auto b_ = data_type::boolean;
constexpr auto i_ = data_type::int64;
constexpr auto f_ = data_type::float64;
constexpr auto s_ = data_type::string;
constexpr auto t_ = data_type::time64ns;
constexpr auto u_ = data_type::uint128;

// Integer arithmetic wraps instead of overflowing (signed overflow would be undefined behaviour
// on attacker-influenced data).
template <class T>
T wrap_add(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
  else
    return a + b;
}
template <class T>
T wrap_sub(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
  else
    return a - b;
}
template <class T>
T wrap_mul(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<T>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
  else
    return a * b;
}

struct add_op {
  template <class A, class B>
  auto operator()(A a, B b) const {
    using C = std::common_type_t<A, B>;
    return wrap_add<C>(a, b);
  }
};
struct concat_op {
  std::string operator()(std::string_view a, std::string_view b) const {
    std::string s;
    s.reserve(a.size() + b.size());
    s.append(a).append(b);
    return s;
  }
};
struct subtract_op {
  template <class A, class B>
  auto operator()(A a, B b) const {
    using C = std::common_type_t<A, B>;
    return wrap_sub<C>(a, b);
  }
};
struct multiply_op {
  template <class A, class B>
  auto operator()(A a, B b) const {
    using C = std::common_type_t<A, B>;
    return wrap_mul<C>(a, b);
  }
};
// PxL division is true division, as in Python 3.
struct divide_op {
  double operator()(double a, double b) const { return a / b; }
};
// x % 0 is 0 rather than a crash; INT64_MIN % -1 is 0 (its mathematical value).
struct modulo_op {
  std::int64_t operator()(std::int64_t a, std::int64_t b) const {
    return (b == 0 || b == -1) ? 0 : a % b;
  }
  double operator()(double a, double b) const { return std::fmod(a, b); }
};
struct negate_op {
  std::int64_t operator()(std::int64_t a) const { return wrap_sub<std::int64_t>(0, a); }
  double operator()(double a) const { return -a; }
};
struct equal_op {
  template <class A, class B>
  bool operator()(A a, B b) const { return a == b; }
};
struct not_equal_op {
  template <class A, class B>
  bool operator()(A a, B b) const { return a != b; }
};
struct less_op {
  template <class A, class B>
  bool operator()(A a, B b) const { return a < b; }
};
struct less_equal_op {
  template <class A, class B>
  bool operator()(A a, B b) const { return a <= b; }
};
struct greater_op {
  template <class A, class B>
  bool operator()(A a, B b) const { return a > b; }
};
struct greater_equal_op {
  template <class A, class B>
  bool operator()(A a, B b) const { return a >= b; }
};
struct and_op {
  bool operator()(bool a, bool b) const { return a && b; }
};
struct or_op {
  bool operator()(bool a, bool b) const { return a || b; }
};
struct not_op {
  bool operator()(bool a) const { return !a; }
};
struct contains_op {
  bool operator()(std::string_view s, std::string_view sub) const {
    return s.find(sub) != std::string_view::npos;
  }
};
struct length_op {
  std::int64_t operator()(std::string_view s) const { return static_cast<std::int64_t>(s.size()); }
};
// bin(x, size) = x - x mod size (Pixie's floor to a multiple).
struct bin_op {
  std::int64_t operator()(std::int64_t x, std::int64_t size) const {
    return size <= 0 ? x : x - modulo_op{}(x, size);
  }
};

template <data_type A, data_type B, data_type R, class Op>
udf_def binary(std::string name, semantic_rule rule) {
  return {std::move(name), {A, B}, R, rule, &binary_kernel<A, B, R, Op>};
}
template <data_type A, data_type R, class Op>
udf_def unary(std::string name, semantic_rule rule) {
  return {std::move(name), {A}, R, rule, &unary_kernel<A, R, Op>};
}

template <class Op>
void add_comparison(function_registry& r, const std::string& name) {
  constexpr auto none = semantic_rule::none;
  r.add(binary<i_, i_, b_, Op>(name, none));
  r.add(binary<f_, f_, b_, Op>(name, none));
  r.add(binary<i_, f_, b_, Op>(name, none));
  r.add(binary<f_, i_, b_, Op>(name, none));
  r.add(binary<t_, t_, b_, Op>(name, none));
  r.add(binary<t_, i_, b_, Op>(name, none));
  r.add(binary<i_, t_, b_, Op>(name, none));
  r.add(binary<s_, s_, b_, Op>(name, none));
  r.add(binary<b_, b_, b_, Op>(name, none));
}

template <class Op>
void add_arithmetic(function_registry& r, const std::string& name) {
  constexpr auto same = semantic_rule::same_as_args;
  r.add(binary<i_, i_, i_, Op>(name, same));
  r.add(binary<f_, f_, f_, Op>(name, same));
  r.add(binary<i_, f_, f_, Op>(name, same));
  r.add(binary<f_, i_, f_, Op>(name, same));
}

function_registry make_builtin() {
  function_registry r;
  constexpr auto none = semantic_rule::none;
  constexpr auto same = semantic_rule::same_as_args;

  add_arithmetic<add_op>(r, "add");
  r.add(binary<t_, i_, t_, add_op>("add", same));
  r.add(binary<i_, t_, t_, add_op>("add", same));
  r.add(binary<s_, s_, s_, concat_op>("add", none));
  add_arithmetic<subtract_op>(r, "subtract");
  r.add(binary<t_, i_, t_, subtract_op>("subtract", same));
  r.add(binary<t_, t_, i_, subtract_op>("subtract", semantic_rule::duration_of_args));
  add_arithmetic<multiply_op>(r, "multiply");
  r.add(binary<i_, i_, f_, divide_op>("divide", same));
  r.add(binary<f_, f_, f_, divide_op>("divide", same));
  r.add(binary<i_, f_, f_, divide_op>("divide", same));
  r.add(binary<f_, i_, f_, divide_op>("divide", same));
  r.add(binary<i_, i_, i_, modulo_op>("modulo", same));
  r.add(binary<f_, f_, f_, modulo_op>("modulo", same));
  r.add(unary<i_, i_, negate_op>("negate", same));
  r.add(unary<f_, f_, negate_op>("negate", same));

  add_comparison<equal_op>(r, "equal");
  r.add(binary<u_, u_, b_, equal_op>("equal", none));
  add_comparison<not_equal_op>(r, "notEqual");
  r.add(binary<u_, u_, b_, not_equal_op>("notEqual", none));
  add_comparison<less_op>(r, "lessThan");
  add_comparison<less_equal_op>(r, "lessThanEqual");
  add_comparison<greater_op>(r, "greaterThan");
  add_comparison<greater_equal_op>(r, "greaterThanEqual");

  r.add(binary<b_, b_, b_, and_op>("logicalAnd", none));
  r.add(binary<b_, b_, b_, or_op>("logicalOr", none));
  r.add(unary<b_, b_, not_op>("logicalNot", none));

  r.add(binary<s_, s_, b_, contains_op>("contains", none));
  r.add(unary<s_, i_, length_op>("length", none));
  r.add(binary<i_, i_, i_, bin_op>("bin", same));
  r.add(binary<t_, i_, t_, bin_op>("bin", same));

  register_aggregates(r);
  return r;
}

}  // namespace

const function_registry& function_registry::builtin() {
  static const function_registry r = make_builtin();
  return r;
}

const udf_def* function_registry::find_udf(std::string_view name,
                                           std::span<const data_type> args) const {
  for (const auto& f : udfs_)
    if (f.name == name && std::equal(f.args.begin(), f.args.end(), args.begin(), args.end()))
      return &f;
  return nullptr;
}

const uda_def* function_registry::find_uda(std::string_view name, data_type arg) const {
  for (const auto& f : udas_)
    if (f.name == name && f.arg == arg) return &f;
  return nullptr;
}

bool function_registry::has_udf(std::string_view name) const {
  for (const auto& f : udfs_)
    if (f.name == name) return true;
  return false;
}

bool function_registry::has_uda(std::string_view name) const {
  for (const auto& f : udas_)
    if (f.name == name) return true;
  return false;
}

std::string function_registry::describe_overloads(std::string_view name) const {
  std::string out;
  auto sep = [&] {
    if (!out.empty()) out += ", ";
  };
  for (const auto& f : udfs_) {
    if (f.name != name) continue;
    sep();
    out += f.name + "(";
    for (std::size_t i = 0; i < f.args.size(); ++i)
      out += (i ? ", " : "") + std::string{schemas::to_string(f.args[i])};
    out += ")";
  }
  for (const auto& f : udas_) {
    if (f.name != name) continue;
    sep();
    out += f.name + "(" + std::string{schemas::to_string(f.arg)} + ")";
  }
  return out;
}

schemas::semantic_type apply_semantic_rule(semantic_rule rule,
                                           std::span<const schemas::semantic_type> args) {
  using schemas::semantic_type;
  switch (rule) {
    case semantic_rule::none: return semantic_type::st_none;
    case semantic_rule::duration_of_args: return semantic_type::st_duration_ns;
    case semantic_rule::same_as_args: {
      auto common = semantic_type::st_none;
      for (auto s : args) {
        if (s == semantic_type::st_none || s == semantic_type::st_unspecified) continue;
        if (common != semantic_type::st_none && common != s) return semantic_type::st_none;
        common = s;
      }
      return common;
    }
  }
  return semantic_type::st_none;
}

}  // namespace wisp::pxl
