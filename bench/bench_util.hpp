#pragma once
// What the C++ benchmark harnesses share: best-of-N timing and rewriting their own section of
// bench/README.md (the Python harnesses do the same with readme_section.py).

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

namespace wisp::bench {

/// The shortest of `repeat` runs of f, in seconds.
template <class F>
double best_seconds(int repeat, F&& f) {
  double best = 1e30;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

/// Replaces the section of the Markdown file `path` that starts with `marker` (up to the next
/// "## " heading) by `section`, or appends `section`. False if the file cannot be written.
inline bool write_section(const std::string& path, const std::string& marker,
                          const std::string& section) {
  std::string text;
  {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  if (auto at = text.find(marker); at != std::string::npos) {
    const auto next = text.find("\n## ", at + marker.size());
    text.replace(at, next == std::string::npos ? std::string::npos : next + 1 - at, section + "\n");
  } else {
    while (!text.empty() && text.back() == '\n') text.pop_back();
    text += "\n\n" + section;
  }
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace wisp::bench
