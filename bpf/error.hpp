#pragma once
// Errors of the BPF layer as values: what failed (the step and its object) and the errno the
// kernel or libbpf gave. No CAF here so that the loader stays usable from plain tools and tests;
// the socket_tracer actor turns an `error` into a caf::error at its boundary.

#include <string>
#include <utility>
#include <variant>

namespace wisp::bpf {

struct error {
  std::string what;  // "<verb> <object>: <reason>", e.g. "attach exit_read: No such file ..."
  int errno_value = 0;
};

/// A value or an error (`E`, by default this layer's `error`). Small on purpose: std::expected
/// is C++23 and g++ 12 lacks it.
template <class T, class E = error>
class [[nodiscard]] expected {
 public:
  expected(T value) : v_(std::move(value)) {}
  expected(E e) : v_(std::move(e)) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  T* operator->() { return &value(); }
  const E& error_value() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

/// For operations without a result: an empty optional-like status.
struct ok_t {};
using status = expected<ok_t>;
inline status ok() { return ok_t{}; }

}  // namespace wisp::bpf
