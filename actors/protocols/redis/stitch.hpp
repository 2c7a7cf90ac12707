#pragma once
// Redis request/response pairing. Redis answers each connection's requests in order
// (pipelining included), so pairing is FIFO, with three exceptions:
//  - messages pushed without a request (pub/sub messages; RESP3 pushes such as client-tracking
//    invalidations) become records of their own, with a request named "PUSH PUB" (Pixie's name
//    for published messages) or "PUSH <NAME>" for other pushes, no arguments and zero latency;
//  - a SUBSCRIBE-family request with N channels is answered by N confirmations: the first makes
//    the record, the others are consumed (counted as interim responses);
//  - an UNSUBSCRIBE of all channels is answered by one confirmation per channel the client had:
//    confirmations are consumed until another reply comes.

#include <deque>
#include <string_view>
#include <vector>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/redis/message.hpp"

namespace wisp::protocols::redis {

inline constexpr std::string_view published_command = "PUSH PUB";
inline constexpr std::string_view push_command_prefix = "PUSH ";

/// One request and its reply, or a pushed message and its synthesized request.
/// latency = resp.timestamp_ns - req.timestamp_ns.
struct record {
  message req;
  message resp;
};

/// Pops paired requests and responses (and dropped ones) from the fronts of the queues and
/// appends records to out. A reply stamped before its candidate request cannot answer it (its
/// request was never seen, e.g. tracing started mid-connection) and is dropped as an orphan, as
/// is a reply with no request once the stream ended. Unpaired requests stay queued; the tracker
/// expires them.
void stitch(std::deque<message>& requests, std::deque<message>& responses, bool end_of_stream,
            stitch_counters& counters, std::vector<record>& out);

}  // namespace wisp::protocols::redis
