#include "actors/protocols/kafka/stitch.hpp"

#include <algorithm>

#include "actors/protocols/kafka/decode.hpp"
#include "actors/protocols/kafka/parse.hpp"

namespace wisp::protocols::kafka {

void stitch(std::deque<message>& requests, std::deque<message>& responses, bool end_of_stream,
            stitch_counters& counters, std::vector<record>& out) {
  std::deque<message> waiting;
  for (message& resp : responses) {
    auto req = std::find_if(requests.begin(), requests.end(), [&](const message& q) {
      return q.expects_response && q.correlation_id == resp.correlation_id && q.timestamp_ns <= resp.timestamp_ns;
    });
    if (req == requests.end()) {
      // Clients number requests upwards: a response above every id queued may answer a request
      // not parsed yet (its direction stalled at a gap); it waits. Others are orphans.
      bool later = std::all_of(requests.begin(), requests.end(),
                               [&](const message& q) { return q.correlation_id < resp.correlation_id; });
      if (later && !end_of_stream) {
        waiting.push_back(std::move(resp));
        continue;
      }
      ++counters.attempts;
      ++counters.errors;
      ++counters.orphan_responses;
      continue;
    }
    ++counters.attempts;
    resp.body = decode_body(message_type::response, req->api_key, req->api_version, resp.body, resp.body_cut,
                            max_json_bytes);
    out.push_back(record{std::move(*req), std::move(resp)});
    requests.erase(req);
  }
  responses = std::move(waiting);
  // Requests answered by nothing: records on their own, in order.
  for (auto it = requests.begin(); it != requests.end();) {
    if (it->expects_response) {
      ++it;
      continue;
    }
    ++counters.attempts;
    out.push_back(record{std::move(*it), {}});
    it = requests.erase(it);
  }
}

}  // namespace wisp::protocols::kafka
