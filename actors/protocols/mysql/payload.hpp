#pragma once
// Decoders of mysql packet payloads and Pixie's text forms of them. Every decoder checks lengths
// against the bytes it has and fails (nullopt / false) instead of reading past them.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/mysql/message.hpp"

namespace wisp::protocols::mysql {

/// Server status flag: another result set follows this one.
inline constexpr std::uint16_t server_more_results_exist = 0x0008;
/// Capability flag: the client and server end result sets with an OK packet (0xfe header)
/// instead of EOF packets.
inline constexpr std::uint32_t client_deprecate_eof = 0x01000000;
/// Pixie's text for a date/time parameter of COM_STMT_EXECUTE.
inline constexpr std::string_view datetime_placeholder = "MySQL DateTime rendering not implemented yet";

/// A length-encoded integer at the front of `in`, which is advanced past it.
std::optional<std::uint64_t> read_lenenc(std::string_view& in);

/// OK packet (0x00 header, at least 7 bytes), ERR packet (0xff), EOF packet (0xfe, exactly 5
/// bytes), and the OK packet with an 0xfe header that ends a result set under
/// CLIENT_DEPRECATE_EOF (at least 7 bytes).
bool is_ok(const packet& p);
bool is_err(const packet& p);
bool is_eof(const packet& p);
bool is_eof_ok(const packet& p);

/// The status flags of an OK, EOF or 0xfe-OK packet; 0 if they cannot be read.
std::uint16_t status_flags(const packet& p);

/// The text of an ERR packet, as Pixie shows it: the message after the error code and the
/// `#` + 5-byte SQL state.
std::string error_message(const packet& p);

/// A column definition (protocol 4.1): starts with the catalog "def".
bool is_column_definition(const packet& p);

/// A result set's first packet: its column count (1..max_columns) and whether the column
/// definitions follow. MariaDB (MARIADB_CLIENT_CACHE_METADATA) and MySQL 8
/// (CLIENT_OPTIONAL_RESULTSET_METADATA) add a byte saying whether they are sent (0: the client
/// has them cached). nullopt if it is not one.
inline constexpr std::uint64_t max_columns = 4096;
struct column_header {
  std::uint64_t count = 0;
  bool definitions_follow = true;
};
std::optional<column_header> column_count(const packet& p);

/// COM_STMT_PREPARE_OK.
struct prepare_ok {
  std::uint32_t stmt_id = 0;
  std::uint16_t num_columns = 0;
  std::uint16_t num_params = 0;
};
std::optional<prepare_ok> decode_prepare_ok(const packet& p);

/// Capabilities of a server greeting and of a client's login request (0 if unreadable).
std::uint32_t greeting_capabilities(const packet& p);
std::uint32_t login_capabilities(const packet& p);

/// The statement id of a COM_STMT_EXECUTE / CLOSE / RESET / SEND_LONG_DATA / FETCH payload.
std::optional<std::uint32_t> statement_id(std::string_view payload);

/// A COM_STMT_EXECUTE rendered as Pixie does: the prepared query with each `?` replaced, in
/// order, by a parameter's value (integers in decimal, floats with six decimals, strings and
/// decimals as sent, dates and times as datetime_placeholder; a NULL parameter as NULL).
/// `types` holds the parameter types (two bytes each) the client sent with this or an earlier
/// execution of the statement: updated when this one carries them. nullopt if the parameters
/// cannot be decoded.
std::optional<std::string> render_execute(std::string_view payload, std::string_view query,
                                          std::uint16_t num_params, std::vector<std::uint16_t>& types);

}  // namespace wisp::protocols::mysql
