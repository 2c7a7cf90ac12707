#pragma once
// Diagnostics: every pass reports problems as collected values with a source location, never by
// throwing. A pass keeps going after a problem when it can, so one run reports several.

#include <string>
#include <string_view>
#include <vector>

namespace wisp::pxl {

/// 1-based line and column of a character in the script.
struct source_location {
  int line = 0;
  int col = 0;
  friend bool operator==(const source_location&, const source_location&) = default;
};

struct diagnostic {
  std::string file;
  int line = 0;
  int col = 0;
  std::string message;
  std::string hint;  // optional: what to do instead
};

/// "file:line:col: message" (and "\n  hint: ..." when there is a hint).
std::string to_string(const diagnostic& d);

/// Most diagnostics kept for one compilation; one more says that the rest were left out.
inline constexpr std::size_t max_diagnostics = 100;

/// Collects diagnostics of one compilation; every pass appends to the same list. A repeat of a
/// diagnostic (same place and message, e.g. from a function called twice) is kept once.
class diagnostics {
 public:
  explicit diagnostics(std::string file) : file_(std::move(file)) {}
  void error(source_location loc, std::string message, std::string hint = {}) {
    error_in(file_, loc, std::move(message), std::move(hint));
  }
  /// An error in another input of the compilation (the vis spec, the script arguments).
  void error_in(const std::string& file, source_location loc, std::string message,
                std::string hint = {}) {
    if (list_.size() > max_diagnostics) return;
    for (const auto& d : list_)
      if (d.file == file && d.line == loc.line && d.col == loc.col && d.message == message) return;
    if (list_.size() == max_diagnostics) {
      message = "too many errors; the first " + std::to_string(max_diagnostics) + " are shown";
      hint.clear();
    }
    list_.push_back({file, loc.line, loc.col, std::move(message), std::move(hint)});
  }
  const std::string& file() const { return file_; }
  bool ok() const { return list_.empty(); }
  const std::vector<diagnostic>& list() const { return list_; }
  std::vector<diagnostic> take() { return std::move(list_); }

 private:
  std::string file_;
  std::vector<diagnostic> list_;
};

}  // namespace wisp::pxl
