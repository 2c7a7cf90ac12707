#include "actors/sources/bpftrace/program.hpp"

#include "actors/sources/bpftrace/scanner.hpp"

namespace wisp::bpftrace {

std::string to_string(const program_error& e) {
  return std::to_string(e.at.line) + ":" + std::to_string(e.at.col) + ": " + e.message;
}

namespace {

std::string at_text(const source_pos& p) {
  return std::to_string(p.line) + ":" + std::to_string(p.col);
}

std::string marker_printf() { return "printf(\"" + std::string{attach_marker} + "\\n\");"; }

}  // namespace

program_expected<program> program::parse(std::string text) {
  auto outline = scan_program(text);
  if (!outline) return outline.error_value();
  const auto& calls = outline->printfs;
  if (calls.empty())
    return program_error{{1, 1},
                         "the program has no printf: a table source prints its rows with printf, "
                         "whose format names the columns (e.g. printf(\"time_:%llu pid:%d\", "
                         "nsecs, pid))"};
  const printf_call& first = calls.front();
  for (const auto& call : calls) {
    if (call.format != first.format)
      return program_error{call.format_at,
                           "this printf's format differs from the first printf's (at " +
                               at_text(first.format_at) +
                               "): all printfs of a table source must use the same format"};
  }
  auto format = parse_format(first.format, first.format_pos);
  if (!format) return format.error_value();
  const std::size_t specs = format->columns.size();
  for (const auto& call : calls) {
    if (call.args.size() != specs)
      return program_error{call.at, "printf has " + std::to_string(call.args.size()) +
                                        " argument(s) after the format, which has " +
                                        std::to_string(specs) + " specifier(s)"};
  }
  return program{std::move(text), std::move(*format), outline->has_begin, outline->begin_body};
}

std::string program::runnable_text() const {
  if (begin_body_) {
    std::string out = text_;
    out.insert(*begin_body_, " " + marker_printf() + " ");
    return out;
  }
  if (has_begin_) return text_;
  std::string out = text_;
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
  out += "BEGIN { " + marker_printf() + " }\n";
  return out;
}

}  // namespace wisp::bpftrace
