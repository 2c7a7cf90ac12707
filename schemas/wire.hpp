#pragma once
// The CLI <-> daemon messages as C++ values, and their FlatBuffers encoding (schemas/wire.fbs).
// Decoding verifies every buffer first: bytes from the network never reach a parser unchecked.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "schemas/relation.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::wire {

inline constexpr std::uint32_t protocol_version = 1;
/// Upper bound on one ZeroMQ message between Wisp processes and clients.
inline constexpr std::int64_t max_message_bytes = 64 * 1024 * 1024;

/// A script's vis.json (function mode): its name for diagnostics and its text.
struct vis_spec_file {
  std::string file_name;
  std::string text;
};

struct query_request {
  std::string script;
  std::string file_name;
  bool explain = false;
  std::vector<std::pair<std::string, std::string>> args;
  std::optional<vis_spec_file> vis;  // none: script mode
};

struct client_message {
  std::uint64_t query_id = 0;
  query_request request;
};

enum class status : std::uint8_t { ok = 0, compile_error = 1, exec_error = 2, bad_request = 3, busy = 4 };

struct diagnostic {
  std::string file;
  int line = 0;
  int col = 0;
  std::string message;
  std::string hint;
};

struct loss_counter {
  std::string stage;
  std::string name;
  std::uint64_t value = 0;
};

struct accepted {};

struct table_schema {
  std::string table_name;
  schemas::relation rel;
};

struct table_batch {
  std::string table_name;
  schemas::row_batch batch;
};

/// A result table cut by the max_output_rows_per_table limit (it has `limit` rows, more were
/// available).
struct truncation {
  std::string table_name;
  std::int64_t limit = 0;
};

struct done {
  status code = status::ok;
  std::string error;
  std::vector<diagnostic> diagnostics;
  std::string explain;
  std::vector<loss_counter> losses;
  std::vector<truncation> truncated;  // in no particular order
  /// The result is usable but incomplete or degraded, one line each (a partial result: an agent
  /// was lost or stalled mid-query, or failed its part).
  std::vector<std::string> warnings;
};

using server_payload = std::variant<accepted, table_schema, table_batch, done>;

struct server_message {
  std::uint64_t query_id = 0;
  server_payload payload;
};

std::string encode(const client_message& m);
std::string encode(const server_message& m);

/// nullopt and a reason in `error` when the bytes are not a valid message of this version.
std::optional<client_message> decode_client(std::string_view bytes, std::string& error);
std::optional<server_message> decode_server(std::string_view bytes, std::string& error);

}  // namespace wisp::wire
