#pragma once
// mysql request/response pairing. The server answers commands in order; a command is a client
// packet with sequence id 0 and its answer the server packets numbered 1, 2, ... after it. The
// front command takes its answer from the front of the response queue:
//  - COM_QUERY, COM_STMT_EXECUTE, COM_PROCESS_INFO: OK, ERR, or result sets (column count,
//    column definitions, an EOF unless CLIENT_DEPRECATE_EOF, rows, then EOF / 0xfe-OK / ERR),
//    following SERVER_MORE_RESULTS_EXIST to the last one. Body: "" for OK, the error message for
//    ERR, "Resultset rows = N" for a result set (", "-joined after the first of several);
//  - COM_STMT_PREPARE: COM_STMT_PREPARE_OK with its parameter and column definitions (and their
//    EOFs), or ERR. The statement is remembered (session) for its executions;
//  - COM_STMT_EXECUTE's request body is the prepared query with the parameters' values in place
//    of its `?` (render_execute), "Execute stmt_id=N." if the PREPARE was not seen;
//  - COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA: no answer: status none, time_ = the request's;
//    COM_QUIT: none too, unless an OK/ERR follows;
//  - COM_FIELD_LIST, COM_STMT_FETCH: packets up to EOF or ERR;
//  - every other command: one OK, ERR or EOF packet.
// Connection-phase packets (server greeting; login request, auth switch, auth data and their
// answers, the sequence of each answer following its request's) produce no record; they are
// counted as interim_responses. Server packets stamped before the front command, or that cannot
// start its answer, are dropped as orphans. An answer whose structure breaks is dropped with its
// command as a stitch error.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/mysql/message.hpp"

namespace wisp::protocols::mysql {

/// Pixie's resp_status values.
enum class resp_status : std::uint8_t { unknown = 0, none = 1, ok = 2, err = 3 };

inline constexpr std::size_t max_session_statements = 1024;
inline constexpr std::size_t max_session_bytes = std::size_t{256} << 10;

/// One command and its answer. latency = resp_timestamp_ns - req_timestamp_ns; time_ is the
/// response time (the packet that completed the answer; the request's for commands without one).
struct record {
  std::uint8_t req_cmd = 0;
  std::string req_body;
  resp_status status = resp_status::unknown;
  std::string resp_body;
  std::int64_t req_timestamp_ns = 0;
  std::int64_t resp_timestamp_ns = 0;
};

/// What a connection carries from one command to later ones: prepared statements by id (query,
/// parameter count, the parameter types last sent) and whether result sets end without EOF
/// packets (CLIENT_DEPRECATE_EOF, known once the greeting and login were seen). Bounded by
/// max_session_statements and max_session_bytes; the lowest ids (the oldest) go first, counted
/// in stitch_counters::state_dropped.
class session {
 public:
  struct statement {
    std::string query;
    std::uint16_t num_params = 0;
    std::vector<std::uint16_t> param_types;
  };

  statement* find(std::uint32_t id);
  void put(std::uint32_t id, statement s, stitch_counters& counters);
  void erase(std::uint32_t id);
  std::size_t size() const { return statements_.size(); }
  std::size_t bytes() const { return bytes_; }

  std::uint32_t server_capabilities = 0;  // 0 until the greeting is seen
  std::optional<bool> deprecate_eof;
  /// The connection is known to carry MySQL: a server greeting was seen, or a command that
  /// only MySQL traffic answers as expected (COM_QUERY, COM_STMT_PREPARE, COM_STMT_EXECUTE,
  /// COM_INIT_DB, COM_CREATE_DB, COM_DROP_DB, COM_CONNECT) completed.
  bool confirmed = false;

 private:
  static std::size_t cost(const statement& s) { return s.query.size() + 2 * s.param_types.size() + 16; }
  std::map<std::uint32_t, statement> statements_;
  std::size_t bytes_ = 0;
};

/// Pops paired commands and answers from the fronts of the queues and appends records to out.
/// A command whose answer is incomplete stays queued (the tracker expires it); at end of stream
/// it is dropped as an error. As Pixie does, the records of a call that ends with the connection
/// still unconfirmed (session::confirmed) are dropped, counted in unconfirmed_dropped: bytes
/// that merely look like pings and quits do not make rows.
void stitch(std::deque<packet>& requests, std::deque<packet>& responses, bool end_of_stream,
            session& state, stitch_counters& counters, std::vector<record>& out);

}  // namespace wisp::protocols::mysql
