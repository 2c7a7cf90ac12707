#pragma once
// Allocator settings for processes that run queries. The engine allocates and frees columns for
// every operator and batch; with glibc's defaults the freed memory goes back to the kernel as
// soon as the top of the heap is free, and the next batch page-faults it in again (perf of a
// 10M-row group-by: a third of its time in page faults and page clearing; 2x faster without).

namespace wisp::exec {

/// Keeps freed memory in the process while queries run (no trimming, batch-sized allocations
/// from the heap). Call once at start, before other threads exist.
void keep_freed_memory_during_queries();

/// Gives freed memory back to the kernel; call when a query has finished.
void release_query_memory();

}  // namespace wisp::exec
