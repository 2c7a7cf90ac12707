#pragma once
// mysql framing: bytes -> mysql::packet frames. Pure functions, no state between calls.
//
// A frame is one logical packet: a payload of 0xffffff bytes continues in the next packet and
// the pieces are joined. Lengths are bounded before anything is allocated: a packet (all its
// pieces) longer than max_packet_bytes is reported as parse_state::oversize with the wire size
// of the pieces whose headers were seen, so the tracker skips them without buffering them (the
// pieces after them, if any, are then parsed as packets of their own and fail to pair).
// Client packets are checked against what can be sent: sequence 0 must be a known command with a
// length that command can have; connection-phase packets (login, auth data: sequence > 0) are at
// most max_handshake_bytes. Server packets can hold anything.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/mysql/message.hpp"

namespace wisp::protocols::mysql {

inline constexpr std::size_t default_max_packet_bytes = std::size_t{256} << 10;
/// Login requests and auth data are small (user, auth response, database, plugin, attributes).
inline constexpr std::size_t max_handshake_bytes = std::size_t{64} << 10;
/// The server greeting: protocol 10, a version string, ids and capabilities: at least this long.
inline constexpr std::size_t min_greeting_bytes = 32;

struct parse_options {
  /// Packets whose payload (continuations joined) is longer than this are skipped, not buffered.
  std::size_t max_packet_bytes = default_max_packet_bytes;
};

[[nodiscard]] parse_result parse_packet(message_type type, std::string_view buf,
                                        const parse_options& options, packet& out);

/// Offset >= start where a packet of this direction plausibly begins, no_frame_boundary if none:
/// requests: sequence 0 and a plausible command (followed, if the buffer holds it, by another
/// sequence-0 header); responses: the first packet of an answer (sequence 1 and an OK, ERR, EOF
/// or column count, followed if present by a sequence 1 or 2 header) or a server greeting.
[[nodiscard]] std::size_t find_frame_boundary(message_type type, std::string_view buf,
                                              std::size_t start,
                                              std::size_t max_packet_bytes = default_max_packet_bytes);

/// Which side the buffer's first packet comes from (for role inference): a command or a login
/// request means request; a server greeting or the first packet of an answer, response.
[[nodiscard]] std::optional<message_type> classify(std::string_view buf);

/// Whether a server packet is the greeting that opens a connection.
bool is_greeting(const packet& p);

}  // namespace wisp::protocols::mysql
