// libFuzzer target over the cluster protocol decoders (schemas/cluster_wire.cpp): every input is
// decoded as an agent message and as a broker message, with the default and a small size limit.
// A decoded message is encoded again and must decode to the same payload kind.
//
// Seed corpus: one encoded message of every kind, written by cluster_wire_seeds.cpp before each
// run (see CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "schemas/cluster_wire.hpp"

namespace {

using namespace wisp::cluster_wire;

constexpr std::size_t small_limit = 256;

template <class Message, class Decode>
void check(std::string_view bytes, Decode decode) {
  decode_error err;
  auto m = decode(bytes, err, max_message_bytes);
  if (!m) return;
  const auto again = encode(*m);
  auto back = decode(again, err, max_message_bytes);
  if (!back || back->payload.index() != m->payload.index()) __builtin_trap();
  // The small limit must refuse exactly the inputs over it.
  auto limited = decode(bytes, err, small_limit);
  if ((bytes.size() > small_limit) != (!limited && err.code == decode_errc::oversize)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes{reinterpret_cast<const char*>(data), size};
  check<agent_message>(bytes, [](std::string_view b, decode_error& e, std::size_t max) { return decode_agent(b, e, max); });
  check<broker_message>(bytes, [](std::string_view b, decode_error& e, std::size_t max) { return decode_broker(b, e, max); });
  return 0;
}
