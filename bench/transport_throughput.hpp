#pragma once
// Batch throughput of the cluster transport (cluster_bench.cpp): one agent_gateway streaming
// row batches to a broker_gateway (encoding, verification and decoding, credit window as
// configured by default), against raw ZeroMQ DEALER -> ROUTER carrying messages of the same
// encoded size (no encoding, no credits), on the same loopback link. Both optionally with CURVE.

#include <cstddef>
#include <string>

#include "schemas/row_batch.hpp"

namespace wisp::bench {

struct throughput {
  std::size_t messages = 0;
  std::size_t message_bytes = 0;  // encoded size of one batch message
  double seconds = 0;
  double per_second() const { return static_cast<double>(messages) / seconds; }
  double mb_per_second() const { return static_cast<double>(messages * message_bytes) / seconds / 1e6; }
};

/// `count` copies of `batch` from an agent_gateway to a broker_gateway, from the first
/// send_batch to the broker's end of stream. Throws std::runtime_error on failure.
throughput gateway_throughput(const schemas::row_batch_ptr& batch, std::size_t count, bool curve);

/// `count` messages of `bytes` bytes from a DEALER to a ROUTER, from the first send to the
/// last receive. Throws std::runtime_error on failure.
throughput raw_zmq_throughput(std::size_t bytes, std::size_t count, bool curve);

/// What the cluster codec costs per batch message carrying `batch`, in one thread: encoding
/// (cluster_wire::encode) and verifying + decoding (cluster_wire::decode_agent); best of `repeat`.
struct codec_cost {
  double encode_s = 0;
  double decode_s = 0;
};
codec_cost batch_codec_cost(const schemas::row_batch_ptr& batch, int repeat);

/// The encoded size of one batch message carrying `batch`.
std::size_t encoded_batch_bytes(const schemas::row_batch_ptr& batch);

}  // namespace wisp::bench
