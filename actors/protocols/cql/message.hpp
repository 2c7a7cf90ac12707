#pragma once
// A CQL native protocol frame (v3-v5; v5 segments are unwrapped by segment.hpp) as parsed from the wire:
// the 9-byte header and the body already rendered as the text the cql_events req_body /
// resp_body column shows. Plain value.

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/protocols/common/protocol.hpp"

namespace wisp::protocols::cql {

/// Opcodes, the CQL wire values (also the req_op / resp_op column values, facts §1.2).
enum class opcode : std::uint8_t {
  error = 0x00,
  startup = 0x01,
  ready = 0x02,
  authenticate = 0x03,
  options = 0x05,
  supported = 0x06,
  query = 0x07,
  result = 0x08,
  prepare = 0x09,
  execute = 0x0a,
  register_ = 0x0b,
  event = 0x0c,
  batch = 0x0d,
  auth_challenge = 0x0e,
  auth_response = 0x0f,
  auth_success = 0x10,
};

/// Header flag bits (all versions; beta only from v5).
inline constexpr std::uint8_t flag_compression = 0x01;
inline constexpr std::uint8_t flag_tracing = 0x02;
inline constexpr std::uint8_t flag_custom_payload = 0x04;
inline constexpr std::uint8_t flag_warning = 0x08;
inline constexpr std::uint8_t flag_beta = 0x10;
inline constexpr std::uint8_t known_flags = 0x1f;

inline constexpr std::size_t header_bytes = 9;
/// The direction bit of the version byte: set on responses (server to client).
inline constexpr std::uint8_t response_bit = 0x80;
inline constexpr std::uint8_t min_version = 3;
inline constexpr std::uint8_t max_version = 5;
/// EVENTs are pushed by the server with this stream id, never in answer to a request.
inline constexpr std::int16_t event_stream = -1;

struct message {
  message_type type = message_type::request;
  std::uint8_t version = 0;  // without the direction bit
  std::uint8_t flags = 0;
  std::int16_t stream = 0;
  opcode op = opcode::error;
  /// The body as the table shows it (see body.hpp); bounded by the parser's limit.
  std::string body;
  // Set by the tracker.
  std::int64_t timestamp_ns = 0;
  std::size_t wire_size = 0;
};

/// Whether `op` is sent by the client (true), the server (false).
bool is_request_op(std::uint8_t op);
bool is_response_op(std::uint8_t op);

}  // namespace wisp::protocols::cql
