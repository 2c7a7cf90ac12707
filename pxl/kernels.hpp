#pragma once
// Building blocks for vectorized UDF kernels. A kernel runs once per batch over whole columns; the
// per-row work is a statically dispatched functor, so the hot loop has no virtual calls or variant
// visits. Constant arguments are read without materializing a column.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "pxl/scalar.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::pxl {

/// One argument of a kernel: a column of the batch, or one constant for every row.
struct kernel_arg {
  const schemas::column* column = nullptr;
  const scalar* constant = nullptr;
};

/// Writes `rows` values into `out` (an empty column of the UDF's result type).
using udf_kernel = void (*)(std::span<const kernel_arg> args, std::size_t rows,
                            schemas::column& out);

/// The C++ type a kernel sees for values of a data type.
template <schemas::data_type T>
struct cpp_type;
template <> struct cpp_type<schemas::data_type::boolean> { using type = bool; };
template <> struct cpp_type<schemas::data_type::int64> { using type = std::int64_t; };
template <> struct cpp_type<schemas::data_type::time64ns> { using type = std::int64_t; };
template <> struct cpp_type<schemas::data_type::float64> { using type = double; };
template <> struct cpp_type<schemas::data_type::string> { using type = std::string_view; };
template <> struct cpp_type<schemas::data_type::uint128> { using type = schemas::uint128; };
template <schemas::data_type T>
using cpp_type_t = typename cpp_type<T>::type;

namespace detail {

template <class T>
T scalar_as(const scalar& s) {
  if constexpr (std::is_same_v<T, bool>)
    return std::get<bool>(s.value);
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return std::get<std::int64_t>(s.value);
  else if constexpr (std::is_same_v<T, double>)
    return std::get<double>(s.value);
  else if constexpr (std::is_same_v<T, std::string_view>)
    return std::get<std::string>(s.value);
  else
    return std::get<schemas::uint128>(s.value);
}

/// Calls f with a row accessor `T(std::size_t)` specialised for a column or a constant.
template <class T, class F>
void with_reader(const kernel_arg& a, F&& f) {
  if (a.column == nullptr) {
    T c = scalar_as<T>(*a.constant);
    f([c](std::size_t) { return c; });
  } else if constexpr (std::is_same_v<T, bool>) {
    const auto& v = a.column->bools();
    f([&v](std::size_t i) { return v[i] != 0; });
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    const auto& v = a.column->ints();
    f([&v](std::size_t i) { return v[i]; });
  } else if constexpr (std::is_same_v<T, double>) {
    const auto& v = a.column->floats();
    f([&v](std::size_t i) { return v[i]; });
  } else if constexpr (std::is_same_v<T, std::string_view>) {
    const auto& v = a.column->strings();
    f([&v](std::size_t i) { return v.at(i); });
  } else {
    const auto& v = a.column->uint128s();
    f([&v](std::size_t i) { return v[i]; });
  }
}

/// Fills `out` with gen(i) for every row.
template <schemas::data_type R, class G>
void write_rows(schemas::column& out, std::size_t rows, G&& gen) {
  if constexpr (R == schemas::data_type::string) {
    auto& s = out.strings();
    for (std::size_t i = 0; i < rows; ++i) s.push_back(gen(i));
  } else if constexpr (R == schemas::data_type::boolean) {
    auto& v = out.bools();
    v.resize(rows);
    for (std::size_t i = 0; i < rows; ++i) v[i] = gen(i) ? 1 : 0;
  } else if constexpr (R == schemas::data_type::float64) {
    auto& v = out.floats();
    v.resize(rows);
    for (std::size_t i = 0; i < rows; ++i) v[i] = static_cast<double>(gen(i));
  } else if constexpr (R == schemas::data_type::uint128) {
    auto& v = out.uint128s();
    v.resize(rows);
    for (std::size_t i = 0; i < rows; ++i) v[i] = gen(i);
  } else {
    auto& v = out.ints();
    v.resize(rows);
    for (std::size_t i = 0; i < rows; ++i) v[i] = static_cast<std::int64_t>(gen(i));
  }
}

/// Binds one row reader per argument (column or constant), then calls f(readers...).
template <schemas::data_type... A>
struct bind_readers;
template <>
struct bind_readers<> {
  template <class F, class... Readers>
  static void run(const kernel_arg*, F& f, Readers... readers) {
    f(readers...);
  }
};
template <schemas::data_type A0, schemas::data_type... Rest>
struct bind_readers<A0, Rest...> {
  template <class F, class... Readers>
  static void run(const kernel_arg* args, F& f, Readers... readers) {
    with_reader<cpp_type_t<A0>>(
        args[0], [&](auto r) { bind_readers<Rest...>::run(args + 1, f, readers..., r); });
  }
};

}  // namespace detail

/// The kernel of a row function object Op taking arguments of types A... and returning R.
/// One Op is constructed per batch, so an Op may keep per-batch state (a compiled regex, a
/// scratch buffer behind a returned string_view: the value is copied out before the next row).
template <schemas::data_type R, class Op, schemas::data_type... A>
void row_kernel(std::span<const kernel_arg> args, std::size_t rows, schemas::column& out) {
  Op op{};
  auto body = [&](auto... readers) {
    detail::write_rows<R>(out, rows,
                           [&]([[maybe_unused]] std::size_t i) { return op(readers(i)...); });
  };
  detail::bind_readers<A...>::run(args.data(), body);
}

}  // namespace wisp::pxl
