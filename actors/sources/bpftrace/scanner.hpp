#pragma once
// The lexical outline of a bpftrace program that a table source needs: every printf(...) call
// (its decoded format literal and the text of its other arguments) and where the BEGIN probe's
// body starts. It skips what could hide a printf: string literals (with bpftrace's escapes),
// // and /* */ comments, preprocessor lines, @maps and $variables, and member names after . or ->.
// It is not a bpftrace parser: bpftrace itself compiles the program and reports the rest.
// Pure; any thread.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/sources/bpftrace/program_error.hpp"

namespace wisp::bpftrace {

/// One printf(...) call.
struct printf_call {
  source_pos at;          // the 'p' of printf
  source_pos format_at;   // the format literal's opening quote
  std::string format;     // the format with escapes decoded
  /// Where each byte of `format` comes from (an escape's bytes point at its backslash), plus
  /// one entry for the closing quote: format_pos.size() == format.size() + 1.
  std::vector<source_pos> format_pos;
  std::vector<std::string> args;  // the other arguments' text, trimmed
  std::vector<source_pos> arg_pos;
};

struct program_outline {
  std::vector<printf_call> printfs;
  bool has_begin = false;  // a BEGIN probe, in whatever form
  /// Byte offset just after the '{' of the BEGIN probe, when it is written as `BEGIN {`.
  std::optional<std::size_t> begin_body;
};

/// Errors: an unterminated string, comment or printf call; an invalid escape; a printf whose
/// first argument is not a string literal; an empty or unbalanced argument.
[[nodiscard]] program_expected<program_outline> scan_program(std::string_view text);

}  // namespace wisp::bpftrace
