// libFuzzer target over the tracepoint-mutation decoder (pxl/mutation_codec.cpp): the bytes an
// agent receives from the broker in a TracepointRequest. A refusal must be one line; a mutation
// that decodes is encoded again and must decode to the same mutation.
//
// Seed corpus: encoded mutations of every target and output kind, written by mutation_seeds.cpp
// before each run (see CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pxl/mutation_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wisp::pxl;
  std::string error;
  auto m = decode_mutation(std::string_view{reinterpret_cast<const char*>(data), size}, error);
  if (!m) {
    if (error.empty() || error.find('\n') != std::string::npos) __builtin_trap();
    return 0;
  }
  auto again = encode_mutation(*m, error);
  if (!again) return 0;  // only a mutation over the size limit once re-encoded
  auto back = decode_mutation(*again, error);
  if (!back || to_string(*back) != to_string(*m) || !back->same_definition(*m) || back->ttl_ns != m->ttl_ns ||
      back->loc != m->loc)
    __builtin_trap();
  return 0;
}
