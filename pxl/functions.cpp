#include "pxl/functions.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace wisp::pxl {

namespace {

using schemas::data_type;
using namespace signature_types;

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

// double -> int64 without undefined behaviour: NaN is 0, out-of-range values saturate.
std::int64_t saturating_int64(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9.2233720368547758e18) return std::numeric_limits<std::int64_t>::max();
  if (v <= -9.2233720368547758e18) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(v);
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
  template <class A, class B>
  bool operator()(A a, B b) const { return a && b; }
};
struct or_op {
  template <class A, class B>
  bool operator()(A a, B b) const { return a || b; }
};
struct not_op {
  template <class A>
  bool operator()(A a) const { return !a; }
};
struct invert_op {
  std::int64_t operator()(std::int64_t a) const { return ~a; }
};
// |INT64_MIN| wraps to itself rather than being undefined.
struct abs_op {
  std::int64_t operator()(std::int64_t a) const { return a < 0 ? wrap_sub<std::int64_t>(0, a) : a; }
  double operator()(double a) const { return std::fabs(a); }
};
struct sqrt_op {
  double operator()(double a) const { return std::sqrt(a); }
};
struct exp_op {
  double operator()(double a) const { return std::exp(a); }
};
struct ln_op {
  double operator()(double a) const { return std::log(a); }
};
struct log2_op {
  double operator()(double a) const { return std::log2(a); }
};
struct log10_op {
  double operator()(double a) const { return std::log10(a); }
};
// log(base, value), argument order as in Pixie.
struct log_op {
  double operator()(double base, double v) const { return std::log(v) / std::log(base); }
};
struct pow_op {
  double operator()(double x, double y) const { return std::pow(x, y); }
};
struct ceil_op {
  std::int64_t operator()(double a) const { return saturating_int64(std::ceil(a)); }
};
struct floor_op {
  std::int64_t operator()(double a) const { return saturating_int64(std::floor(a)); }
};
// round(value, decimals) renders the value with that many decimals, as a STRING (Pixie's
// contract). Decimals are clamped to [0, 30] so a bad argument cannot produce huge strings.
struct round_op {
  char buf[400];
  std::string_view operator()(double v, std::int64_t decimals) {
    constexpr std::int64_t max_decimals = 30;
    int d = static_cast<int>(std::clamp<std::int64_t>(decimals, 0, max_decimals));
    int n = std::snprintf(buf, sizeof buf, "%.*f", d, v);
    return {buf, static_cast<std::size_t>(std::clamp(n, 0, static_cast<int>(sizeof buf) - 1))};
  }
};
// Pixie's approxEqual: an absolute difference below machine epsilon.
struct approx_equal_op {
  bool operator()(double a, double b) const {
    return std::fabs(a - b) < std::numeric_limits<double>::epsilon();
  }
};
// bin(x, size) = x - x mod size (Pixie's floor to a multiple, toward zero for negative x). A
// float x is truncated to an integer first; size <= 0 leaves x unchanged.
struct bin_op {
  std::int64_t operator()(std::int64_t x, std::int64_t size) const {
    return size <= 0 ? x : x - modulo_op{}(x, size);
  }
  std::int64_t operator()(double x, std::int64_t size) const {
    return (*this)(saturating_int64(x), size);
  }
};
struct identity_op {
  template <class T>
  T operator()(T x) const { return x; }
};
struct select_op {
  template <class T>
  T operator()(bool cond, T if_true, T if_false) const { return cond ? if_true : if_false; }
};

template <class Op>
void add_comparison(function_registry& r, const std::string& name) {
  r.add(make_udf<b_, Op, i_, i_>(name));
  r.add(make_udf<b_, Op, f_, f_>(name));
  r.add(make_udf<b_, Op, i_, f_>(name));
  r.add(make_udf<b_, Op, f_, i_>(name));
  r.add(make_udf<b_, Op, t_, t_>(name));
  r.add(make_udf<b_, Op, t_, i_>(name));
  r.add(make_udf<b_, Op, i_, t_>(name));
  r.add(make_udf<b_, Op, s_, s_>(name));
  r.add(make_udf<b_, Op, b_, b_>(name));
}

template <class Op>
void add_arithmetic(function_registry& r, const std::string& name) {
  constexpr auto same = semantic_rule::same_as_args;
  r.add(make_udf<i_, Op, i_, i_>(name, same));
  r.add(make_udf<f_, Op, f_, f_>(name, same));
  r.add(make_udf<f_, Op, i_, f_>(name, same));
  r.add(make_udf<f_, Op, f_, i_>(name, same));
}

// A float function of one number, for INT64 and FLOAT64 arguments.
template <class Op>
void add_float_unary(function_registry& r, const std::string& name) {
  r.add(make_udf<f_, Op, f_>(name));
  r.add(make_udf<f_, Op, i_>(name));
}
template <class Op>
void add_float_binary(function_registry& r, const std::string& name) {
  r.add(make_udf<f_, Op, f_, f_>(name));
  r.add(make_udf<f_, Op, f_, i_>(name));
  r.add(make_udf<f_, Op, i_, f_>(name));
  r.add(make_udf<f_, Op, i_, i_>(name));
}

template <data_type T>
udf_def cast(const std::string& name, schemas::semantic_type to) {
  auto f = make_udf<T, identity_op, T>(name, semantic_rule::fixed, to);
  f.is_cast = true;
  return f;
}

// px.<Type>(expr) casts (facts §2.7): they set the semantic type and keep the values.
void add_casts(function_registry& r) {
  using st = schemas::semantic_type;
  struct numeric_cast {
    const char* name;
    st to;
  };
  for (auto [name, to] : {numeric_cast{"Bytes", st::st_bytes},
                          numeric_cast{"DurationNanos", st::st_duration_ns},
                          numeric_cast{"Percent", st::st_percent}}) {
    r.add(cast<i_>(name, to));
    r.add(cast<f_>(name, to));
  }
  for (auto [name, to] : {numeric_cast{"Service", st::st_service_name},
                          numeric_cast{"Pod", st::st_pod_name}, numeric_cast{"Node", st::st_node_name},
                          numeric_cast{"Namespace", st::st_namespace_name},
                          numeric_cast{"Container", st::st_container_name}})
    r.add(cast<s_>(name, to));
  r.add(cast<u_>("UPID", st::st_upid));
  r.add(cast<t_>("Time", st::st_time_ns));
}

function_registry make_builtin() {
  function_registry r;
  constexpr auto same = semantic_rule::same_as_args;

  add_arithmetic<add_op>(r, "add");
  r.add(make_udf<t_, add_op, t_, i_>("add", same));
  r.add(make_udf<t_, add_op, i_, t_>("add", same));
  r.add(make_udf<s_, concat_op, s_, s_>("add"));
  add_arithmetic<subtract_op>(r, "subtract");
  r.add(make_udf<t_, subtract_op, t_, i_>("subtract", same));
  r.add(make_udf<i_, subtract_op, t_, t_>("subtract", semantic_rule::duration_of_args));
  add_arithmetic<multiply_op>(r, "multiply");
  r.add(make_udf<f_, divide_op, i_, i_>("divide", same));
  r.add(make_udf<f_, divide_op, f_, f_>("divide", same));
  r.add(make_udf<f_, divide_op, i_, f_>("divide", same));
  r.add(make_udf<f_, divide_op, f_, i_>("divide", same));
  r.add(make_udf<i_, modulo_op, i_, i_>("modulo", same));
  r.add(make_udf<f_, modulo_op, f_, f_>("modulo", same));
  r.add(make_udf<i_, modulo_op, t_, i_>("modulo"));
  r.add(make_udf<i_, modulo_op, t_, t_>("modulo"));
  r.add(make_udf<i_, modulo_op, i_, t_>("modulo"));
  r.add(make_udf<i_, negate_op, i_>("negate", same));
  r.add(make_udf<f_, negate_op, f_>("negate", same));
  r.add(make_udf<i_, invert_op, i_>("invert"));

  add_comparison<equal_op>(r, "equal");
  r.add(make_udf<b_, equal_op, u_, u_>("equal"));
  add_comparison<not_equal_op>(r, "notEqual");
  r.add(make_udf<b_, not_equal_op, u_, u_>("notEqual"));
  add_comparison<less_op>(r, "lessThan");
  add_comparison<less_equal_op>(r, "lessThanEqual");
  add_comparison<greater_op>(r, "greaterThan");
  add_comparison<greater_equal_op>(r, "greaterThanEqual");
  r.add(make_udf<b_, approx_equal_op, f_, f_>("approxEqual"));

  r.add(make_udf<b_, and_op, b_, b_>("logicalAnd"));
  r.add(make_udf<b_, and_op, i_, i_>("logicalAnd"));
  r.add(make_udf<b_, or_op, b_, b_>("logicalOr"));
  r.add(make_udf<b_, or_op, i_, i_>("logicalOr"));
  r.add(make_udf<b_, not_op, b_>("logicalNot"));
  r.add(make_udf<b_, not_op, i_>("logicalNot"));

  r.add(make_udf<i_, abs_op, i_>("abs", same));
  r.add(make_udf<f_, abs_op, f_>("abs", same));
  add_float_unary<sqrt_op>(r, "sqrt");
  add_float_unary<exp_op>(r, "exp");
  add_float_unary<ln_op>(r, "ln");
  add_float_unary<log2_op>(r, "log2");
  add_float_unary<log10_op>(r, "log10");
  add_float_binary<log_op>(r, "log");
  add_float_binary<pow_op>(r, "pow");
  r.add(make_udf<i_, ceil_op, f_>("ceil"));
  r.add(make_udf<i_, floor_op, f_>("floor"));
  r.add(make_udf<s_, round_op, f_, i_>("round"));
  r.add(make_udf<i_, bin_op, i_, i_>("bin", same));
  r.add(make_udf<t_, bin_op, t_, i_>("bin", same));
  r.add(make_udf<t_, bin_op, t_, t_>("bin", same));
  r.add(make_udf<i_, bin_op, i_, t_>("bin", same));
  r.add(make_udf<i_, bin_op, f_, i_>("bin"));
  r.add(make_udf<i_, identity_op, t_>("time_to_int64"));
  r.add(make_udf<t_, identity_op, i_>("int64_to_time"));

  r.add(make_udf<b_, select_op, b_, b_, b_>("select", same));
  r.add(make_udf<i_, select_op, b_, i_, i_>("select", same));
  r.add(make_udf<f_, select_op, b_, f_, f_>("select", same));
  r.add(make_udf<s_, select_op, b_, s_, s_>("select", same));
  r.add(make_udf<t_, select_op, b_, t_, t_>("select", same));
  r.add(make_udf<u_, select_op, b_, u_, u_>("select", same));

  add_casts(r);
  register_string_udfs(r);
  register_json_udfs(r);
  register_time_udfs(r);
  register_protocol_udfs(r);
  register_metadata_udfs(r);
  register_uri_udfs(r);
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

bool function_registry::is_node_local(std::string_view name) const {
  for (const auto& f : udfs_)
    if (f.name == name && f.node_local) return true;
  return false;
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
    out += ") -> " + std::string{schemas::to_string(f.result)};
  }
  for (const auto& f : udas_) {
    if (f.name != name) continue;
    sep();
    out += f.name + "(" + std::string{schemas::to_string(f.arg)} + ") -> " +
           std::string{schemas::to_string(f.result)};
  }
  return out;
}

function_registry::mismatch function_registry::explain_mismatch(
    std::string_view name, std::span<const data_type> args) const {
  mismatch m;
  std::size_t best = 0;
  bool any = false;
  for (const auto& f : udfs_) {
    if (f.name != name || f.args.size() != args.size()) continue;
    std::size_t p = 0;
    while (p < args.size() && f.args[p] == args[p]) ++p;
    if (!any || p > best) best = p;
    any = true;
  }
  if (!any) return m;
  m.arg = best;
  std::vector<data_type> seen;
  for (const auto& f : udfs_) {
    if (f.name != name || f.args.size() != args.size() || best >= f.args.size()) continue;
    if (!std::equal(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(best), f.args.begin()))
      continue;
    if (std::find(seen.begin(), seen.end(), f.args[best]) != seen.end()) continue;
    seen.push_back(f.args[best]);
    m.expected += (m.expected.empty() ? "" : " or ") + std::string{schemas::to_string(f.args[best])};
  }
  return m;
}

schemas::semantic_type apply_semantic_rule(semantic_rule rule, schemas::semantic_type value,
                                           std::span<const schemas::semantic_type> args) {
  using schemas::semantic_type;
  switch (rule) {
    case semantic_rule::none: return semantic_type::st_none;
    case semantic_rule::duration_of_args: return semantic_type::st_duration_ns;
    case semantic_rule::fixed: return value;
    case semantic_rule::quantiles_of_arg:
      return !args.empty() && args[0] == semantic_type::st_duration_ns
                 ? semantic_type::st_duration_ns_quantiles
                 : semantic_type::st_quantiles;
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
