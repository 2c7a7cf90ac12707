#pragma once
// HTTP/1.x request/response pairing. HTTP/1.x answers in request order (pipelining included),
// so pairing is FIFO: the first unanswered request gets the first final response. Interim (1xx
// other than 101) responses are consumed without producing a record.

#include <cstdint>
#include <deque>
#include <vector>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/http/message.hpp"

namespace wisp::protocols::http {

/// One request and its final response. latency = resp.timestamp_ns - req.timestamp_ns.
struct record {
  message req;
  message resp;
};

/// Pops paired requests and responses (and dropped ones) from the fronts of the queues and
/// appends records to out. A response stamped before its candidate request cannot answer it
/// (its request was never seen, e.g. tracing started mid-connection) and is dropped as an
/// orphan. Unpaired frames stay queued; the tracker expires them.
void stitch(std::deque<message>& requests, std::deque<message>& responses, bool end_of_stream,
            stitch_counters& counters, std::vector<record>& out);

}  // namespace wisp::protocols::http
