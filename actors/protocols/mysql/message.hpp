#pragma once
// A MySQL client/server protocol packet as parsed from the wire: one frame of the mysql protocol.
// Plain value.
//
// Every packet is `int<3> payload_length, int<1> sequence_id, payload`. A payload of 0xffffff
// bytes or more is sent as several packets, each but the last 0xffffff bytes long; the parser
// joins them into one frame. A command starts at sequence id 0 (the client's command packet) and
// its answer continues 1, 2, ... (wrapping at 256). The connection phase (server greeting, login
// request, auth switch and auth data, final OK/ERR) uses the same framing and does not produce
// records.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wisp::protocols::mysql {

inline constexpr std::size_t header_bytes = 4;
/// The payload length of a packet that is continued by the next one.
inline constexpr std::size_t max_piece_payload = 0xffffff;

/// Command bytes (the first payload byte of a sequence-0 client packet). req_cmd is this value.
namespace cmd {
inline constexpr std::uint8_t sleep = 0x00;
inline constexpr std::uint8_t quit = 0x01;
inline constexpr std::uint8_t init_db = 0x02;
inline constexpr std::uint8_t query = 0x03;
inline constexpr std::uint8_t field_list = 0x04;
inline constexpr std::uint8_t create_db = 0x05;
inline constexpr std::uint8_t drop_db = 0x06;
inline constexpr std::uint8_t refresh = 0x07;
inline constexpr std::uint8_t shutdown = 0x08;
inline constexpr std::uint8_t statistics = 0x09;
inline constexpr std::uint8_t process_info = 0x0a;
inline constexpr std::uint8_t connect = 0x0b;
inline constexpr std::uint8_t process_kill = 0x0c;
inline constexpr std::uint8_t debug = 0x0d;
inline constexpr std::uint8_t ping = 0x0e;
inline constexpr std::uint8_t time = 0x0f;
inline constexpr std::uint8_t delayed_insert = 0x10;
inline constexpr std::uint8_t change_user = 0x11;
inline constexpr std::uint8_t binlog_dump = 0x12;
inline constexpr std::uint8_t table_dump = 0x13;
inline constexpr std::uint8_t connect_out = 0x14;
inline constexpr std::uint8_t register_slave = 0x15;
inline constexpr std::uint8_t stmt_prepare = 0x16;
inline constexpr std::uint8_t stmt_execute = 0x17;
inline constexpr std::uint8_t stmt_send_long_data = 0x18;
inline constexpr std::uint8_t stmt_close = 0x19;
inline constexpr std::uint8_t stmt_reset = 0x1a;
inline constexpr std::uint8_t set_option = 0x1b;
inline constexpr std::uint8_t stmt_fetch = 0x1c;
inline constexpr std::uint8_t daemon = 0x1d;
inline constexpr std::uint8_t binlog_dump_gtid = 0x1e;
inline constexpr std::uint8_t reset_connection = 0x1f;
inline constexpr std::uint8_t last = reset_connection;
}  // namespace cmd

/// First payload bytes of the generic answers.
inline constexpr std::uint8_t ok_header = 0x00;
inline constexpr std::uint8_t eof_header = 0xfe;
inline constexpr std::uint8_t err_header = 0xff;
/// The first byte of the server greeting (protocol version 10).
inline constexpr std::uint8_t greeting_header = 0x0a;

struct packet {
  /// Sequence id of the (first) packet, and of the last one when continuations were joined.
  std::uint8_t seq = 0;
  std::uint8_t last_seq = 0;
  std::string payload;
  // Set by the tracker.
  std::int64_t timestamp_ns = 0;
  std::size_t wire_size = 0;

  std::uint8_t first_byte() const { return payload.empty() ? 0 : static_cast<std::uint8_t>(payload[0]); }
};

/// Whether a sequence-0 client packet starting with `command` can be a command: a known byte
/// whose payload length is within what that command can have (e.g. COM_PING is 1 byte, COM_QUERY
/// at least 1). max_length bounds the commands that carry free text or data.
bool plausible_command(std::uint8_t command, std::size_t payload_length, std::size_t max_length);

/// The name of a command byte ("Query", "StmtPrepare", ...), "Unknown" outside 0x00-0x1f.
std::string_view command_name(std::uint8_t command);

}  // namespace wisp::protocols::mysql
