#include "schemas/node_asid.hpp"

#include <atomic>

namespace wisp::schemas {

namespace {
std::atomic<std::uint32_t> asid{0};
}  // namespace

std::uint32_t node_asid() { return asid.load(std::memory_order_relaxed); }
void set_node_asid(std::uint32_t a) { asid.store(a, std::memory_order_relaxed); }

}  // namespace wisp::schemas
