#include "actors/protocols/kafka/stitch.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "actors/protocols/kafka/decode.hpp"
#include "actors/protocols/kafka/parse.hpp"

namespace wisp::protocols::kafka {

void stitch(std::deque<message>& requests, std::deque<message>& responses, bool end_of_stream,
            stitch_counters& counters, std::vector<record>& out) {
  // One pass over each queue (the queues may hold many thousand small frames): the first request
  // awaiting a response of each id, and the highest id queued.
  std::unordered_map<std::int32_t, std::size_t> awaiting;
  std::int64_t max_id = -1;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].expects_response) awaiting.try_emplace(requests[i].correlation_id, i);
    max_id = std::max<std::int64_t>(max_id, requests[i].correlation_id);
  }
  std::vector<bool> taken(requests.size());
  std::deque<message> waiting;
  for (message& resp : responses) {
    auto it = awaiting.find(resp.correlation_id);
    if (it == awaiting.end() || requests[it->second].timestamp_ns > resp.timestamp_ns) {
      // Clients number requests upwards: a response above every id queued may answer a request
      // not parsed yet (its direction stalled at a gap); it waits. Others are orphans.
      if (resp.correlation_id > max_id && !end_of_stream) {
        waiting.push_back(std::move(resp));
        continue;
      }
      ++counters.attempts;
      ++counters.errors;
      ++counters.orphan_responses;
      continue;
    }
    ++counters.attempts;
    std::size_t i = it->second;
    awaiting.erase(it);
    taken[i] = true;
    message& req = requests[i];
    resp.body = decode_body(message_type::response, req.api_key, req.api_version, resp.body, resp.body_cut,
                            max_json_bytes);
    out.push_back(record{std::move(req), std::move(resp)});
  }
  responses = std::move(waiting);
  // Requests answered by nothing (Produce with acks = 0) are records on their own, in order; the
  // others keep waiting.
  std::deque<message> left;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (taken[i]) continue;
    if (requests[i].expects_response) {
      left.push_back(std::move(requests[i]));
      continue;
    }
    ++counters.attempts;
    out.push_back(record{std::move(requests[i]), {}});
  }
  requests = std::move(left);
}

}  // namespace wisp::protocols::kafka
