#pragma once
// DNS request/response pairing by transaction id. Answers need not come in request order (a
// UDP resolver answers whichever query it resolved first, and a client may have several queries
// in flight on one socket), so a response is paired with the oldest request that has its txid
// and the same questions and was stamped no later than it, wherever that request is in the
// queue. Requests no response answered stay queued until the tracker expires them (Pixie does
// not emit response-less DNS requests by default, facts §4.6).

#include <deque>
#include <vector>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/dns/message.hpp"

namespace wisp::protocols::dns {

/// One query and its answer. latency = resp.timestamp_ns - req.timestamp_ns.
struct record {
  message req;
  message resp;
};

/// Pairs every response in `responses` (all are consumed): with its request, or, when no queued
/// request matches, dropped as an orphan (its query was sent before tracing began, or lost),
/// counted in counters. end_of_stream does not change anything: a response's request is always
/// sent, and so parsed, before it.
void stitch(std::deque<message>& requests, std::deque<message>& responses, bool end_of_stream,
            stitch_counters& counters, std::vector<record>& out);

}  // namespace wisp::protocols::dns
