#pragma once
// Builds RESP bytes for tests, so expected requests are written as words, not as wire bytes.

#include <string>
#include <vector>

namespace wisp::protocols::redis::resp {

inline std::string bulk(const std::string& s) { return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n"; }

/// A request as clients send it: an array of bulk strings.
inline std::string command(const std::vector<std::string>& words) {
  std::string out = "*" + std::to_string(words.size()) + "\r\n";
  for (const std::string& w : words) out += bulk(w);
  return out;
}

}  // namespace wisp::protocols::redis::resp
