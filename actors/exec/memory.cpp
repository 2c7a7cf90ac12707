#include "actors/exec/memory.hpp"

#include <malloc.h>

#include <limits>

namespace wisp::exec {

namespace {
// Allocations above this still get their own mapping: only whole-table sized buffers are that
// large, and they are rare.
constexpr int mmap_threshold_bytes = 256 << 20;
// Above any heap a query leaves free; release_query_memory() trims explicitly instead.
constexpr int trim_threshold_bytes = std::numeric_limits<int>::max();
}  // namespace

void keep_freed_memory_during_queries() {
  mallopt(M_MMAP_THRESHOLD, mmap_threshold_bytes);
  mallopt(M_TRIM_THRESHOLD, trim_threshold_bytes);
}

void release_query_memory() { malloc_trim(0); }

}  // namespace wisp::exec
