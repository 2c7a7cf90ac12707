#include "actors/protocols/cql/stitch.hpp"

#include <algorithm>

namespace wisp::protocols::cql {

void stitch(std::deque<message>& requests, std::deque<message>& responses, bool /*end_of_stream*/,
            stitch_counters& counters, std::vector<record>& out) {
  for (message& resp : responses) {
    ++counters.attempts;
    if (resp.op == opcode::event) {
      message req;
      req.type = message_type::request;
      req.version = resp.version;
      req.stream = resp.stream;
      req.op = opcode::register_;
      req.body = "-";
      req.timestamp_ns = resp.timestamp_ns;
      out.push_back(record{std::move(req), std::move(resp)});
      continue;
    }
    auto req = std::find_if(requests.begin(), requests.end(), [&](const message& q) {
      return q.stream == resp.stream && q.timestamp_ns <= resp.timestamp_ns;
    });
    if (req == requests.end()) {
      ++counters.errors;
      ++counters.orphan_responses;
      continue;
    }
    out.push_back(record{std::move(*req), std::move(resp)});
    requests.erase(req);
  }
  responses.clear();
}

}  // namespace wisp::protocols::cql
