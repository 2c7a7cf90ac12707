#pragma once
// A PostgreSQL frontend/backend protocol (v3) message as parsed from the wire: one frame of the
// pgsql protocol. Plain value.
//
// Regular messages are `tag, int32 length (counting itself), payload`. The first messages a
// client sends carry no tag (startup, SSLRequest, GSSENCRequest, CancelRequest: `int32 length,
// int32 code, ...`), and the server answers SSLRequest/GSSENCRequest with one bare byte.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "actors/protocols/common/protocol.hpp"

namespace wisp::protocols::pgsql {

enum class message_kind : std::uint8_t {
  regular,
  startup,          // StartupMessage (protocol 3.x)
  ssl_request,      // SSLRequest
  gssenc_request,   // GSSENCRequest
  cancel_request,   // CancelRequest (sent on its own connection; never answered)
  encryption_reply, // the single byte 'S'/'G' (accepted) or 'N' (refused) answering the two above
};

/// Message tags (protocol-message-formats). Several letters mean one thing from the frontend
/// and another from the backend; the names say which.
namespace tag {
// Frontend.
inline constexpr char bind = 'B';
inline constexpr char close = 'C';
inline constexpr char copy_fail = 'f';
inline constexpr char describe = 'D';
inline constexpr char execute = 'E';
inline constexpr char flush = 'H';
inline constexpr char function_call = 'F';
inline constexpr char parse = 'P';
inline constexpr char password = 'p';  // also SASLInitialResponse, SASLResponse, GSSResponse
inline constexpr char query = 'Q';
inline constexpr char sync = 'S';
inline constexpr char terminate = 'X';
// Both directions.
inline constexpr char copy_data = 'd';
inline constexpr char copy_done = 'c';
// Backend.
inline constexpr char authentication = 'R';
inline constexpr char backend_key_data = 'K';
inline constexpr char bind_complete = '2';
inline constexpr char close_complete = '3';
inline constexpr char command_complete = 'C';
inline constexpr char copy_both_response = 'W';
inline constexpr char copy_in_response = 'G';
inline constexpr char copy_out_response = 'H';
inline constexpr char data_row = 'D';
inline constexpr char empty_query_response = 'I';
inline constexpr char error_response = 'E';
inline constexpr char function_call_response = 'V';
inline constexpr char negotiate_protocol_version = 'v';
inline constexpr char no_data = 'n';
inline constexpr char notice_response = 'N';
inline constexpr char notification_response = 'A';
inline constexpr char parameter_description = 't';
inline constexpr char parameter_status = 'S';
inline constexpr char parse_complete = '1';
inline constexpr char portal_suspended = 's';
inline constexpr char ready_for_query = 'Z';
inline constexpr char row_description = 'T';
}  // namespace tag

struct message {
  message_kind kind = message_kind::regular;
  /// The tag of a regular message, the byte of an encryption_reply, '\0' for the other kinds.
  char tag = '\0';
  /// The bytes after the length field (startup family: after the length, code included).
  /// A DataRow holds its values rendered as text instead (see parse.hpp) and CopyData nothing.
  std::string payload;
  /// DataRow and CopyData runs are merged by the stitcher; this counts the merged messages
  /// (1 for a single one). payload then holds the rendered rows that fit its limit.
  std::uint64_t rows = 1;
  // Set by the tracker.
  std::int64_t timestamp_ns = 0;
  std::size_t wire_size = 0;
};

/// The req_cmd name of a request tag (Pixie's names: "Query", "Parse", "Password Message", ...);
/// "Unknown" for anything else.
std::string_view request_name(char t);

/// Whether a tag can start a regular message sent by the frontend (request) or the backend.
bool is_tag(message_type type, char t);

}  // namespace wisp::protocols::pgsql
