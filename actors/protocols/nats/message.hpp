#pragma once
// A NATS protocol message as parsed from the wire: one control line (and, for PUB, HPUB, MSG and
// HMSG, its payload). Plain value. The body is already the JSON text the nats_events.beta `body`
// column shows, with the payload cut to the parser's limit.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/protocols/common/protocol.hpp"

namespace wisp::protocols::nats {

struct message {
  message_type type = message_type::request;
  /// The operation in upper case as the protocol names it: "CONNECT", "PUB", "HPUB", "SUB",
  /// "UNSUB", "PING", "PONG" (client); "INFO", "MSG", "HMSG", "PING", "PONG", "+OK", "-ERR"
  /// (server).
  std::string command;
  /// JSON object of the operation's fields ({"subject":...,"sid":...,"payload":...}, field names
  /// as the protocol documents them; {"error":...} for -ERR); the JSON argument itself for INFO
  /// and CONNECT; empty for PING, PONG and +OK.
  std::string body;
  /// CONNECT only: the client's "verbose" option, when the JSON states it.
  std::optional<bool> verbose;
  // Set by the tracker.
  std::int64_t timestamp_ns = 0;
  std::size_t wire_size = 0;
};

inline constexpr std::string_view ok_command = "+OK";
inline constexpr std::string_view err_command = "-ERR";
inline constexpr std::string_view ping_command = "PING";
inline constexpr std::string_view pong_command = "PONG";

/// +OK and -ERR: the server's acknowledgements of a client message.
inline bool is_ack(const message& m) { return m.command == ok_command || m.command == err_command; }

}  // namespace wisp::protocols::nats
