#include "actors/tracepoints/expr.hpp"

#include <cctype>

namespace wisp::tracepoints {
namespace {

constexpr std::size_t max_result_index = 63;

// Letters, digits, '_' and any non-ASCII byte (Go identifiers may be Unicode letters).
bool ident_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || std::isalnum(u) != 0 || c == '_';
}

bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])) != 0) return false;
  for (char c : s)
    if (!ident_char(c)) return false;
  return true;
}

error bad(std::string_view text, std::string_view why) {
  return error{"malformed capture expression '" + std::string(text) + "': " + std::string(why)};
}

}  // namespace

expected<capture_path> parse_capture(std::string_view text, bool result) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
  if (text.empty())
    return error{result ? "empty RetExpr: write $0 for the first result, $1 for the second"
                        : "empty ArgExpr: write an argument's name, e.g. 'x' or 'x.member'"};
  std::vector<std::string> parts;
  std::string cur;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '.' || (text[i] == '-' && i + 1 < text.size() && text[i + 1] == '>')) {
      parts.push_back(cur);
      cur.clear();
      if (text[i] == '-') ++i;
      continue;
    }
    cur += text[i];
  }
  parts.push_back(cur);

  capture_path p;
  const std::string& head = parts.front();
  if (head.empty()) return bad(text, "nothing before the first '.'");
  if (head[0] == '$') {
    if (!result) return bad(text, "$N names a result: use RetExpr, not ArgExpr");
    const std::string digits = head.substr(1);
    if (digits.empty() || digits.size() > 2 || digits.find_first_not_of("0123456789") != std::string::npos)
      return bad(text, "a result is $ followed by its index, e.g. $0");
    p.result = true;
    p.result_index = std::stoul(digits);
    if (p.result_index > max_result_index) return bad(text, "result index too large");
  } else {
    if (result) return bad(text, "a RetExpr starts with $N ($0 is the first result)");
    if (!is_identifier(head)) return bad(text, "'" + head + "' is not a name");
    p.root = head;
  }
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].empty()) return bad(text, "empty member name");
    if (!is_identifier(parts[i])) return bad(text, "'" + parts[i] + "' is not a member name");
    p.members.push_back(parts[i]);
  }
  return p;
}

}  // namespace wisp::tracepoints
