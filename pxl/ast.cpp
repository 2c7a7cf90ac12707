#include "pxl/ast.hpp"

namespace wisp::pxl::ast {

std::string_view to_string(binary_op op) {
  switch (op) {
    case binary_op::add: return "+";
    case binary_op::subtract: return "-";
    case binary_op::multiply: return "*";
    case binary_op::divide: return "/";
    case binary_op::modulo: return "%";
    case binary_op::equal: return "==";
    case binary_op::not_equal: return "!=";
    case binary_op::less: return "<";
    case binary_op::less_equal: return "<=";
    case binary_op::greater: return ">";
    case binary_op::greater_equal: return ">=";
    case binary_op::logical_and: return "and";
    case binary_op::logical_or: return "or";
  }
  return "?";
}

std::string_view to_string(unary_op op) {
  switch (op) {
    case unary_op::negate: return "-";
    case unary_op::plus: return "+";
    case unary_op::logical_not: return "not";
  }
  return "?";
}

}  // namespace wisp::pxl::ast
