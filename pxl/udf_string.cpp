// String and regex UDFs (facts §7 "Strings", "Regex").
//
// Regexes: Pixie uses RE2. Wisp uses std::regex (ECMAScript) with libstdc++'s polynomial
// executor (regex_constants::__polynomial, a Thompson-NFA simulation): no backtracking, so
// matching time is bounded by pattern size × input size and the stack depth by the pattern
// size, whatever the input. RE2 syntax that ECMAScript spells differently is translated:
// a leading (?i), `.` matching newlines in regex_match (RE2's dot_nl), \1..\9 in replacement
// strings. Patterns are limited to max_pattern_bytes.

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <regex>

#include "pxl/functions.hpp"
#include "pxl/json.hpp"

namespace wisp::pxl {

namespace {

using schemas::data_type;
using namespace signature_types;

constexpr std::size_t max_pattern_bytes = 4096;

struct contains_op {
  bool operator()(std::string_view s, std::string_view sub) const {
    return s.find(sub) != std::string_view::npos;
  }
};
struct length_op {
  std::int64_t operator()(std::string_view s) const { return static_cast<std::int64_t>(s.size()); }
};
struct find_op {
  std::int64_t operator()(std::string_view s, std::string_view sub) const {
    auto p = s.find(sub);
    return p == std::string_view::npos ? -1 : static_cast<std::int64_t>(p);
  }
};
// Out-of-range positions and negative lengths give "" (Pixie's contract); the length is cut at
// the end of the string.
struct substring_op {
  std::string_view operator()(std::string_view s, std::int64_t pos, std::int64_t len) const {
    if (pos < 0 || pos > static_cast<std::int64_t>(s.size()) || len < 0) return {};
    return s.substr(static_cast<std::size_t>(pos), static_cast<std::size_t>(len));
  }
};
template <int (*Map)(int)>
struct ascii_map_op {
  std::string buf;
  std::string_view operator()(std::string_view s) {
    buf.assign(s);
    for (auto& c : buf) c = static_cast<char>(Map(static_cast<unsigned char>(c)));
    return buf;
  }
};
int ascii_lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }
int ascii_upper(int c) { return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c; }

bool ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
struct trim_op {
  std::string_view operator()(std::string_view s) const {
    while (!s.empty() && ascii_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && ascii_space(s.back())) s.remove_suffix(1);
    return s;
  }
};
// strip_prefix(prefix, s): argument order as in Pixie.
struct strip_prefix_op {
  std::string_view operator()(std::string_view prefix, std::string_view s) const {
    if (s.starts_with(prefix)) s.remove_prefix(prefix.size());
    return s;
  }
};
// atoi(s, default): an optionally signed decimal integer, surrounding ASCII whitespace allowed.
struct atoi_op {
  std::int64_t operator()(std::string_view s, std::int64_t fallback) const {
    s = trim_op{}(s);
    if (s.starts_with('+')) s.remove_prefix(1);
    std::int64_t v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size()) return fallback;
    return v;
  }
};
struct itoa_op {
  char buf[24];
  std::string_view operator()(std::int64_t v) {
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return {buf, static_cast<std::size_t>(r.ptr - buf)};
  }
};
// bytes_to_hex: every byte as \xHH.
struct bytes_to_hex_op {
  std::string buf;
  std::string_view operator()(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    buf.clear();
    for (unsigned char c : s) {
      buf += "\\x";
      buf += hex[c >> 4];
      buf += hex[c & 0xF];
    }
    return buf;
  }
};
// hex_to_ascii: pairs of hex digits, optionally written \xHH or separated by spaces, ':' or
// '-'; anything else (or an odd digit count) gives "".
struct hex_to_ascii_op {
  std::string buf;
  std::string_view operator()(std::string_view s) {
    buf.clear();
    int pending = -1;
    for (std::size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c == '\\' && i + 1 < s.size() && s[i + 1] == 'x' && pending < 0) {
        ++i;
        continue;
      }
      if ((c == ' ' || c == ':' || c == '-') && pending < 0) continue;
      int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
              : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
              : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                          : -1;
      if (d < 0) return {};
      if (pending < 0) {
        pending = d;
      } else {
        buf += static_cast<char>(pending * 16 + d);
        pending = -1;
      }
    }
    if (pending >= 0) return {};
    return buf;
  }
};

// ---- regexes ----

struct compiled_regex {
  std::optional<std::regex> re;
  std::string error;  // set when re is empty
};

compiled_regex compile_regex(std::string_view pattern, bool dot_matches_newline) {
  compiled_regex out;
  if (pattern.size() > max_pattern_bytes) {
    out.error = "regex longer than " + std::to_string(max_pattern_bytes) + " bytes";
    return out;
  }
  auto flags = std::regex::ECMAScript | std::regex_constants::__polynomial;
  if (pattern.starts_with("(?i)")) {
    pattern.remove_prefix(4);
    flags |= std::regex::icase;
  }
  std::string translated;
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      translated += c;
      translated += pattern[++i];
      continue;
    }
    if (c == '[') in_class = true;
    if (c == ']') in_class = false;
    if (c == '.' && !in_class && dot_matches_newline)
      translated += "[\\s\\S]";
    else
      translated += c;
  }
  try {
    out.re.emplace(translated, flags);
  } catch (const std::regex_error& e) {
    out.error = std::string{"invalid regex: "} + e.what();
  }
  return out;
}

// One compiled regex per distinct pattern seen in a row, reused while the pattern repeats
// (a constant pattern compiles once per batch).
template <bool DotNl>
struct regex_cache {
  std::string pattern;
  compiled_regex compiled;
  bool ready = false;
  const compiled_regex& get(std::string_view p) {
    if (!ready || p != pattern) {
      pattern.assign(p);
      compiled = compile_regex(p, DotNl);
      ready = true;
    }
    return compiled;
  }
};

// regex_match(pattern, s): the whole string must match; an invalid pattern matches nothing.
struct regex_match_op {
  regex_cache<true> cache;
  bool operator()(std::string_view pattern, std::string_view s) {
    const auto& c = cache.get(pattern);
    return c.re && std::regex_match(s.begin(), s.end(), *c.re);
  }
};

// RE2 rewrite strings use \0..\9 for groups and \\ for a backslash; ECMAScript's format uses
// $& / $n and $$. Returns nullopt when a group number exceeds the pattern's groups.
std::optional<std::string> translate_rewrite(std::string_view sub, unsigned groups) {
  std::string out;
  for (std::size_t i = 0; i < sub.size(); ++i) {
    char c = sub[i];
    if (c == '$') {
      out += "$$";
    } else if (c == '\\' && i + 1 < sub.size() && std::isdigit(static_cast<unsigned char>(sub[i + 1]))) {
      unsigned n = static_cast<unsigned>(sub[++i] - '0');
      if (n > groups) return std::nullopt;
      out += n == 0 ? std::string{"$&"} : "$" + std::to_string(n);
    } else if (c == '\\' && i + 1 < sub.size() && sub[i + 1] == '\\') {
      out += '\\';
      ++i;
    } else {
      out += c;
    }
  }
  return out;
}

// replace(pattern, s, replacement): every match replaced. Problems are reported in the result
// text, as Pixie does (a literal pattern is checked at compile time instead).
struct replace_op {
  regex_cache<false> cache;
  std::string buf;
  std::string_view operator()(std::string_view pattern, std::string_view s, std::string_view sub) {
    const auto& c = cache.get(pattern);
    if (!c.re) {
      buf = "Invalid regex expr: " + c.error;
      return buf;
    }
    auto rewrite = translate_rewrite(sub, c.re->mark_count());
    if (!rewrite) {
      buf = "Invalid regex in substitution string: group number beyond the pattern's groups";
      return buf;
    }
    buf.clear();
    std::regex_replace(std::back_inserter(buf), s.begin(), s.end(), *c.re, *rewrite);
    return buf;
  }
};

// _match_regex_rule(rules_json, s): the name of the first rule (a JSON object name -> pattern,
// in document order) whose pattern matches the whole string, else "".
struct match_regex_rule_op {
  std::string rules_text;
  std::vector<std::pair<std::string, compiled_regex>> rules;
  bool ready = false;
  std::string_view operator()(std::string_view rules_json, std::string_view s) {
    if (!ready || rules_json != rules_text) {
      rules_text.assign(rules_json);
      rules.clear();
      if (auto root = json::parse(rules_json); root && root->kind == json::kind::object)
        json::for_each_member(*root, [&](std::string_view key, const json::value_ref& v) {
          if (v.kind == json::kind::string)
            rules.emplace_back(json::decode_string(key),
                               compile_regex(json::decode_string(v.raw), true));
          return true;
        });
      ready = true;
    }
    for (const auto& [name, c] : rules)
      if (c.re && std::regex_match(s.begin(), s.end(), *c.re)) return name;
    return {};
  }
};

// A constant pattern argument must compile.
template <std::size_t Arg, bool DotNl>
std::optional<constant_problem> check_pattern(std::span<const scalar* const> constants) {
  const scalar* p = constants[Arg];
  if (p == nullptr) return std::nullopt;
  auto c = compile_regex(std::get<std::string>(p->value), DotNl);
  if (c.re) return std::nullopt;
  return constant_problem{Arg, c.error};
}

}  // namespace

void register_string_udfs(function_registry& r) {
  r.add(make_udf<b_, contains_op, s_, s_>("contains"));
  r.add(make_udf<i_, length_op, s_>("length"));
  r.add(make_udf<i_, find_op, s_, s_>("find"));
  r.add(make_udf<s_, substring_op, s_, i_, i_>("substring"));
  r.add(make_udf<s_, ascii_map_op<ascii_lower>, s_>("tolower"));
  r.add(make_udf<s_, ascii_map_op<ascii_upper>, s_>("toupper"));
  r.add(make_udf<s_, trim_op, s_>("trim"));
  r.add(make_udf<s_, strip_prefix_op, s_, s_>("strip_prefix"));
  r.add(make_udf<i_, atoi_op, s_, i_>("atoi"));
  r.add(make_udf<s_, itoa_op, i_>("itoa"));
  r.add(make_udf<s_, bytes_to_hex_op, s_>("bytes_to_hex"));
  r.add(make_udf<s_, hex_to_ascii_op, s_>("hex_to_ascii"));

  auto match = make_udf<b_, regex_match_op, s_, s_>("regex_match");
  match.check = &check_pattern<0, true>;
  r.add(std::move(match));
  auto replace = make_udf<s_, replace_op, s_, s_, s_>("replace");
  replace.check = &check_pattern<0, false>;
  r.add(std::move(replace));
  r.add(make_udf<s_, match_regex_rule_op, s_, s_>("_match_regex_rule"));
}

}  // namespace wisp::pxl
