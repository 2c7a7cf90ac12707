#pragma once
// nats_events.beta: one row per NATS protocol message seen on the server side, with Pixie's exact
// table name and columns (facts §1.2). A client message is paired with the +OK/-ERR that
// acknowledges it when the client asked for verbose mode; server messages (INFO, MSG, HMSG, PING,
// PONG) are rows of their own. time_ is the message's (request's) time; there is no latency.

#include "schemas/canonical.hpp"

namespace wisp::schemas {

inline constexpr table_def<11> nats_events{
  "nats_events.beta",
  "NATS messages",
  {{
    WISP_CANONICAL_COLUMNS,
    {"cmd", data_type::string, semantic_type::st_none, "NATS command name (PUB, SUB, MSG, INFO, ...)"},
    {"body", data_type::string, semantic_type::st_none,
     "JSON object of the command's options (subject, sid, payload, ...); INFO/CONNECT as sent"},
    {"resp", data_type::string, semantic_type::st_none, "Acknowledgement: OK, ERR or empty"},
  }}};

}  // namespace wisp::schemas
