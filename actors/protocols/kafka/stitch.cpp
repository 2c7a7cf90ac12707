#include "actors/protocols/kafka/stitch.hpp"

#include <algorithm>

#include "actors/protocols/kafka/decode.hpp"
#include "actors/protocols/kafka/parse.hpp"

namespace wisp::protocols::kafka {

void stitch(std::deque<message>& requests, std::deque<message>& responses, bool /*end_of_stream*/,
            stitch_counters& counters, std::vector<record>& out) {
  for (message& resp : responses) {
    ++counters.attempts;
    auto req = std::find_if(requests.begin(), requests.end(), [&](const message& q) {
      return q.expects_response && q.correlation_id == resp.correlation_id && q.timestamp_ns <= resp.timestamp_ns;
    });
    if (req == requests.end()) {
      ++counters.errors;
      ++counters.orphan_responses;
      continue;
    }
    resp.body = decode_body(message_type::response, req->api_key, req->api_version, resp.body, resp.body_cut,
                            max_json_bytes);
    out.push_back(record{std::move(*req), std::move(resp)});
    requests.erase(req);
  }
  responses.clear();
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
