#pragma once
// The targets' own account of each call: lines "call NAME key=value ..." printed before a call
// and "ret NAME key=value ..." after it (a value may contain spaces: words without '=' continue
// the previous value). This is the truth the probe tests compare with.

#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace wisp::tracepoints::test {

using call_values = std::map<std::string, std::string>;

/// The values of every `kind` ("call" or "ret") line of function `name`, in order.
inline std::vector<call_values> lines_of(const std::string& output, const std::string& kind,
                                         const std::string& name) {
  std::vector<call_values> out;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string k, n, w, last;
    if (!(words >> k >> n) || k != kind || n != name) continue;
    call_values v;
    while (words >> w) {
      const auto eq = w.find('=');
      if (eq == std::string::npos || eq == 0) {
        if (!last.empty()) v[last] += " " + w;
        continue;
      }
      last = w.substr(0, eq);
      v[last] = w.substr(eq + 1);
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace wisp::tracepoints::test
