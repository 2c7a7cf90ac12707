#pragma once
// Reading bpftrace's output back into rows. The runner starts bpftrace with `-f json`, which
// prints one JSON record per line: {"type": "printf", "data": "<the printf's text>"} per printf,
// and records of its own (attached_probes, lost_events, maps at exit). JSON framing matters: the
// formats of Pixie's bundled scripts do not end in "\n", so in text mode consecutive rows would
// run together, and a %s value may itself hold a newline.
//
// A printf's text is read by walking the format: literal text must match exactly and anchors
// the split. An integer specifier reads its digits (and the padding its width and '-' flag
// imply). A string specifier (%s %c %r) ends at the first occurrence of the literal that follows
// it for which the rest of the text also parses; the last specifier, when the format ends with
// it or with a literal, takes everything up to that final literal. So a string may contain
// spaces, and even the literal that follows it when the rest of the text then does not parse;
// when several splits parse, the earliest end wins. Padding spaces of a string with a width are
// dropped on the padded side.
//
// Owned by one runner (one thread). A line that does not parse is counted and the first few are
// kept with the reason; nothing here throws or aborts on bad input.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/sources/bpftrace/format.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::bpftrace {

enum class line_kind : std::uint8_t {
  row,            // a printf record that became a row
  attached,       // attached_probes: bpftrace is attaching its probes
  attach_marker,  // the runner's BEGIN printf (program.hpp): every probe is attached
  lost_events,    // lost_events: the kernel's buffer overflowed; the count is added up
  message,        // any other output of bpftrace itself (maps at exit, blank lines): not a row
  bad,            // a record or line that does not parse: counted, the first few kept
};

struct output_counters {
  std::uint64_t lines = 0;
  std::uint64_t rows = 0;
  std::uint64_t bad_lines = 0;
  std::uint64_t messages = 0;
  std::uint64_t lost_events = 0;      // events bpftrace reported lost
  std::uint64_t attached_probes = 0;  // from the attached_probes record
};

struct bad_line {
  std::string text;
  std::string reason;
};

inline constexpr std::size_t kept_bad_lines = 8;
/// Work allowed for one printf text before it counts as bad (string splits are tried with
/// backtracking; this bounds hostile or pathological values).
inline constexpr std::size_t max_match_steps = 10'000;

/// CLOCK_REALTIME minus CLOCK_MONOTONIC now, in ns: added to time_ values, which bpftrace's nsecs
/// gives on CLOCK_MONOTONIC.
std::int64_t realtime_offset_ns();

class output_parser {
 public:
  /// `realtime_offset`: added to time_ values (see realtime_offset_ns()).
  output_parser(printf_format format, std::int64_t realtime_offset);

  /// Empty columns of the format's relation.
  schemas::row_batch make_batch() const;

  /// One line of `bpftrace -f json` output (without its '\n'). A row is appended to `out`,
  /// which must have the format's columns.
  line_kind consume_line(std::string_view line, schemas::row_batch& out);

  /// One printf's text: true and one row appended to `out`, or false (counted as bad).
  bool consume_printf(std::string_view text, schemas::row_batch& out);

  const output_counters& counters() const { return counters_; }
  /// The first kept_bad_lines bad lines, with why each did not parse.
  const std::vector<bad_line>& first_bad_lines() const { return bad_; }
  const printf_format& format() const { return format_; }

 private:
  void record_bad(std::string_view text, std::string reason);

  printf_format format_;
  std::int64_t realtime_offset_;
  output_counters counters_;
  std::vector<bad_line> bad_;
};

}  // namespace wisp::bpftrace
