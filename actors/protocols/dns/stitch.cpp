#include "actors/protocols/dns/stitch.hpp"

#include <algorithm>

namespace wisp::protocols::dns {
namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Names compare without regard to ASCII case (RFC 4343): resolvers may answer with another case.
bool same_name(const std::string& a, const std::string& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

bool same_questions(const message& req, const message& resp) {
  return std::equal(req.queries.begin(), req.queries.end(), resp.queries.begin(), resp.queries.end(),
                    [](const question& a, const question& b) { return a.type == b.type && same_name(a.name, b.name); });
}

bool answers(const message& req, const message& resp) {
  return req.hdr.txid == resp.hdr.txid && req.timestamp_ns <= resp.timestamp_ns &&
         (resp.queries.empty() || same_questions(req, resp));
}

}  // namespace

void stitch(std::deque<message>& requests, std::deque<message>& responses, bool /*end_of_stream*/,
            stitch_counters& counters, std::vector<record>& out) {
  for (message& resp : responses) {
    ++counters.attempts;
    auto req = std::find_if(requests.begin(), requests.end(), [&](const message& q) { return answers(q, resp); });
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

}  // namespace wisp::protocols::dns
