#include "pxl/parser.hpp"

#include <charconv>
#include <optional>
#include <set>

namespace wisp::pxl {

namespace {

using ast::expr;
using ast::expr_kind;
using ast::expr_ptr;

const std::set<std::string, std::less<>> keywords{
    "False", "None",   "True",  "and",   "as",       "assert", "async",  "await",
    "break", "class",  "continue", "def", "del",     "elif",   "else",   "except",
    "finally", "for",  "from",  "global", "if",      "import", "in",     "is",
    "lambda", "nonlocal", "not", "or",   "pass",     "raise",  "return", "try",
    "while", "with",   "yield"};

constexpr std::string_view not_supported = " is not supported in PxL";

class parser {
 public:
  parser(const std::vector<token>& toks, diagnostics& diags) : toks_(toks), diags_(diags) {}

  ast::module run() {
    ast::module m;
    while (!at(token_kind::end_of_file)) {
      if (at(token_kind::newline) || at(token_kind::dedent)) {
        ++pos_;
        continue;
      }
      if (at(token_kind::indent)) {
        error(cur().loc, "unexpected indent", "top-level statements start in column 1");
        skip_block();
        continue;
      }
      failed_ = false;
      auto s = statement();
      if (failed_) {
        sync();
        continue;
      }
      m.body.push_back(std::move(s));
    }
    return m;
  }

 private:
  const token& cur() const { return toks_[pos_]; }
  const token& next() const { return toks_[pos_ + 1 < toks_.size() ? pos_ + 1 : pos_]; }
  bool at(token_kind k) const { return cur().kind == k; }
  bool at_op(std::string_view op) const { return at(token_kind::op) && cur().text == op; }
  bool at_keyword(std::string_view kw) const { return at(token_kind::name) && cur().text == kw; }
  bool accept_op(std::string_view op) {
    if (!at_op(op)) return false;
    ++pos_;
    return true;
  }

  void error(source_location loc, std::string message, std::string hint = {}) {
    if (failed_) return;  // one error per statement: later ones are usually consequences
    failed_ = true;
    diags_.error(loc, std::move(message), std::move(hint));
  }
  void unsupported(source_location loc, std::string_view what, std::string hint = {}) {
    error(loc, std::string{what} + std::string{not_supported}, std::move(hint));
  }
  std::string describe(const token& t) const {
    switch (t.kind) {
      case token_kind::name:
      case token_kind::op: return "'" + t.text + "'";
      default: return std::string{to_string(t.kind)};
    }
  }
  bool expect_op(std::string_view op) {
    if (accept_op(op)) return true;
    error(cur().loc, "expected '" + std::string{op} + "' but found " + describe(cur()));
    return false;
  }

  // Skips the rest of a failed statement, including an indented block that belongs to it.
  void sync() {
    while (!at(token_kind::end_of_file) && !at(token_kind::newline)) ++pos_;
    if (at(token_kind::newline)) ++pos_;
    if (at(token_kind::indent)) skip_block();
  }
  void skip_block() {
    int depth = 0;
    do {
      if (at(token_kind::indent)) ++depth;
      if (at(token_kind::dedent)) --depth;
      ++pos_;
    } while (depth > 0 && !at(token_kind::end_of_file));
  }

  ast::stmt statement() {
    ast::stmt s;
    s.loc = cur().loc;
    if (at(token_kind::name) && keywords.contains(cur().text)) {
      const std::string& kw = cur().text;
      if (kw == "import") return import_statement();
      if (kw == "def") {
        unsupported(s.loc, "defining functions ('def')",
                    "write the query as top-level statements for now");
        return s;
      }
      if (kw == "from") {
        unsupported(s.loc, "'from ... import'", "use 'import px'");
        return s;
      }
      if (kw == "if" || kw == "for" || kw == "while" || kw == "class" || kw == "with" ||
          kw == "try" || kw == "return" || kw == "global" || kw == "nonlocal" || kw == "del" ||
          kw == "assert" || kw == "raise" || kw == "pass" || kw == "break" || kw == "continue" ||
          kw == "async" || kw == "yield") {
        unsupported(s.loc, "the '" + kw + "' statement");
        return s;
      }
    }
    auto first = expression();
    if (failed_) return s;
    if (at_op("=")) {
      ++pos_;
      s.kind = ast::stmt_kind::assign;
      s.target = std::move(first);
      if (s.target->kind != expr_kind::name && s.target->kind != expr_kind::attribute &&
          s.target->kind != expr_kind::subscript)
        error(s.target->loc, "cannot assign to this expression",
              "assign to a name, 'df.column' or df['column']");
      s.value = expression();
      if (at_op("=")) unsupported(cur().loc, "chained assignment");
    } else {
      s.kind = ast::stmt_kind::expression;
      s.value = std::move(first);
    }
    end_statement();
    return s;
  }

  void end_statement() {
    if (failed_) return;
    if (at(token_kind::newline) || at(token_kind::end_of_file)) {
      if (at(token_kind::newline)) ++pos_;
      return;
    }
    if (at(token_kind::op)) {
      const std::string& op = cur().text;
      if (op.size() >= 2 && op.back() == '=' && op != "==" && op != "!=" && op != "<=" &&
          op != ">=") {
        unsupported(cur().loc, "augmented assignment ('" + op + "')",
                    "write 'x = x " + op.substr(0, op.size() - 1) + " ...'");
        return;
      }
      if (op == ",") {
        unsupported(cur().loc, "tuple unpacking");
        return;
      }
      if (op == ":") {
        unsupported(cur().loc, "a variable annotation");
        return;
      }
      if (op == ";") {
        unsupported(cur().loc, "';' between statements", "put each statement on its own line");
        return;
      }
    }
    error(cur().loc, "expected end of statement but found " + describe(cur()));
  }

  ast::stmt import_statement() {
    ast::stmt s;
    s.kind = ast::stmt_kind::import;
    s.loc = cur().loc;
    ++pos_;
    if (!at(token_kind::name) || keywords.contains(cur().text)) {
      error(cur().loc, "expected a module name after 'import'");
      return s;
    }
    s.module_name = cur().text;
    ++pos_;
    if (at_op(".")) {
      unsupported(cur().loc, "importing a submodule");
      return s;
    }
    s.alias = s.module_name;
    if (at_keyword("as")) {
      ++pos_;
      if (!at(token_kind::name)) {
        error(cur().loc, "expected a name after 'as'");
        return s;
      }
      s.alias = cur().text;
      ++pos_;
    }
    if (at_op(",")) unsupported(cur().loc, "importing several modules in one statement");
    end_statement();
    return s;
  }

  expr_ptr make(expr_kind k, source_location loc) {
    auto e = std::make_unique<expr>();
    e->kind = k;
    e->loc = loc;
    return e;
  }

  expr_ptr expression() {
    if (at_keyword("lambda")) {
      unsupported(cur().loc, "'lambda'");
      return nullptr;
    }
    auto e = or_test();
    if (!failed_ && at_keyword("if")) unsupported(cur().loc, "a conditional expression ('x if c else y')",
                                                  "use px.select(cond, a, b)");
    return failed_ ? nullptr : std::move(e);
  }

  expr_ptr binary(ast::binary_op op, expr_ptr l, expr_ptr r, source_location loc) {
    auto e = make(expr_kind::binary, loc);
    e->bin_op = op;
    e->children.push_back(std::move(l));
    e->children.push_back(std::move(r));
    return e;
  }

  expr_ptr or_test() {
    auto l = and_test();
    while (!failed_ && at_keyword("or")) {
      auto loc = cur().loc;
      ++pos_;
      l = binary(ast::binary_op::logical_or, std::move(l), and_test(), loc);
    }
    return l;
  }
  expr_ptr and_test() {
    auto l = not_test();
    while (!failed_ && at_keyword("and")) {
      auto loc = cur().loc;
      ++pos_;
      l = binary(ast::binary_op::logical_and, std::move(l), not_test(), loc);
    }
    return l;
  }
  expr_ptr not_test() {
    if (at_keyword("not")) {
      auto e = make(expr_kind::unary, cur().loc);
      ++pos_;
      e->un_op = ast::unary_op::logical_not;
      e->children.push_back(not_test());
      return e;
    }
    return comparison();
  }

  std::optional<ast::binary_op> comparison_op() const {
    if (!at(token_kind::op)) return std::nullopt;
    const auto& t = cur().text;
    if (t == "==") return ast::binary_op::equal;
    if (t == "!=") return ast::binary_op::not_equal;
    if (t == "<") return ast::binary_op::less;
    if (t == "<=") return ast::binary_op::less_equal;
    if (t == ">") return ast::binary_op::greater;
    if (t == ">=") return ast::binary_op::greater_equal;
    return std::nullopt;
  }

  expr_ptr comparison() {
    auto l = arith();
    if (failed_) return l;
    if (at_keyword("in") || at_keyword("is") || (at_keyword("not") && next().text == "in")) {
      unsupported(cur().loc, "the '" + cur().text + "' operator",
                  cur().text == "is" ? "use '=='" : "use px.contains or px.equals_any");
      return l;
    }
    if (auto op = comparison_op()) {
      auto loc = cur().loc;
      ++pos_;
      l = binary(*op, std::move(l), arith(), loc);
      if (!failed_ && comparison_op())
        unsupported(cur().loc, "a chained comparison", "combine two comparisons with 'and'");
    }
    return l;
  }

  expr_ptr arith() {
    auto l = term();
    while (!failed_ && (at_op("+") || at_op("-"))) {
      auto op = cur().text == "+" ? ast::binary_op::add : ast::binary_op::subtract;
      auto loc = cur().loc;
      ++pos_;
      l = binary(op, std::move(l), term(), loc);
    }
    return l;
  }

  expr_ptr term() {
    auto l = factor();
    while (!failed_) {
      if (at_op("//") || at_op("@") || at_op("<<") || at_op(">>") || at_op("&") || at_op("|") ||
          at_op("^")) {
        unsupported(cur().loc, "the '" + cur().text + "' operator",
                    cur().text == "//" ? "use px.floor(a / b)" : std::string{});
        return l;
      }
      ast::binary_op op;
      if (at_op("*"))
        op = ast::binary_op::multiply;
      else if (at_op("/"))
        op = ast::binary_op::divide;
      else if (at_op("%"))
        op = ast::binary_op::modulo;
      else
        break;
      auto loc = cur().loc;
      ++pos_;
      l = binary(op, std::move(l), factor(), loc);
    }
    return l;
  }

  expr_ptr factor() {
    if (at_op("-") || at_op("+")) {
      auto e = make(expr_kind::unary, cur().loc);
      e->un_op = cur().text == "-" ? ast::unary_op::negate : ast::unary_op::plus;
      ++pos_;
      e->children.push_back(factor());
      return e;
    }
    if (at_op("~")) {
      unsupported(cur().loc, "the '~' operator", "use 'not'");
      return nullptr;
    }
    auto e = primary();
    if (!failed_ && at_op("**")) unsupported(cur().loc, "the '**' operator");
    return e;
  }

  expr_ptr primary() {
    auto e = atom();
    while (!failed_) {
      if (at_op(".")) {
        auto loc = cur().loc;
        ++pos_;
        if (!at(token_kind::name)) {
          error(cur().loc, "expected an attribute name after '.'");
          return e;
        }
        auto a = make(expr_kind::attribute, loc);
        a->text = cur().text;
        a->loc = cur().loc;
        ++pos_;
        a->children.push_back(std::move(e));
        e = std::move(a);
      } else if (at_op("[")) {
        auto s = make(expr_kind::subscript, cur().loc);
        ++pos_;
        s->children.push_back(std::move(e));
        s->children.push_back(subscript_index());
        expect_op("]");
        e = std::move(s);
      } else if (at_op("(")) {
        e = call(std::move(e));
      } else {
        break;
      }
    }
    return e;
  }

  expr_ptr subscript_index() {
    auto loc = cur().loc;
    if (at_op(":")) {
      unsupported(loc, "slicing");
      return nullptr;
    }
    auto first = expression();
    if (failed_) return first;
    if (at_op(":")) {
      unsupported(cur().loc, "slicing", "use df.head(n)");
      return first;
    }
    if (!at_op(",")) return first;
    auto t = make(expr_kind::tuple, loc);
    t->children.push_back(std::move(first));
    while (accept_op(",")) {
      if (at_op("]")) break;
      t->children.push_back(expression());
      if (failed_) break;
    }
    return t;
  }

  expr_ptr call(expr_ptr callee) {
    auto c = make(expr_kind::call, cur().loc);
    c->loc = callee->loc;
    ++pos_;
    c->children.push_back(std::move(callee));
    while (!failed_ && !at_op(")")) {
      if (at_op("*") || at_op("**")) {
        unsupported(cur().loc, "argument unpacking ('" + cur().text + "')");
        break;
      }
      if (at(token_kind::name) && next().kind == token_kind::op && next().text == "=") {
        ast::keyword_arg kw{cur().text, nullptr, cur().loc};
        pos_ += 2;
        kw.value = expression();
        c->keywords.push_back(std::move(kw));
      } else {
        if (!c->keywords.empty()) {
          error(cur().loc, "positional argument follows keyword argument");
          break;
        }
        auto arg = expression();
        if (!failed_ && at_keyword("for")) {
          unsupported(cur().loc, "a generator expression");
          break;
        }
        c->children.push_back(std::move(arg));
      }
      if (failed_ || accept_op(",")) continue;
      // Pixie accepts keyword arguments on separate lines without a comma (facts §2.5).
      bool newline_separated_keyword = cur().starts_line && at(token_kind::name) &&
                                       next().kind == token_kind::op && next().text == "=";
      if (!newline_separated_keyword && !at_op(")")) {
        error(cur().loc, "expected ',' or ')' in call but found " + describe(cur()));
      }
    }
    if (!failed_) expect_op(")");
    return c;
  }

  expr_ptr sequence(expr_kind kind, std::string_view close, source_location loc) {
    auto e = make(kind, loc);
    while (!failed_ && !at_op(close)) {
      e->children.push_back(expression());
      if (failed_) break;
      if (at_keyword("for")) {
        unsupported(cur().loc, "a comprehension");
        break;
      }
      if (kind == expr_kind::dict) {
        if (!expect_op(":")) break;
        e->children.push_back(expression());
      }
      if (!accept_op(",")) break;
    }
    if (!failed_) expect_op(close);
    return e;
  }

  expr_ptr atom() {
    const token& t = cur();
    auto loc = t.loc;
    switch (t.kind) {
      case token_kind::int_number: {
        auto e = make(expr_kind::int_lit, loc);
        std::string_view text = t.text;
        int base = 10;
        if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
          base = 16;
          text.remove_prefix(2);
        }
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), e->int_value, base);
        if (ec != std::errc{} || p != text.data() + text.size())
          error(loc, "integer literal '" + t.text + "' does not fit in 64 bits");
        ++pos_;
        return e;
      }
      case token_kind::float_number: {
        auto e = make(expr_kind::float_lit, loc);
        e->float_value = std::strtod(t.text.c_str(), nullptr);
        ++pos_;
        return e;
      }
      case token_kind::string: {
        auto e = make(expr_kind::string_lit, loc);
        while (at(token_kind::string)) {  // adjacent literals concatenate
          if (cur().string_prefix == 'f') {
            unsupported(cur().loc, "an f-string", "concatenate strings with '+'");
            return e;
          }
          if (cur().string_prefix == 'b') {
            unsupported(cur().loc, "a bytes literal");
            return e;
          }
          e->text += cur().text;
          ++pos_;
        }
        return e;
      }
      case token_kind::name: {
        if (t.text == "True" || t.text == "False") {
          auto e = make(expr_kind::bool_lit, loc);
          e->bool_value = t.text == "True";
          ++pos_;
          return e;
        }
        if (t.text == "None") {
          ++pos_;
          return make(expr_kind::none_lit, loc);
        }
        if (keywords.contains(t.text)) {
          error(loc, "unexpected keyword '" + t.text + "'");
          return nullptr;
        }
        auto e = make(expr_kind::name, loc);
        e->text = t.text;
        ++pos_;
        return e;
      }
      case token_kind::op: {
        if (t.text == "(") {
          ++pos_;
          if (accept_op(")")) return make(expr_kind::tuple, loc);
          auto first = expression();
          if (failed_) return first;
          if (at_keyword("for")) {
            unsupported(cur().loc, "a generator expression");
            return first;
          }
          if (accept_op(")")) return first;
          if (!at_op(",")) {
            expect_op(")");
            return first;
          }
          auto tup = make(expr_kind::tuple, loc);
          tup->children.push_back(std::move(first));
          while (accept_op(",")) {
            if (at_op(")")) break;
            tup->children.push_back(expression());
            if (failed_) return tup;
          }
          expect_op(")");
          return tup;
        }
        if (t.text == "[") {
          ++pos_;
          return sequence(expr_kind::list, "]", loc);
        }
        if (t.text == "{") {
          ++pos_;
          if (at_op("}")) {
            ++pos_;
            return make(expr_kind::dict, loc);
          }
          return sequence(expr_kind::dict, "}", loc);
        }
        break;
      }
      case token_kind::indent:
        error(loc, "unexpected indent");
        return nullptr;
      default: break;
    }
    error(loc, "expected an expression but found " + describe(t));
    return nullptr;
  }

  const std::vector<token>& toks_;
  diagnostics& diags_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace

ast::module parse(const std::vector<token>& tokens, diagnostics& diags) {
  return parser{tokens, diags}.run();
}

}  // namespace wisp::pxl
