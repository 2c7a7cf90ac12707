#pragma once
// NATS client protocol framing: bytes -> nats::message frames. Pure functions, no state between
// calls: a caller hands in the bytes not yet consumed and gets either one frame and the number of
// bytes it used, or a parse_state saying why not.
//
// Every message is a control line: an operation name (case-insensitive) and fields separated by
// spaces or tabs, ended by CRLF (a bare LF is accepted, as nats-server does for telnet users).
// PUB, HPUB, MSG and HMSG announce a payload of #bytes (headers included for the H forms)
// followed by CRLF. Clients send CONNECT, PUB, HPUB, SUB, UNSUB, PING, PONG; servers send INFO,
// MSG, HMSG, PING, PONG, +OK, -ERR. A payload is kept up to max_payload_bytes (the rest is not
// copied); a message announcing more than max_message_bytes is reported as oversize with its full
// size so the tracker skips it without buffering it.

#include <cstddef>
#include <optional>
#include <string_view>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/nats/message.hpp"

namespace wisp::protocols::nats {

/// nats-server's default max_payload (1 MiB): larger messages are skipped as oversize.
inline constexpr std::size_t default_max_message_bytes = std::size_t{1} << 20;
/// Control lines longer than this are invalid. nats-server limits client lines to 4 KiB by
/// default (max_control_line); INFO lines of large clusters are longer, hence the margin.
inline constexpr std::size_t max_control_line_bytes = std::size_t{64} << 10;

struct parse_options {
  /// Payload bytes (headers included) copied into the body; the rest is cut (truncated_suffix).
  std::size_t max_payload_bytes = default_max_string_bytes;
  std::size_t max_message_bytes = default_max_message_bytes;
};

[[nodiscard]] parse_result parse_message(message_type type, std::string_view buf,
                                         const parse_options& options, message& out);

/// Offset >= start of the next line start (or offset 0) that begins with an operation the
/// given side sends, followed by a field separator or the line end; no_frame_boundary if none.
[[nodiscard]] std::size_t find_frame_boundary(message_type type, std::string_view buf,
                                              std::size_t start);

/// Which side sent the first message of the buffer (for role inference): CONNECT, PUB, HPUB,
/// SUB, UNSUB are requests; INFO, MSG, HMSG, +OK, -ERR responses; PING and PONG (both sides)
/// and anything else undecided.
[[nodiscard]] std::optional<message_type> classify(std::string_view buf);

}  // namespace wisp::protocols::nats
