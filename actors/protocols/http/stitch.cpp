#include "actors/protocols/http/stitch.hpp"

#include "actors/protocols/common/fifo_stitch.hpp"

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
    fifo_front check = check_fifo_front(requests, resp, end_of_stream, counters);
    if (check == fifo_front::wait) break;
    if (check == fifo_front::orphan) {
      responses.pop_front();
      continue;
    }
    out.push_back(record{std::move(requests.front()), std::move(resp)});
    requests.pop_front();
    responses.pop_front();
  }
}

}  // namespace wisp::protocols::http
