#include "actors/sources/bpftrace/format.hpp"

#include <cctype>
#include <limits>

namespace wisp::bpftrace {

bool is_integer(conversion c) {
  switch (c) {
    case conversion::signed_decimal:
    case conversion::unsigned_decimal:
    case conversion::hex_lower:
    case conversion::hex_upper:
    case conversion::octal:
    case conversion::pointer: return true;
    case conversion::string:
    case conversion::character:
    case conversion::buffer: return false;
  }
  return false;
}

namespace {

constexpr std::uint32_t max_width = 4096;  // larger paddings are almost surely a typo

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

std::optional<conversion> to_conversion(char c) {
  switch (c) {
    case 'd': return conversion::signed_decimal;
    case 'u': return conversion::unsigned_decimal;
    case 'x': return conversion::hex_lower;
    case 'X': return conversion::hex_upper;
    case 'o': return conversion::octal;
    case 'p': return conversion::pointer;
    case 's': return conversion::string;
    case 'c': return conversion::character;
    case 'r': return conversion::buffer;
    default: return std::nullopt;
  }
}

class format_parser {
 public:
  format_parser(std::string_view text, std::span<const source_pos> pos) : t_(text), pos_(pos) {}

  program_expected<printf_format> run() {
    printf_format f;
    f.text = std::string{t_};
    std::size_t word_start = 0;
    std::size_t literal_start = 0;
    std::optional<std::size_t> last_spec_word;
    std::size_t i = 0;
    while (i < t_.size()) {
      const char c = t_[i];
      if (c == '\0')
        return fail(i, "the format contains a NUL byte: bpftrace would cut the format there");
      if (blank(c)) {
        word_start = ++i;
        continue;
      }
      if (c != '%') {
        ++i;
        continue;
      }
      if (last_spec_word == word_start)
        return fail(i, "two specifiers in one word ('" + std::string{word_at(word_start)} +
                           "'): separate the columns with a space");
      specifier spec;
      auto end = parse_specifier(i, spec);
      if (!end) return end.error_value();
      auto name = column_name(word_start, i);
      if (!name) return name.error_value();
      format_column col;
      col.name = name->empty() ? "Column_" + std::to_string(f.columns.size()) : std::move(*name);
      col.spec = spec;
      col.at = at(i);
      col.type = is_integer(spec.conv) ? schemas::data_type::int64 : schemas::data_type::string;
      if (col.name == time_column) {
        if (!is_integer(spec.conv))
          return fail(i, "time_ must be an integer specifier (e.g. time_:%llu with nsecs)");
        col.type = schemas::data_type::time64ns;
      }
      for (const auto& other : f.columns)
        if (other.name == col.name)
          return fail(i, "column '" + col.name + "' appears twice (first at " +
                             std::to_string(other.at.line) + ":" +
                             std::to_string(other.at.col) + ")");
      f.literals.emplace_back(t_.substr(literal_start, i - literal_start));
      f.columns.push_back(std::move(col));
      last_spec_word = word_start;
      literal_start = i = *end;
    }
    f.literals.emplace_back(t_.substr(literal_start));
    if (f.columns.empty())
      return fail(0, "the printf format has no specifiers: the table would have no columns");
    return f;
  }

 private:
  source_pos at(std::size_t i) const {
    if (pos_.empty()) return {};
    return pos_[i < pos_.size() ? i : pos_.size() - 1];
  }
  program_error fail(std::size_t i, std::string message) const { return {at(i), message}; }

  std::string_view word_at(std::size_t start) const {
    std::size_t end = start;
    while (end < t_.size() && !blank(t_[end])) ++end;
    return t_.substr(start, end - start);
  }

  /// Parses the specifier whose '%' is at i; returns the offset after it.
  program_expected<std::size_t> parse_specifier(std::size_t i, specifier& spec) const {
    std::size_t j = i + 1;
    if (j < t_.size() && t_[j] == '%')
      return fail(i, "'%%' is not supported: bpftrace versions print it differently, so rows "
                     "could not be read back");
    for (; j < t_.size(); ++j) {
      const char c = t_[j];
      if (c == '-') {
        spec.left_justify = true;
      } else if (c == '+' || c == ' ' || c == '#') {
        return fail(j, std::string{"flag '"} + c + "' is not supported by bpftrace's printf");
      } else if (c != '0') {
        break;
      }
    }
    auto width = number(j);
    if (!width) return fail(i, "specifier width above " + std::to_string(max_width));
    spec.width = *width;
    if (j < t_.size() && t_[j] == '.') {
      ++j;
      auto precision = number(j);
      if (!precision) return fail(i, "specifier precision above " + std::to_string(max_width));
      spec.precision = *precision;
    }
    for (std::string_view length : {"hh", "h", "ll", "l", "z", "j"}) {
      if (t_.substr(j, length.size()) == length) {
        j += length.size();
        break;
      }
    }
    if (j >= t_.size()) return fail(i, "the format ends inside a specifier");
    auto conv = to_conversion(t_[j]);
    if (!conv)
      return fail(i, "unsupported conversion '" + std::string{t_.substr(i, j + 1 - i)} +
                         "' (bpftrace's printf knows d u x X o p s c r)");
    spec.conv = *conv;
    return j + 1;
  }

  /// Reads decimal digits at j (advancing it); nullopt above max_width.
  std::optional<std::uint32_t> number(std::size_t& j) const {
    std::uint32_t v = 0;
    for (; j < t_.size() && digit(t_[j]); ++j) {
      v = v * 10 + static_cast<std::uint32_t>(t_[j] - '0');
      if (v > max_width) return std::nullopt;
    }
    return v;
  }

  /// The name before ':' in the word [word_start, percent), "" when the word has no ':'.
  program_expected<std::string> column_name(std::size_t word_start, std::size_t percent) const {
    const std::string_view prefix = t_.substr(word_start, percent - word_start);
    const std::size_t colon = prefix.find(':');
    if (colon == std::string_view::npos) return std::string{};
    const std::string_view name = prefix.substr(0, colon);
    for (std::size_t k = 0; k < name.size(); ++k)
      if (!name_char(name[k]))
        return fail(word_start + k, "column name '" + std::string{name} + "' has the character '" +
                                        std::string(1, name[k]) +
                                        "', which a column cannot have (use letters, digits, '_')");
    if (!name.empty() && digit(name.front()))
      return fail(word_start, "column name '" + std::string{name} + "' starts with a digit");
    return std::string{name};
  }

  std::string_view t_;
  std::span<const source_pos> pos_;
};

}  // namespace

program_expected<printf_format> parse_format(std::string_view text,
                                             std::span<const source_pos> pos) {
  return format_parser{text, pos}.run();
}

schemas::relation to_relation(const printf_format& f) {
  schemas::relation rel;
  rel.columns.reserve(f.columns.size());
  for (const auto& c : f.columns) {
    // Like Pixie's canonical time_ column, no semantic type: the engine knows time_ by name.
    rel.columns.push_back({c.name, c.type, schemas::semantic_type::st_none, ""});
  }
  return rel;
}

}  // namespace wisp::bpftrace
