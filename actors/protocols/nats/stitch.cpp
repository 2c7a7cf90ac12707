#include "actors/protocols/nats/stitch.hpp"

#include <algorithm>

namespace wisp::protocols::nats {
namespace {

bool is_keepalive(const message& m) { return m.command == "PING" || m.command == "PONG"; }

bool awaits_ack(const message& req, const session& state) {
  return state.verbose.value_or(false) && !is_keepalive(req);
}

void record_alone(std::deque<message>& q, std::vector<record>& out) {
  out.push_back(record{std::move(q.front()), {}});
  q.pop_front();
}

}  // namespace

void stitch(std::deque<message>& requests, std::deque<message>& responses, bool /*end_of_stream*/,
            session& state, stitch_counters& counters, std::vector<record>& out) {
  // Joined mid-connection (no CONNECT seen): a +OK can only be for a verbose client.
  if (!state.verbose && std::any_of(responses.begin(), responses.end(),
                                    [](const message& m) { return m.command == ok_command; }))
    state.verbose = true;
  while (true) {
    while (!responses.empty() && !is_ack(responses.front())) record_alone(responses, out);
    if (!requests.empty()) {
      message& req = requests.front();
      if (req.verbose && req.command == "CONNECT") state.verbose = req.verbose;
      if (!awaits_ack(req, state)) {
        record_alone(requests, out);
        continue;
      }
    }
    if (responses.empty()) break;
    // An acknowledgement at the front of the responses.
    if (requests.empty()) {
      // The server acknowledges only what it has read, and the tracker parses both directions
      // before stitching, so no message can still be on its way.
      if (responses.front().command == err_command) {
        record_alone(responses, out);  // a connection-level error, or one for a non-verbose client
        continue;
      }
      ++counters.attempts;
      ++counters.errors;
      ++counters.orphan_responses;
      responses.pop_front();
      continue;
    }
    ++counters.attempts;
    if (responses.front().timestamp_ns < requests.front().timestamp_ns) {
      ++counters.errors;
      ++counters.orphan_responses;
      responses.pop_front();
      continue;
    }
    out.push_back(record{std::move(requests.front()), std::move(responses.front())});
    requests.pop_front();
    responses.pop_front();
  }
}

}  // namespace wisp::protocols::nats
