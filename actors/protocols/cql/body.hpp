#pragma once
// Decoding and rendering of CQL frame bodies into the text of the cql_events req_body /
// resp_body columns. The forms follow Pixie's (facts §1.2; unsure points are marked):
//   STARTUP        JSON object of the options        {"CQL_VERSION":"3.0.0"}
//   REGISTER       JSON array of the event types     ["TOPOLOGY_CHANGE","STATUS_CHANGE"]
//   QUERY, PREPARE the query text (QUERY's parameters are checked, not shown)
//   EXECUTE        JSON {"id":hex,"values":[hex,...]} (the bound values as hex)
//   BATCH          JSON array of the statements (query text, or the prepared id as hex)
//   OPTIONS, AUTH_RESPONSE (credentials), READY, AUTH_CHALLENGE, AUTH_SUCCESS   empty
//   AUTHENTICATE   the authenticator class
//   SUPPORTED      JSON object of option -> array of values
//   ERROR          "[code] message"
//   RESULT         "Response type = VOID" / "= ROWS\nNumber of columns = N\n[names]\nNumber of
//                  rows = M" / "= SET_KEYSPACE\nKeyspace = k" / "= PREPARED\nPrepared ID = hex"
//                  / "= SCHEMA_CHANGE\nChange type = ...\nTarget = ...\nKeyspace = ...\nName = ..."
//   EVENT          the event type and its fields ("STATUS_CHANGE UP 127.0.0.1:9042", schema
//                  changes as in RESULT)
// The tracing id, warnings and custom payload a header flag announces are skipped first.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/protocols/cql/message.hpp"

namespace wisp::protocols::cql {

/// The rendered body, or nullopt if the body does not decode as its opcode's form (a field
/// runs past the body, a negative count, a type option nested too deep). A compressed body
/// (flag 0x01; the compressor is negotiated in STARTUP, which a mid-stream tracker never saw)
/// is not decoded and renders empty.
[[nodiscard]] std::optional<std::string> render_body(const message& header, std::string_view body);

}  // namespace wisp::protocols::cql
