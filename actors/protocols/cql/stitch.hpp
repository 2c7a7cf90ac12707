#pragma once
// CQL request/response pairing by stream id. A client multiplexes requests on one connection,
// each with its own stream id, and the server answers in any order, so a response is paired
// with the oldest queued request of its stream that was stamped no later than it. EVENTs
// (stream -1) answer no request: each is a record of its own with a stand-in request (REGISTER,
// which set the events up, body "-", the event's time, so latency 0). Requests not yet answered
// stay queued until the tracker expires them.

#include <deque>
#include <vector>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/cql/message.hpp"

namespace wisp::protocols::cql {

/// One request and its response. latency = resp.timestamp_ns - req.timestamp_ns.
struct record {
  message req;
  message resp;
};

/// Consumes every response: paired, turned into an event record, or dropped as an orphan
/// (its request was sent before tracing began, or lost), counted in counters.
void stitch(std::deque<message>& requests, std::deque<message>& responses, bool end_of_stream,
            stitch_counters& counters, std::vector<record>& out);

}  // namespace wisp::protocols::cql
