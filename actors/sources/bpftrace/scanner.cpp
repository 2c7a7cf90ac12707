#include "actors/sources/bpftrace/scanner.hpp"

#include <algorithm>
#include <cctype>

namespace wisp::bpftrace {

namespace {

bool ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
}
bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}
bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

struct string_literal {
  std::string text;
  std::vector<std::size_t> offsets;  // source offset of each decoded byte, then of the closing quote
  std::size_t end = 0;               // offset just after the closing quote
};

class scanner {
 public:
  explicit scanner(std::string_view text) : t_(text) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < t_.size(); ++i)
      if (t_[i] == '\n') line_starts_.push_back(i + 1);
  }

  program_expected<program_outline> run() {
    program_outline out;
    std::size_t i = 0;
    while (i < t_.size()) {
      const char c = t_[i];
      if (auto end = comment_end(i)) {
        if (*end == std::string_view::npos) return fail(i, "unterminated /* comment");
        i = *end;
      } else if (c == '#' && at_line_start(i)) {
        i = line_end(i);
      } else if (c == '"') {
        auto lit = decode_string(i);
        if (!lit) return lit.error_value();
        i = lit->end;
      } else if (c == '@' || c == '$' || std::isdigit(static_cast<unsigned char>(c)) != 0) {
        // A map, a variable or a number: its name cannot be a call or a probe.
        ++i;
        while (i < t_.size() && ident_char(t_[i])) ++i;
      } else if (ident_start(c)) {
        const std::size_t start = i;
        while (i < t_.size() && ident_char(t_[i])) ++i;
        const std::string_view ident = t_.substr(start, i - start);
        if (member_name(start)) continue;
        const std::size_t next = skip_blanks(i);
        if (ident == "printf" && next < t_.size() && t_[next] == '(') {
          auto call = parse_call(start, next);
          if (!call) return call.error_value();
          i = call->second;
          out.printfs.push_back(std::move(call->first));
        } else if (ident == "BEGIN" && !out.has_begin) {
          out.has_begin = true;
          if (next < t_.size() && t_[next] == '{') out.begin_body = next + 1;
        }
      } else {
        ++i;
      }
    }
    return out;
  }

 private:
  source_pos pos(std::size_t offset) const {
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const auto line = static_cast<std::size_t>(it - line_starts_.begin());
    return {line, offset - line_starts_[line - 1] + 1};
  }
  program_error fail(std::size_t offset, std::string message) const {
    return {pos(offset), std::move(message)};
  }

  /// If a comment starts at i: the offset after it (npos when a /* is not closed).
  std::optional<std::size_t> comment_end(std::size_t i) const {
    if (i + 1 >= t_.size() || t_[i] != '/') return std::nullopt;
    if (t_[i + 1] == '/') return line_end(i);
    if (t_[i + 1] != '*') return std::nullopt;
    const std::size_t close = t_.find("*/", i + 2);
    return close == std::string_view::npos ? close : close + 2;
  }
  std::size_t line_end(std::size_t i) const {
    const std::size_t nl = t_.find('\n', i);
    return nl == std::string_view::npos ? t_.size() : nl;
  }
  bool at_line_start(std::size_t i) const {
    while (i > 0 && (t_[i - 1] == ' ' || t_[i - 1] == '\t')) --i;
    return i == 0 || t_[i - 1] == '\n';
  }
  /// True if the identifier at `start` follows `.` or `->` (a struct member, not a call).
  bool member_name(std::size_t start) const {
    std::size_t j = start;
    while (j > 0 && space(t_[j - 1])) --j;
    if (j == 0) return false;
    return t_[j - 1] == '.' || (t_[j - 1] == '>' && j >= 2 && t_[j - 2] == '-');
  }
  /// The first offset at or after i that is neither white space nor inside a comment.
  std::size_t skip_blanks(std::size_t i) const {
    while (i < t_.size()) {
      if (space(t_[i])) {
        ++i;
      } else if (auto end = comment_end(i); end && *end != std::string_view::npos) {
        i = *end;
      } else {
        break;
      }
    }
    return i;
  }

  program_expected<string_literal> decode_string(std::size_t open) const {
    string_literal lit;
    std::size_t i = open + 1;
    while (i < t_.size() && t_[i] != '"') {
      const char c = t_[i];
      if (c == '\n') break;
      if (c != '\\') {
        lit.text.push_back(c);
        lit.offsets.push_back(i);
        ++i;
        continue;
      }
      if (i + 1 >= t_.size()) break;
      const char e = t_[i + 1];
      std::size_t len = 2;
      char decoded = 0;
      switch (e) {
        case 'n': decoded = '\n'; break;
        case 't': decoded = '\t'; break;
        case 'r': decoded = '\r'; break;
        case '\\': decoded = '\\'; break;
        case '"': decoded = '"'; break;
        case 'x': {
          unsigned v = 0;
          std::size_t digits = 0;
          while (digits < 2 && i + 2 + digits < t_.size() &&
                 std::isxdigit(static_cast<unsigned char>(t_[i + 2 + digits])) != 0) {
            const char h = t_[i + 2 + digits];
            v = v * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(h)) != 0
                                                   ? h - '0'
                                                   : std::tolower(h) - 'a' + 10);
            ++digits;
          }
          if (digits == 0) return fail(i, "invalid escape '\\x' without hex digits");
          decoded = static_cast<char>(v);
          len = 2 + digits;
          break;
        }
        default: {
          if (e < '0' || e > '7')
            return fail(i, std::string{"invalid escape '\\"} + e +
                               "' (bpftrace knows \\n \\t \\r \\\\ \\\" \\xHH and octal \\NNN)");
          unsigned v = 0;
          std::size_t digits = 0;
          while (digits < 3 && i + 1 + digits < t_.size() && t_[i + 1 + digits] >= '0' &&
                 t_[i + 1 + digits] <= '7') {
            v = v * 8 + static_cast<unsigned>(t_[i + 1 + digits] - '0');
            ++digits;
          }
          if (v > 0xff) return fail(i, "octal escape above \\377");
          decoded = static_cast<char>(v);
          len = 1 + digits;
        }
      }
      lit.text.push_back(decoded);
      lit.offsets.push_back(i);
      i += len;
    }
    if (i >= t_.size() || t_[i] != '"') return fail(open, "unterminated string literal");
    lit.offsets.push_back(i);
    lit.end = i + 1;
    return lit;
  }

  /// printf at `start`, '(' at `lparen`: the call and the offset after its ')'.
  program_expected<std::pair<printf_call, std::size_t>> parse_call(std::size_t start,
                                                                   std::size_t lparen) const {
    printf_call call;
    call.at = pos(start);
    std::size_t i = skip_blanks(lparen + 1);
    if (i >= t_.size() || t_[i] != '"')
      return fail(i < t_.size() ? i : start,
                  "printf's first argument must be a string literal (the format that names the "
                  "columns)");
    auto lit = decode_string(i);
    if (!lit) return lit.error_value();
    call.format_at = pos(i);
    call.format = std::move(lit->text);
    for (std::size_t off : lit->offsets) call.format_pos.push_back(pos(off));
    i = lit->end;
    for (;;) {
      const std::size_t j = skip_blanks(i);
      if (j >= t_.size()) return fail(start, "unterminated printf( call: no closing ')'");
      if (t_[j] == ')') return std::pair{std::move(call), j + 1};
      if (t_[j] != ',') return fail(j, "expected ',' or ')' after a printf argument");
      const std::size_t arg_start = skip_blanks(j + 1);
      auto arg_end = argument_end(start, arg_start);
      if (!arg_end) return arg_end.error_value();
      const std::string_view arg = trim(t_.substr(arg_start, *arg_end - arg_start));
      if (arg.empty()) return fail(j, "empty printf argument after ','");
      call.args.emplace_back(arg);
      call.arg_pos.push_back(pos(arg_start));
      i = *arg_end;
    }
  }

  /// The offset of the ',' or ')' that ends the argument starting at `i` (nesting and strings
  /// skipped).
  program_expected<std::size_t> argument_end(std::size_t call_start, std::size_t i) const {
    std::string open;  // the closing brackets we still expect, innermost last
    while (i < t_.size()) {
      const char c = t_[i];
      if (auto end = comment_end(i)) {
        if (*end == std::string_view::npos) return fail(i, "unterminated /* comment");
        i = *end;
        continue;
      }
      if (c == '"') {
        auto lit = decode_string(i);
        if (!lit) return lit.error_value();
        i = lit->end;
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        open.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
      } else if (c == ')' || c == ']' || c == '}') {
        if (open.empty()) {
          if (c == ')') return i;
          return fail(i, std::string{"unbalanced '"} + c + "' in a printf argument");
        }
        if (open.back() != c)
          return fail(i, std::string{"'"} + c + "' where '" + open.back() +
                             "' was expected in a printf argument");
        open.pop_back();
      } else if (c == ',' && open.empty()) {
        return i;
      }
      ++i;
    }
    return fail(call_start, "unterminated printf( call: no closing ')'");
  }

  std::string_view t_;
  std::vector<std::size_t> line_starts_;
};

}  // namespace

program_expected<program_outline> scan_program(std::string_view text) {
  return scanner{text}.run();
}

}  // namespace wisp::bpftrace
