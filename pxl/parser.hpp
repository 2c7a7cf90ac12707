#pragma once
// Pass 2: tokens -> AST. Python grammar for the subset in ast.hpp; every other Python construct
// (def, if, for, lambda, comprehensions, slices, f-strings, ...) gets a located "not supported in
// PxL" diagnostic. After an error the parser skips to the next statement and continues.

#include <vector>

#include "pxl/ast.hpp"
#include "pxl/diagnostic.hpp"
#include "pxl/lexer.hpp"

namespace wisp::pxl {

/// Statements that failed to parse are left out of the module; their errors are in `diags`.
ast::module parse(const std::vector<token>& tokens, diagnostics& diags);

}  // namespace wisp::pxl
