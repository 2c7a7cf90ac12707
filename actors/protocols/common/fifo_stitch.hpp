#pragma once
// The FIFO pairing check shared by protocols that answer requests in order (HTTP/1.x, Redis):
// may the response at the front of its queue be paired with the request at the front of its?
// Counts the attempt and, for a dropped orphan, the error.

#include <deque>

#include "actors/protocols/common/protocol.hpp"

namespace wisp::protocols {

enum class fifo_front : std::uint8_t {
  pair,     // pair requests.front() with the response
  wait,     // no request yet and the stream goes on: it may still arrive
  orphan,   // the response answers no request seen here (none at end of stream, or stamped
            // before the first request: its request was sent before tracing began); drop it
};

template <class Frame>
fifo_front check_fifo_front(const std::deque<Frame>& requests, const Frame& resp, bool end_of_stream,
                            stitch_counters& counters) {
  if (requests.empty() && !end_of_stream) return fifo_front::wait;
  ++counters.attempts;
  if (requests.empty() || resp.timestamp_ns < requests.front().timestamp_ns) {
    ++counters.errors;
    ++counters.orphan_responses;
    return fifo_front::orphan;
  }
  return fifo_front::pair;
}

}  // namespace wisp::protocols
