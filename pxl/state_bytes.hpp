#pragma once
// Little-endian fixed-width fields for the serialized UDA states of partial aggregates
// (uda_states::serialize): a writer that appends to a string and a bounds-checked reader for
// bytes that come from other nodes (a short read is an error, never an out-of-range access).

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace wisp::pxl::state_bytes {

static_assert(std::endian::native == std::endian::little,
              "serialized UDA states are little-endian; a big-endian host needs byte swaps here");

template <class T>
void put(std::string& out, T v) {
  static_assert(std::is_trivially_copyable_v<T>);
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

class reader {
 public:
  explicit reader(std::string_view in) : in_(in) {}
  template <class T>
  bool get(T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (in_.size() < sizeof(T)) return false;
    std::memcpy(&v, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return true;
  }
  /// The next n bytes (false when fewer remain).
  bool bytes(std::size_t n, std::string_view& v) {
    if (in_.size() < n) return false;
    v = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  std::size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
};

}  // namespace wisp::pxl::state_bytes
