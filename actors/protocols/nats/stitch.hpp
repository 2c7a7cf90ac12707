#pragma once
// NATS pairing. NATS is not request/response: every message is a record, and the only answers are
// the +OK a verbose client gets for each message it sends (except PING and PONG) and the -ERR for
// one it sent wrong. So, on the server side:
//  - a client message (CONNECT, PUB, HPUB, SUB, UNSUB, PING, PONG) is a record; when the client is
//    verbose (its CONNECT said so, or the server sent it a +OK) and the message is not PING or
//    PONG, the record waits for the next +OK/-ERR and carries it as its response (FIFO: the
//    server acknowledges in order);
//  - a server message that is not an acknowledgement (INFO, MSG, HMSG, PING, PONG) is a record of
//    its own;
//  - a -ERR when no acknowledgement is due (a non-verbose client, or a connection-level error) is
//    a record of its own; a +OK when none is due, or stamped before the message it would answer,
//    is dropped as an orphan.

#include <deque>
#include <optional>
#include <vector>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/nats/message.hpp"

namespace wisp::protocols::nats {

/// One message and the acknowledgement that answered it (resp.command empty when none did).
/// time_ = msg.timestamp_ns; no latency (facts §1.2).
struct record {
  message msg;
  message resp;
};

/// Per-connection stitch state (the tracker owns it): whether the client asked for +OK
/// acknowledgements. Unknown until a CONNECT or a +OK is seen; unknown means not verbose, the
/// NATS default.
struct session {
  std::optional<bool> verbose;
};

/// Pops what it records or drops from the fronts of the queues and appends records to out.
/// Client messages waiting for their acknowledgement stay queued; the tracker expires them.
/// end_of_stream changes nothing: an acknowledgement never waits for its message.
void stitch(std::deque<message>& requests, std::deque<message>& responses, bool end_of_stream,
            session& state, stitch_counters& counters, std::vector<record>& out);

}  // namespace wisp::protocols::nats
