#include "pxl/scalar.hpp"

#include <charconv>

namespace wisp::pxl {

std::string to_string(const scalar& s) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "True" : "False";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          char buf[32];
          auto r = std::to_chars(buf, buf + sizeof buf, v);
          return std::string(buf, r.ptr);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return "'" + v + "'";
        } else {
          return schemas::to_string(v);
        }
      },
      s.value);
}

}  // namespace wisp::pxl
