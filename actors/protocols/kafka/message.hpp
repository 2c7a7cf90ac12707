#pragma once
// A Kafka protocol message as parsed from the wire: one size-delimited request or response. Plain
// value. A request is decoded when parsed (its header names its API); a response is kept as its
// raw payload and decoded when stitched, since only the request it answers (matched by
// correlation id) says which API and version the payload is.

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/protocols/common/protocol.hpp"

namespace wisp::protocols::kafka {

/// API keys of the Kafka protocol that this module decodes (kafka_events.beta req_cmd values).
namespace api {
inline constexpr std::int16_t produce = 0;
inline constexpr std::int16_t fetch = 1;
inline constexpr std::int16_t list_offsets = 2;
inline constexpr std::int16_t metadata = 3;
inline constexpr std::int16_t offset_commit = 8;
inline constexpr std::int16_t offset_fetch = 9;
inline constexpr std::int16_t find_coordinator = 10;
inline constexpr std::int16_t join_group = 11;
inline constexpr std::int16_t heartbeat = 12;
inline constexpr std::int16_t sync_group = 14;
inline constexpr std::int16_t api_versions = 18;
/// The highest API key a request may carry (Kafka 3.x defines keys up to the low 70s); larger
/// keys are not Kafka.
inline constexpr std::int16_t max_key = 80;
/// The highest API version a request may carry.
inline constexpr std::int16_t max_version = 20;
}  // namespace api

struct message {
  message_type type = message_type::request;
  std::int32_t correlation_id = 0;
  // Requests only.
  std::int16_t api_key = -1;
  std::int16_t api_version = -1;
  std::string client_id;
  /// A Produce request with acks = 0: the broker sends no response.
  bool expects_response = true;
  /// Request: the JSON of the body (empty when the API or version is not decoded).
  /// Response: the raw bytes after the correlation id, at most parse_options::max_payload_bytes.
  std::string body;
  /// Response: body holds only the first bytes of the payload.
  bool body_cut = false;
  // Set by the tracker.
  std::int64_t timestamp_ns = 0;
  std::size_t wire_size = 0;
};

}  // namespace wisp::protocols::kafka
