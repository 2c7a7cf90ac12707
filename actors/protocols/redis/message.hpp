#pragma once
// A Redis message as parsed from the wire: one frame of the Redis protocol (RESP2 or RESP3, or
// an inline command). Plain value. The texts are already in the form the redis_events columns
// show (Pixie's rendering, see format.hpp), cut to the parser's payload limit.

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/protocols/common/protocol.hpp"

namespace wisp::protocols::redis {

/// What a server-to-client message is, for pairing.
enum class reply_kind : std::uint8_t {
  reply,         // the answer to the oldest unanswered request
  subscription,  // a (p|s)(un)subscribe confirmation: one per channel of the request
  published,     // a pub/sub message pushed to a subscriber (no request)
  push,          // any other RESP3 push, e.g. a client-tracking "invalidate" (no request)
};

struct message {
  message_type type = message_type::request;
  /// Requests: the command as Pixie names it ("GET", "CLIENT SETNAME"), empty when the first
  /// words are not a known command.
  std::string command;
  /// Requests: the arguments after the command (req_args); responses: the reply (resp).
  /// At most the parser's max_payload_bytes, then truncated_suffix.
  std::string payload;
  /// Rendered payload bytes left out by the limit (0 when nothing was cut).
  std::size_t bytes_cut = 0;
  /// Requests: the pub/sub family ("subscribe", "unsubscribe", ...) whose confirmations answer
  /// it, else empty. Responses: the first element of a subscription or push ("message",
  /// "subscribe", "invalidate", ...).
  std::string channel_kind;
  /// Requests: how many replies answer it: one, or one per channel for the subscribe family;
  /// unknown_replies for an UNSUBSCRIBE of every channel.
  std::size_t expected_replies = 1;
  bool inline_command = false;  // sent as a text line rather than a RESP array
  reply_kind kind = reply_kind::reply;
  /// Stitcher state: a request whose record was made while more confirmations are due.
  bool answered = false;
  // Set by the tracker.
  std::int64_t timestamp_ns = 0;
  std::size_t wire_size = 0;
};

inline constexpr std::size_t unknown_replies = 0;

}  // namespace wisp::protocols::redis
