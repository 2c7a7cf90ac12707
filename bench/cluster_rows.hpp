#pragma once
// Synthetic http_events-like rows for the cluster benchmark (cluster_bench.cpp): one node's
// share of traffic across a fixed set of services and paths, so that every agent holds rows of
// most groups, as nodes of one cluster do.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "actors/exec/run_plan.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::bench {

/// The table the benchmark's script reads: time_, service, req_path, req_method, resp_status,
/// resp_body_size, latency.
schemas::relation http_rows_relation();

/// `rows` rows in batches of at most `batch_rows`; `seed` makes each agent's rows different.
std::vector<schemas::row_batch_ptr> make_http_rows(std::size_t rows, std::size_t batch_rows, std::uint64_t seed);

/// One batch of about `target_bytes` (row_batch::byte_size) of the same rows.
schemas::row_batch_ptr http_batch_of_bytes(std::size_t target_bytes);

/// Number of distinct (service, req_path) groups the rows can fall in.
std::size_t http_row_groups();

}  // namespace wisp::bench
