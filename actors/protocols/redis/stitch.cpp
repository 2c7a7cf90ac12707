#include "actors/protocols/redis/stitch.hpp"

#include <algorithm>
#include <string>

#include "actors/protocols/common/fifo_stitch.hpp"

namespace wisp::protocols::redis {
namespace {

std::string push_command(const message& resp) {
  if (resp.kind == reply_kind::published) return std::string{published_command};
  std::string name = resp.channel_kind;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; });
  return std::string{push_command_prefix} + name;
}

bool confirms(const message& req, const message& resp) {
  return resp.kind == reply_kind::subscription && !req.channel_kind.empty() &&
         resp.channel_kind == req.channel_kind;
}

}  // namespace

void stitch(std::deque<message>& requests, std::deque<message>& responses, bool end_of_stream,
            stitch_counters& counters, std::vector<record>& out) {
  // A SUBSCRIBE-family request stays at the front, marked answered, after its record while
  // more confirmations are due; its expected_replies counts them down across calls.
  while (!responses.empty()) {
    message& resp = responses.front();
    if (resp.kind == reply_kind::published || resp.kind == reply_kind::push) {
      record r;
      r.req.command = push_command(resp);
      r.req.timestamp_ns = resp.timestamp_ns;
      r.resp = std::move(resp);
      out.push_back(std::move(r));
      responses.pop_front();
      continue;
    }
    if (!requests.empty() && requests.front().answered) {
      message& req = requests.front();
      if (confirms(req, resp)) {
        ++counters.interim_responses;
        responses.pop_front();
        if (req.expected_replies != unknown_replies && --req.expected_replies <= 1) requests.pop_front();
        continue;
      }
      requests.pop_front();  // no more confirmations: the next request is due
      continue;
    }
    fifo_front check = check_fifo_front(requests, resp, end_of_stream, counters);
    if (check == fifo_front::wait) break;
    if (check == fifo_front::orphan) {
      responses.pop_front();
      continue;
    }
    message& req = requests.front();
    bool more_due = confirms(req, resp) && req.expected_replies != 1;
    if (more_due) {
      out.push_back(record{req, std::move(resp)});
      req.answered = true;
    } else {
      out.push_back(record{std::move(req), std::move(resp)});
      requests.pop_front();
    }
    responses.pop_front();
  }
  if (end_of_stream && !requests.empty() && requests.front().answered) requests.pop_front();
}

}  // namespace wisp::protocols::redis
