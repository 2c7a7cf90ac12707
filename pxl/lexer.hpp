#pragma once
// Pass 1: script text -> tokens. Python's lexical rules for the subset PxL uses: INDENT/DEDENT from
// leading whitespace, NEWLINE only outside brackets (implicit line joining), backslash
// continuation, '#' comments, single/double/triple-quoted strings.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pxl/diagnostic.hpp"

namespace wisp::pxl {

enum class token_kind : std::uint8_t {
  name,        // identifiers and keywords (the parser tells them apart)
  int_number,
  float_number,
  string,      // text holds the decoded value
  op,          // punctuation and operators; text holds the spelling
  newline,
  indent,
  dedent,
  end_of_file,
};

struct token {
  token_kind kind = token_kind::end_of_file;
  std::string text;
  source_location loc;
  /// First token on its physical line: lets the parser accept a newline in place of a comma
  /// between keyword arguments, as Pixie's parser does (facts §2.5).
  bool starts_line = false;
  /// A string literal that used an f/b/r prefix (rejected by the parser).
  char string_prefix = 0;
};

std::string_view to_string(token_kind k);

/// Tokens always end with NEWLINE (if the last line had content), DEDENTs back to column 1, and
/// END_OF_FILE. Lexical errors are added to `diags`; lexing continues after them.
std::vector<token> lex(std::string_view source, diagnostics& diags);

}  // namespace wisp::pxl
