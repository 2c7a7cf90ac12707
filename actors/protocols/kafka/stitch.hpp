#pragma once
// Kafka pairing: a response answers the request with the same correlation id (brokers answer in
// order, but matching the id survives lost frames). The response payload is decoded here, with
// the request's API key and version. A Produce request with acks = 0 gets no response and is a
// record on its own. A response with no request of its id (or stamped before it) waits while its
// id is above every queued request's (its request may not be parsed yet), else, or at end of
// stream, is dropped as an orphan. Frames left waiting stay queued (the tracker expires them).

#include <deque>
#include <vector>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/kafka/message.hpp"

namespace wisp::protocols::kafka {

/// A request and its response (resp.timestamp_ns == 0 when none is due: Produce with acks = 0).
/// resp.body is the response's JSON. time_ = req.timestamp_ns (facts §1.2).
struct record {
  message req;
  message resp;
};

void stitch(std::deque<message>& requests, std::deque<message>& responses, bool end_of_stream,
            stitch_counters& counters, std::vector<record>& out);

}  // namespace wisp::protocols::kafka
