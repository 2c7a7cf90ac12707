#pragma once
// A bpftrace printf format as a table's columns (Pixie's rules, facts §2.9): the format is split
// into words at white space; a word `name:%fmt` gives column `name`, a specifier in a word without
// a name before ':' gives `Column_<i>` (i = the specifier's 0-based index). %d %u %x %X %o %p are
// INT64, %s %c %r are STRING, and a column named `time_` must be an integer and is TIME64NS.
// The literal text around the specifiers is kept so that output lines can be read back
// (output.hpp). Pure; any thread.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "actors/sources/bpftrace/program_error.hpp"
#include "schemas/relation.hpp"

namespace wisp::bpftrace {

inline constexpr std::string_view time_column = "time_";

/// The conversions bpftrace 0.17's printf accepts.
enum class conversion : std::uint8_t {
  signed_decimal,    // %d
  unsigned_decimal,  // %u
  hex_lower,         // %x
  hex_upper,         // %X
  octal,             // %o
  pointer,           // %p: "0x..." or "(nil)"
  string,            // %s
  character,         // %c
  buffer,            // %r: buf() bytes, unprintable ones as \xHH
};

bool is_integer(conversion c);

/// One %... specifier: enough to undo its padding when reading the text back.
struct specifier {
  conversion conv = conversion::signed_decimal;
  bool left_justify = false;  // '-': padding after the value
  std::uint32_t width = 0;    // 0: none
  std::optional<std::uint32_t> precision;
};

struct format_column {
  std::string name;
  schemas::data_type type = schemas::data_type::int64;
  specifier spec;
  source_pos at;  // the '%' in the program
};

/// literals[i] is the text before columns[i]; literals.back() follows the last column, so
/// literals.size() == columns.size() + 1. Every literal between two columns is non-empty.
struct printf_format {
  std::string text;
  std::vector<std::string> literals;
  std::vector<format_column> columns;
};

/// Parses a decoded format; `pos` locates each byte (and one past the end) in the program.
/// Errors: an unsupported conversion or flag, "%%", a NUL byte, no specifier at all, two
/// specifiers in one word, a column name with a character other than letters, digits and '_',
/// a duplicate column name, a non-integer `time_`.
[[nodiscard]] program_expected<printf_format> parse_format(std::string_view text,
                                                           std::span<const source_pos> pos);

/// The output table's relation: one column per specifier, in order.
schemas::relation to_relation(const printf_format& f);

}  // namespace wisp::bpftrace
