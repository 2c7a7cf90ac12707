#include "actors/protocols/http/stitch.hpp"

namespace wisp::protocols::http {

void stitch(std::deque<message>& requests, std::deque<message>& responses, bool end_of_stream,
            stitch_counters& counters, std::vector<record>& out) {
  while (!responses.empty()) {
    message& resp = responses.front();
    if (resp.is_interim()) {
      ++counters.interim_responses;
      responses.pop_front();
      continue;
    }
    if (requests.empty()) {
      // The request may still be in flight on the other stream; wait unless the stream ended.
      if (!end_of_stream) break;
      ++counters.attempts;
      ++counters.errors;
      ++counters.orphan_responses;
      responses.pop_front();
      continue;
    }
    ++counters.attempts;
    if (resp.timestamp_ns < requests.front().timestamp_ns) {
      ++counters.errors;
      ++counters.orphan_responses;
      responses.pop_front();
      continue;
    }
    out.push_back(record{std::move(requests.front()), std::move(resp)});
    requests.pop_front();
    responses.pop_front();
  }
}

}  // namespace wisp::protocols::http
