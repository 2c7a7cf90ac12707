#pragma once
// pgsql request/response pairing. The backend answers requests in order, so the front request
// takes the backend messages that answer it from the front of the response queue:
//  - startup (and the password exchange that follows): everything up to ReadyForQuery; no record;
//  - SSLRequest/GSSENCRequest: the one-byte answer; no record;
//  - Query: every statement's RowDescription, DataRows, CommandComplete / EmptyQueryResponse /
//    ErrorResponse and COPY messages up to ReadyForQuery; the CopyData/CopyDone/CopyFail the
//    client sent for a COPY FROM STDIN belong to it too. One record;
//  - Parse, Bind, Describe, Execute: their own answers (ParseComplete, BindComplete,
//    [ParameterDescription] RowDescription/NoData, DataRows + CommandComplete, or ErrorResponse);
//    one record each, as Pixie reports them. After an ErrorResponse the backend ignores
//    everything up to Sync, so those requests are dropped without answers or records;
//  - Close, Sync, Flush, Password, Terminate, CancelRequest: their answers (if any); no record.
// NoticeResponse, ParameterStatus and NotificationResponse may come at any time and are skipped.
//
// Records carry the req and resp texts already rendered (Pixie's forms: see payload.hpp):
// Query -> the query / `cols\nrow\nrow\nSELECT 2`; Parse -> the query / `PARSE COMPLETE`;
// Bind -> `portal=.. statement=.. parameters=[..] ..` / `BIND COMPLETE`; Describe ->
// `type=kPortal name=` / `ROW DESCRIPTION [..]`; Execute -> `query=[..] params=[..]` / rows as
// for Query. An error answer is `ERROR RESPONSE [..]`.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/pgsql/message.hpp"

namespace wisp::protocols::pgsql {

inline constexpr std::string_view parse_complete_text = "PARSE COMPLETE";
inline constexpr std::string_view bind_complete_text = "BIND COMPLETE";
inline constexpr std::string_view empty_query_text = "EMPTY QUERY RESPONSE";
inline constexpr std::string_view portal_suspended_text = "PORTAL SUSPENDED";
inline constexpr std::size_t max_session_entries = 1024;
inline constexpr std::size_t max_session_bytes = std::size_t{256} << 10;

/// One request and its answer. latency = resp_timestamp_ns - req_timestamp_ns; time_ is the
/// response time (that of the message that completed the answer).
struct record {
  char req_tag = '\0';  // request_name(req_tag) is the req_cmd column
  std::string req;
  std::string resp;
  std::int64_t req_timestamp_ns = 0;
  std::int64_t resp_timestamp_ns = 0;
};

/// What the extended protocol leaves on a connection for later messages: prepared statements
/// and portals by name ("" is the unnamed one), the column names their rows have, and whether
/// the backend is skipping to the next Sync after an error. Bounded by max_session_entries and
/// max_session_bytes; the oldest names go first (counted in stitch_counters::state_dropped).
class session {
 public:
  struct statement {
    std::string query;
    std::string columns;
  };
  struct portal {
    std::string query;
    std::string params;
    std::string columns;
  };

  const statement* find_statement(std::string_view name) const;
  const portal* find_portal(std::string_view name) const;
  void put_statement(std::string_view name, statement s, stitch_counters& counters);
  void put_portal(std::string_view name, portal p, stitch_counters& counters);
  /// Close: type 'S' statement or 'P' portal.
  void erase(char type, std::string_view name);
  std::size_t entries() const { return statements_.size() + portals_.size(); }
  std::size_t bytes() const { return bytes_; }

  bool skipping_to_sync = false;

 private:
  void bound(std::string_view keep_statement, std::string_view keep_portal, stitch_counters& counters);

  std::map<std::string, statement, std::less<>> statements_;
  std::map<std::string, portal, std::less<>> portals_;
  std::size_t bytes_ = 0;
};

/// Pops paired requests and answers from the fronts of the queues and appends records to out.
/// Backend messages stamped before the front request cannot answer it (their request was never
/// seen, e.g. tracing started mid-connection) and are dropped as orphans; a request whose first
/// answer is of the wrong kind is dropped as an error. A request whose answer is incomplete
/// stays queued (the tracker expires it). Runs of DataRow and CopyData messages are merged first
/// so that a long result does not grow the queues.
void stitch(std::deque<message>& requests, std::deque<message>& responses, bool end_of_stream,
            session& state, stitch_counters& counters, std::vector<record>& out);

}  // namespace wisp::protocols::pgsql
