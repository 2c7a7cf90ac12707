#pragma once
// The syntax tree produced by the parser. It covers the Python expression and statement forms PxL
// scripts use; the compiler decides what each form means. Nodes own their children.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pxl/diagnostic.hpp"

namespace wisp::pxl::ast {

enum class binary_op : std::uint8_t {
  add, subtract, multiply, divide, modulo,
  equal, not_equal, less, less_equal, greater, greater_equal,
  logical_and, logical_or,
};
enum class unary_op : std::uint8_t { negate, plus, logical_not };

/// Python spelling of the operator ("+", "and", ...).
std::string_view to_string(binary_op op);
std::string_view to_string(unary_op op);

enum class expr_kind : std::uint8_t {
  name,        // text
  int_lit,     // int_value
  float_lit,   // float_value
  string_lit,  // text
  bool_lit,    // bool_value
  none_lit,
  attribute,   // children[0].text
  subscript,   // children[0][children[1]]
  call,        // children[0](children[1..], keywords)
  binary,      // children[0] bin_op children[1]
  unary,       // un_op children[0]
  list,        // [children...]
  tuple,       // (children...)
  dict,        // {children[2i]: children[2i+1]}
};

struct expr;
using expr_ptr = std::unique_ptr<expr>;

struct keyword_arg {
  std::string name;
  expr_ptr value;
  source_location loc;
};

struct expr {
  expr_kind kind = expr_kind::none_lit;
  source_location loc;
  std::string text;
  std::int64_t int_value = 0;
  double float_value = 0;
  bool bool_value = false;
  binary_op bin_op = binary_op::add;
  unary_op un_op = unary_op::negate;
  std::vector<expr_ptr> children;
  std::vector<keyword_arg> keywords;  // calls only
  int height = 1;  // levels of this tree, a leaf being 1 (the parser keeps it bounded)
};

enum class stmt_kind : std::uint8_t {
  import,        // import <module_name> [as <alias>]
  assign,        // target = value
  expression,    // value (docstrings are expression statements of a string literal)
  function_def,  // [@decorators] def name(params) [-> returns]: body
  return_value,  // return [value]; only in a function body, and only as its last statement
};

/// One parameter of a `def`: `name[: annotation][= default_value]`.
struct parameter {
  std::string name;
  source_location loc;
  expr_ptr annotation;     // may be null
  expr_ptr default_value;  // may be null
};

struct stmt {
  stmt_kind kind = stmt_kind::expression;
  source_location loc;
  std::string module_name;  // import
  std::string alias;        // import: name bound in the script (module_name if no "as")
  expr_ptr target;          // assign
  expr_ptr value;           // assign, expression, return_value (null for a bare return)
  std::string name;                  // function_def
  std::vector<parameter> params;     // function_def
  expr_ptr returns;                  // function_def: the '->' annotation, may be null
  std::vector<expr_ptr> decorators;  // function_def
  std::vector<stmt> body;            // function_def
};

struct module {
  std::vector<stmt> body;
};

}  // namespace wisp::pxl::ast
