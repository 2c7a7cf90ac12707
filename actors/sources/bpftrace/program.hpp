#pragma once
// A bpftrace program used as a table source (pxtrace.UpsertTracepoint with a program string or a
// TraceProgram): the program text, the one printf format all its printfs share, and the table's
// relation derived from it (format.hpp). Pure value; any thread.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "actors/sources/bpftrace/format.hpp"
#include "actors/sources/bpftrace/program_error.hpp"
#include "schemas/relation.hpp"

namespace wisp::bpftrace {

/// What the runner's BEGIN printf prints. bpftrace runs BEGIN only after every probe attached,
/// so seeing it means the program is running (the "Attaching N probes..." message comes before
/// the probes attach and can be followed by an attach error).
inline constexpr std::string_view attach_marker = "wisp:bpftrace-attached";

class program {
 public:
  /// Errors (located): those of scan_program and parse_format, no printf at all, a printf whose
  /// format differs from the first one (at the differing format), a printf whose argument count
  /// differs from the format's specifier count.
  [[nodiscard]] static program_expected<program> parse(std::string text);

  const std::string& text() const { return text_; }
  const printf_format& format() const { return format_; }
  schemas::relation relation() const { return to_relation(format_); }

  /// The text given to bpftrace: text() with a printf of attach_marker as the first statement of
  /// BEGIN (appended as a new last line when the program has no BEGIN), so that bpftrace's
  /// error locations still point at the user's lines. With a BEGIN block, only columns after its
  /// '{' on that line shift. Unchanged when BEGIN is written in a form not recognised.
  std::string runnable_text() const;
  /// True if runnable_text() prints attach_marker.
  bool prints_attach_marker() const { return !has_begin_ || begin_body_.has_value(); }

 private:
  program(std::string text, printf_format format, bool has_begin,
          std::optional<std::size_t> begin_body)
      : text_(std::move(text)),
        format_(std::move(format)),
        has_begin_(has_begin),
        begin_body_(begin_body) {}

  std::string text_;
  printf_format format_;
  bool has_begin_ = false;
  std::optional<std::size_t> begin_body_;
};

}  // namespace wisp::bpftrace
