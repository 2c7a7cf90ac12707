#include "pxl/parser.hpp"

#include <charconv>
#include <optional>
#include <set>
#include <string>

#include "pxl/options.hpp"

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

// Statements that start with a keyword and have no PxL meaning.
const std::set<std::string, std::less<>> statement_keywords{
    "if",     "elif",   "else",  "for",   "while", "class", "with",   "try",   "except",
    "finally", "global", "nonlocal", "del", "assert", "raise", "pass", "break", "continue",
    "async",  "yield",  "await"};

constexpr std::string_view not_supported = " is not supported in PxL";

class parser {
 public:
  parser(const std::vector<token>& toks, diagnostics& diags) : toks_(toks), diags_(diags) {}

  ast::module run() {
    ast::module m;
    m.body = statements(/*until_dedent=*/false);
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

  // Statements up to a DEDENT (function body) or the end of the file (module). A statement that
  // fails is left out; parsing resumes at the next one.
  std::vector<ast::stmt> statements(bool until_dedent) {
    std::vector<ast::stmt> out;
    bool returned = false;
    while (!at(token_kind::end_of_file) && !(until_dedent && at(token_kind::dedent))) {
      if (at(token_kind::newline) || (!until_dedent && at(token_kind::dedent))) {
        ++pos_;
        continue;
      }
      failed_ = false;
      if (at(token_kind::indent)) {
        error(cur().loc, "unexpected indent",
              until_dedent ? "indent every statement of a function body by the same amount"
                           : "top-level statements start in column 1");
        skip_block();
        continue;
      }
      if (returned) {
        error(cur().loc, "this statement comes after 'return' and would never run",
              "move the 'return' to the end of the function");
      } else {
        auto s = statement();
        returned = !failed_ && s.kind == ast::stmt_kind::return_value;
        if (!failed_) out.push_back(std::move(s));
      }
      if (failed_) sync();
    }
    if (until_dedent && at(token_kind::dedent)) ++pos_;
    failed_ = false;
    return out;
  }

  ast::stmt statement() {
    ast::stmt s;
    s.loc = cur().loc;
    if (at_op("@")) return function_def();
    if (at(token_kind::name) && keywords.contains(cur().text)) {
      const std::string& kw = cur().text;
      if (kw == "import") {
        if (in_function_) {
          unsupported(s.loc, "'import' inside a function",
                      "import modules at the top of the script");
          return s;
        }
        return import_statement();
      }
      if (kw == "def") return function_def();
      if (kw == "return") return return_statement();
      if (kw == "from") {
        unsupported(s.loc, "'from ... import'", "use 'import px'");
        return s;
      }
      if (statement_keywords.contains(kw)) {
        unsupported(s.loc, "the '" + kw + "' statement", statement_hint(kw));
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

  static std::string statement_hint(std::string_view kw) {
    if (kw == "if" || kw == "elif" || kw == "else")
      return "filter rows with df[cond], pick values with px.select(cond, a, b)";
    if (kw == "for" || kw == "while") return "DataFrame operations work on all rows at once";
    if (kw == "global") return "pass values to functions as arguments";
    return {};
  }

  // [@decorator NEWLINE]... def name(params) [-> annotation]: body
  ast::stmt function_def() {
    ast::stmt s;
    s.kind = ast::stmt_kind::function_def;
    s.loc = cur().loc;
    while (accept_op("@")) {
      add_decorator(s);
      if (failed_) return s;
    }
    if (!at_keyword("def")) {
      error(cur().loc, "expected 'def' after a decorator but found " + describe(cur()));
      return s;
    }
    if (in_function_) {
      unsupported(cur().loc, "a function defined inside another function",
                  "define every function at the top level of the script");
      return s;
    }
    ++pos_;
    if (!at(token_kind::name) || keywords.contains(cur().text)) {
      error(cur().loc, "expected a function name after 'def' but found " + describe(cur()));
      return s;
    }
    s.name = cur().text;
    ++pos_;
    if (!expect_op("(")) return s;
    parameters(s);
    if (failed_ || !expect_op(")")) return s;
    if (accept_op("->")) s.returns = expression();
    if (failed_ || !expect_op(":")) return s;
    function_body(s);
    return s;
  }

  void add_decorator(ast::stmt& s) {
    s.decorators.push_back(expression());
    if (failed_) return;
    if (!at(token_kind::newline)) {
      error(cur().loc, "expected a new line after the decorator but found " + describe(cur()));
      return;
    }
    ++pos_;
  }

  void parameters(ast::stmt& s) {
    while (!failed_ && !at_op(")")) {
      if (at_op("*") || at_op("**")) {
        unsupported(cur().loc, "a '" + cur().text + "' parameter", "list every parameter by name");
        return;
      }
      if (at_op("/")) {
        unsupported(cur().loc, "a positional-only marker ('/')");
        return;
      }
      if (!at(token_kind::name) || keywords.contains(cur().text)) {
        error(cur().loc, "expected a parameter name but found " + describe(cur()));
        return;
      }
      ast::parameter p{cur().text, cur().loc, nullptr, nullptr};
      for (const auto& other : s.params)
        if (other.name == p.name)
          error(p.loc, "duplicate parameter '" + p.name + "' in function '" + s.name + "'");
      ++pos_;
      if (accept_op(":")) p.annotation = expression();
      if (accept_op("=")) {
        p.default_value = expression();
      } else if (!s.params.empty() && s.params.back().default_value) {
        error(p.loc, "parameter '" + p.name +
                         "' without a default follows a parameter with a default");
      }
      s.params.push_back(std::move(p));
      if (!accept_op(",")) break;
    }
  }

  // Either an indented block or one statement on the line of the 'def'.
  void function_body(ast::stmt& s) {
    in_function_ = true;
    if (at(token_kind::newline)) {
      ++pos_;
      if (!at(token_kind::indent)) {
        error(cur().loc, "expected an indented function body after 'def " + s.name + "(...):'");
        in_function_ = false;
        return;
      }
      ++pos_;
      s.body = statements(/*until_dedent=*/true);
    } else {
      auto body = statement();
      if (!failed_) s.body.push_back(std::move(body));
    }
    in_function_ = false;
  }

  ast::stmt return_statement() {
    ast::stmt s;
    s.kind = ast::stmt_kind::return_value;
    s.loc = cur().loc;
    if (!in_function_) {
      error(s.loc, "'return' outside a function");
      return s;
    }
    ++pos_;
    if (!at(token_kind::newline) && !at(token_kind::end_of_file)) s.value = expression_list();
    end_statement();
    return s;
  }

  // `a, b` (a tuple without brackets) or a single expression.
  expr_ptr expression_list() {
    auto loc = cur().loc;
    auto first = expression();
    if (failed_ || !at_op(",")) return first;
    auto t = make(expr_kind::tuple, loc);
    add_child(*t, std::move(first));
    while (!failed_ && accept_op(",")) {
      if (at(token_kind::newline) || at(token_kind::end_of_file)) break;
      add_child(*t, expression());
    }
    return t;
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

  // Every child goes through here, so no tree gets deeper than max_nesting_depth: later passes
  // walk expressions recursively.
  void add_child(expr& parent, expr_ptr child) {
    count_level(parent, child.get());
    parent.children.push_back(std::move(child));
  }
  void count_level(expr& parent, const expr* child) {
    if (child == nullptr || child->height < parent.height) return;
    parent.height = child->height + 1;
    if (parent.height > max_nesting_depth) too_deep(parent.loc);
  }

  void too_deep(source_location loc) {
    error(loc, "expression is nested too deeply (more than " + std::to_string(max_nesting_depth) +
                   " levels)",
          "split it into several assignments");
  }

  // Counts the parser's own recursion (brackets, unary operators), which adds no tree levels
  // for redundant parentheses.
  struct nesting {
    parser& p;
    explicit nesting(parser& owner) : p(owner) { ++p.depth_; }
    ~nesting() { --p.depth_; }
    nesting(const nesting&) = delete;
    nesting& operator=(const nesting&) = delete;
    bool too_deep() const {
      if (p.depth_ <= max_nesting_depth) return false;
      p.too_deep(p.cur().loc);
      return true;
    }
  };

  expr_ptr expression() {
    nesting guard{*this};
    if (guard.too_deep()) return nullptr;
    if (at_keyword("lambda")) {
      unsupported(cur().loc, "'lambda'");
      return nullptr;
    }
    auto e = or_test();
    if (!failed_ && at_keyword("if")) unsupported(cur().loc, "a conditional expression ('x if c else y')",
                                                  "use px.select(cond, a, b)");
    if (!failed_ && at_op(":=")) unsupported(cur().loc, "an assignment expression (':=')");
    return failed_ ? nullptr : std::move(e);
  }

  expr_ptr binary(ast::binary_op op, expr_ptr l, expr_ptr r, source_location loc) {
    auto e = make(expr_kind::binary, loc);
    e->bin_op = op;
    add_child(*e, std::move(l));
    add_child(*e, std::move(r));
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
      nesting guard{*this};
      if (guard.too_deep()) return nullptr;
      auto e = make(expr_kind::unary, cur().loc);
      ++pos_;
      e->un_op = ast::unary_op::logical_not;
      add_child(*e, not_test());
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
      std::string op = at_keyword("not") ? "not in" : cur().text;
      unsupported(cur().loc, "the '" + op + "' operator",
                  op == "is" ? "use '=='" : "use px.contains or px.equals_any");
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
      nesting guard{*this};
      if (guard.too_deep()) return nullptr;
      auto e = make(expr_kind::unary, cur().loc);
      e->un_op = cur().text == "-" ? ast::unary_op::negate : ast::unary_op::plus;
      ++pos_;
      add_child(*e, factor());
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
        add_child(*a, std::move(e));
        e = std::move(a);
      } else if (at_op("[")) {
        auto s = make(expr_kind::subscript, cur().loc);
        ++pos_;
        add_child(*s, std::move(e));
        add_child(*s, subscript_index());
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
    add_child(*t, std::move(first));
    while (accept_op(",")) {
      if (at_op("]")) break;
      add_child(*t, expression());
      if (failed_) break;
    }
    return t;
  }

  expr_ptr call(expr_ptr callee) {
    auto c = make(expr_kind::call, cur().loc);
    c->loc = callee->loc;
    ++pos_;
    add_child(*c, std::move(callee));
    while (!failed_ && !at_op(")")) {
      if (at_op("*") || at_op("**")) {
        unsupported(cur().loc, "argument unpacking ('" + cur().text + "')");
        break;
      }
      if (at(token_kind::name) && next().kind == token_kind::op && next().text == "=") {
        ast::keyword_arg kw{cur().text, nullptr, cur().loc};
        pos_ += 2;
        kw.value = expression();
        count_level(*c, kw.value.get());
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
        add_child(*c, std::move(arg));
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
      add_child(*e, expression());
      if (failed_) break;
      if (at_keyword("for")) {
        unsupported(cur().loc, "a comprehension");
        break;
      }
      if (kind == expr_kind::dict) {
        if (at_op(",") || at_op("}")) {
          unsupported(cur().loc, "a set literal", "use a list: [a, b]");
          break;
        }
        if (!expect_op(":")) break;
        add_child(*e, expression());
        if (!failed_ && at_keyword("for")) {
          unsupported(cur().loc, "a comprehension");
          break;
        }
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
        const char* end = t.text.data() + t.text.size();
        auto [p, ec] = std::from_chars(t.text.data(), end, e->float_value);
        if (ec == std::errc::result_out_of_range)
          error(loc, "float literal '" + t.text + "' is out of range");
        else if (ec != std::errc{} || p != end)
          error(loc, "invalid float literal '" + t.text + "'");
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
          add_child(*tup, std::move(first));
          while (accept_op(",")) {
            if (at_op(")")) break;
            add_child(*tup, expression());
            if (failed_) return tup;
          }
          expect_op(")");
          return tup;
        }
        if (t.text == "...") {
          unsupported(loc, "'...' (Ellipsis)");
          return nullptr;
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
  int depth_ = 0;
  bool failed_ = false;
  bool in_function_ = false;
};

}  // namespace

ast::module parse(const std::vector<token>& tokens, diagnostics& diags) {
  return parser{tokens, diags}.run();
}

}  // namespace wisp::pxl
