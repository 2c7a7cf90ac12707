#include "actors/protocols/nats/stitch.hpp"

#include <algorithm>

namespace wisp::protocols::nats {
namespace {

bool is_keepalive(const message& m) { return m.command == ping_command || m.command == pong_command; }

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
  // Records come out in time order, except that a message waiting for its acknowledgement lets
  // the server messages sent meanwhile go first.
  while (true) {
    bool next_is_server = !responses.empty() && !is_ack(responses.front()) &&
                          (requests.empty() || responses.front().timestamp_ns <= requests.front().timestamp_ns);
    if (next_is_server) {
      record_alone(responses, out);
      continue;
    }
    if (!requests.empty()) {
      message& req = requests.front();
      if (req.verbose) state.verbose = req.verbose;  // a CONNECT that states it
      if (!awaits_ack(req, state)) {
        record_alone(requests, out);
        continue;
      }
    }
    if (!responses.empty() && !is_ack(responses.front())) {
      record_alone(responses, out);  // sent while the front message waits for its ack
      continue;
    }
    if (responses.empty()) break;
    // An acknowledgement at the front of the responses, for the front message if there is one
    // and the ack is not older. The server acknowledges only what it has read, and the tracker
    // parses both directions before stitching, so an ack never waits for its message.
    if (requests.empty() || responses.front().timestamp_ns < requests.front().timestamp_ns) {
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
    out.push_back(record{std::move(requests.front()), std::move(responses.front())});
    requests.pop_front();
    responses.pop_front();
  }
}

}  // namespace wisp::protocols::nats
