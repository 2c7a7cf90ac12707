#pragma once
// Pixie's text rendering of Redis messages (the req_cmd, req_args and resp columns), bounded:
//  - scalars are their text: simple strings and integers as sent, errors with their '-', a
//    null bulk string "<NULL>", a null array "[NULL]"; RESP3 adds booleans ("true"/"false"),
//    doubles and big numbers as sent, verbatim strings without their format prefix and blob
//    errors with a '-';
//  - arrays, sets and pushes are a JSON array of their elements' texts (a nested array is
//    therefore a JSON string inside the outer array, as in Pixie); RESP3 maps a JSON object;
//  - a request's leading words name the command when they are one of the commands Pixie knows
//    (two-word commands first), and its arguments become a JSON object keyed by Pixie's
//    argument names when they fit the command's argument list, else a JSON array.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wisp::protocols::redis {

/// A string that keeps at most `cap` bytes; what does not fit is counted in cut(). Rendering
/// into one keeps memory bounded whatever size the message claims, and the kept bytes are
/// exactly the prefix of the unbounded rendering.
class capped_string {
 public:
  explicit capped_string(std::size_t cap) : cap_{cap} {}

  void append(std::string_view s);
  void push_back(char c) { append(std::string_view{&c, 1}); }
  /// `s` as a quoted JSON string literal.
  void append_json_string(std::string_view s);
  /// Counts `n` bytes of rendering that were never produced (skipped without being built).
  void add_cut(std::size_t n) { cut_ += n; }

  bool full() const { return text_.size() >= cap_; }
  std::size_t cap() const { return cap_; }
  std::size_t cut() const { return cut_; }
  const std::string& str() const { return text_; }
  std::string take() { return std::move(text_); }

 private:
  std::size_t cap_;
  std::size_t cut_ = 0;
  std::string text_;
};

struct formatted_request {
  std::string command;  // req_cmd; empty if the words start with no known command
  std::string args;     // req_args
  std::size_t bytes_cut = 0;
};

/// req_cmd and req_args for a request made of `words` (array elements or inline words, each
/// possibly already cut to `cap`). args is rendered into at most `cap` bytes.
formatted_request format_request(const std::vector<std::string>& words, std::size_t cap);

/// `words` as a JSON array of strings, into `out`.
void append_json_array(capped_string& out, const std::string* first, const std::string* last);

}  // namespace wisp::protocols::redis
