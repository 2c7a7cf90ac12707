#include "pxl/lexer.hpp"

#include <array>
#include <cctype>

namespace wisp::pxl {

std::string_view to_string(token_kind k) {
  switch (k) {
    case token_kind::name: return "name";
    case token_kind::int_number: return "integer";
    case token_kind::float_number: return "float";
    case token_kind::string: return "string";
    case token_kind::op: return "operator";
    case token_kind::newline: return "newline";
    case token_kind::indent: return "indent";
    case token_kind::dedent: return "dedent";
    case token_kind::end_of_file: return "end of file";
  }
  return "?";
}

namespace {

// Longest first so that "**=" wins over "**" and "*".
constexpr std::array<std::string_view, 47> operators{
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "**", "//", "==", "!=", "<=", ">=", "<<", ">>",
    "+=",  "-=",  "*=",  "/=",  "%=",  "&=", "|=", "^=", "@=", "+",  "-",  "*",  "/",  "%",  "<",
    ">",   "=",   "(",   ")",   "[",   "]",  "{",  "}",  ",",  ":",  ".",  ";",  "@",  "&",  "|",
    "^",   "~"};

class lexer {
 public:
  lexer(std::string_view src, diagnostics& diags) : src_(src), diags_(diags) {}

  std::vector<token> run() {
    indents_.push_back(0);
    while (pos_ < src_.size()) lex_line();
    if (!open_.empty())
      diags_.error(open_.back().loc, "'" + open_.back().text + "' was never closed");
    if (!out_.empty() && out_.back().kind != token_kind::newline) push(token_kind::newline, "", here());
    while (indents_.size() > 1) {
      indents_.pop_back();
      push(token_kind::dedent, "", here());
    }
    push(token_kind::end_of_file, "", here());
    return std::move(out_);
  }

 private:
  source_location here() const { return {line_, static_cast<int>(pos_ - line_start_) + 1}; }
  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
  }
  void push(token_kind k, std::string text, source_location loc) {
    token t{k, std::move(text), loc, line_first_, 0};
    line_first_ = false;
    out_.push_back(std::move(t));
  }
  void new_line() {
    ++pos_;
    ++line_;
    line_start_ = pos_;
    line_first_ = true;
  }

  // One logical line: indentation, then tokens up to a NEWLINE outside brackets.
  void lex_line() {
    std::size_t width = 0;
    while (peek() == ' ' || peek() == '\t') {
      width += peek() == '\t' ? 8 - width % 8 : 1;
      ++pos_;
    }
    if (peek() == '#') skip_comment();
    if (peek() == '\r') ++pos_;
    if (peek() == '\n' || pos_ >= src_.size()) {  // blank lines do not affect indentation
      if (pos_ < src_.size()) new_line();
      return;
    }
    line_first_ = true;
    if (width > indents_.back()) {
      indents_.push_back(width);
      push(token_kind::indent, "", here());
      line_first_ = true;
    } else {
      while (width < indents_.back()) {
        indents_.pop_back();
        push(token_kind::dedent, "", here());
        line_first_ = true;
      }
      if (width != indents_.back()) diags_.error(here(), "inconsistent indentation");
    }
    lex_tokens();
  }

  void lex_tokens() {
    while (pos_ < src_.size()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
        ++pos_;
      } else if (c == '#') {
        skip_comment();
      } else if (c == '\\' && (peek(1) == '\n' || (peek(1) == '\r' && peek(2) == '\n'))) {
        pos_ += peek(1) == '\r' ? 1 : 0;
        ++pos_;
        new_line();
        line_first_ = false;
      } else if (c == '\n') {
        if (!open_.empty()) {
          new_line();
        } else {
          push(token_kind::newline, "", here());
          new_line();
          return;
        }
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '.' && std::isdigit(static_cast<unsigned char>(peek(1))))) {
        lex_number();
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        lex_name_or_prefixed_string();
      } else if (c == '\'' || c == '"') {
        lex_string(0);
      } else {
        lex_operator();
      }
    }
  }

  void skip_comment() {
    while (pos_ < src_.size() && peek() != '\n') ++pos_;
  }

  void lex_number() {
    auto loc = here();
    std::size_t start = pos_;
    bool is_float = false;
    auto digits = [&] {
      while (std::isdigit(static_cast<unsigned char>(peek())) || peek() == '_') ++pos_;
    };
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
      pos_ += 2;
      while (std::isxdigit(static_cast<unsigned char>(peek()))) ++pos_;
    } else {
      digits();
      if (peek() == '.') {
        is_float = true;
        ++pos_;
        digits();
      }
      if (peek() == 'e' || peek() == 'E') {
        is_float = true;
        ++pos_;
        if (peek() == '+' || peek() == '-') ++pos_;
        digits();
      }
    }
    if (std::isalpha(static_cast<unsigned char>(peek()))) {
      diags_.error(loc, "invalid number literal");
      while (std::isalnum(static_cast<unsigned char>(peek()))) ++pos_;
    }
    std::string text;
    for (char ch : src_.substr(start, pos_ - start))
      if (ch != '_') text.push_back(ch);
    push(is_float ? token_kind::float_number : token_kind::int_number, std::move(text), loc);
  }

  void lex_name_or_prefixed_string() {
    std::size_t start = pos_;
    while (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_') ++pos_;
    std::string_view word = src_.substr(start, pos_ - start);
    if ((peek() == '\'' || peek() == '"') && word.size() <= 2 &&
        word.find_first_not_of("fFbBrRuU") == std::string_view::npos) {
      pos_ = start;
      char prefix = static_cast<char>(std::tolower(static_cast<unsigned char>(word[0])));
      pos_ += word.size();
      lex_string(prefix == 'u' ? 0 : prefix, static_cast<int>(word.size()));
      return;
    }
    auto loc = source_location{line_, static_cast<int>(start - line_start_) + 1};
    push(token_kind::name, std::string{word}, loc);
  }

  void lex_string(char prefix, int prefix_len = 0) {
    auto loc = here();
    loc.col -= prefix_len;
    char quote = peek();
    bool triple = peek(1) == quote && peek(2) == quote;
    pos_ += triple ? 3 : 1;
    std::string value;
    while (true) {
      if (pos_ >= src_.size()) {
        diags_.error(loc, "unterminated string literal");
        break;
      }
      char c = peek();
      if (c == quote && (!triple || (peek(1) == quote && peek(2) == quote))) {
        pos_ += triple ? 3 : 1;
        break;
      }
      if (c == '\n') {
        if (!triple) {
          diags_.error(loc, "unterminated string literal", "close the quote on the same line");
          break;
        }
        value.push_back('\n');
        new_line();
        line_first_ = false;
        continue;
      }
      if (c == '\\' && prefix != 'r' && pos_ + 1 < src_.size()) {
        char e = peek(1);
        pos_ += 2;
        switch (e) {
          case 'n': value.push_back('\n'); break;
          case 't': value.push_back('\t'); break;
          case 'r': value.push_back('\r'); break;
          case '0': value.push_back('\0'); break;
          case '\\': value.push_back('\\'); break;
          case '\'': value.push_back('\''); break;
          case '"': value.push_back('"'); break;
          case '\n':
            --pos_;
            new_line();
            line_first_ = false;
            break;
          default:  // Python keeps unknown escapes verbatim
            value.push_back('\\');
            value.push_back(e);
        }
        continue;
      }
      value.push_back(c);
      ++pos_;
    }
    bool first = line_first_;
    push(token_kind::string, std::move(value), loc);
    out_.back().starts_line = first || out_.back().starts_line;
    out_.back().string_prefix = prefix;
  }

  void lex_operator() {
    auto loc = here();
    for (auto op : operators) {
      if (src_.substr(pos_, op.size()) == op) {
        pos_ += op.size();
        push(token_kind::op, std::string{op}, loc);
        track_brackets(out_.back());
        return;
      }
    }
    diags_.error(loc, std::string{"unexpected character '"} + peek() + "'");
    ++pos_;
  }

  // Brackets join lines; an unbalanced one is reported where it is, not at the end of the file.
  void track_brackets(const token& t) {
    static constexpr std::string_view opening = "([{", closing = ")]}";
    if (opening.find(t.text) != std::string_view::npos) {
      open_.push_back(t);
      return;
    }
    auto kind = closing.find(t.text);
    if (t.text.size() != 1 || kind == std::string_view::npos) return;
    if (open_.empty()) {
      diags_.error(t.loc, "unmatched '" + t.text + "'");
      return;
    }
    if (open_.back().text[0] != opening[kind])
      diags_.error(t.loc, "closing '" + t.text + "' does not match the opening '" +
                              open_.back().text + "' at line " + std::to_string(open_.back().loc.line) +
                              ":" + std::to_string(open_.back().loc.col));
    open_.pop_back();
  }

  std::string_view src_;
  diagnostics& diags_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  int line_ = 1;
  std::vector<token> open_;  // unclosed brackets, innermost last
  bool line_first_ = true;
  std::vector<std::size_t> indents_;
  std::vector<token> out_;
};

}  // namespace

std::vector<token> lex(std::string_view source, diagnostics& diags) {
  return lexer{source, diags}.run();
}

}  // namespace wisp::pxl
