#pragma once
// Errors in a bpftrace program given as a table source: where (1-based line and column of the
// program text, as bpftrace itself counts them) and what is wrong. No CAF in this module; the
// tracepoint manager turns a program_error into the user's deployment error.

#include <cstddef>
#include <string>

#include "bpf/error.hpp"

namespace wisp::bpftrace {

/// 1-based line and column (in bytes) of a character of the program text.
struct source_pos {
  std::size_t line = 1;
  std::size_t col = 1;
  friend bool operator==(const source_pos&, const source_pos&) = default;
};

struct program_error {
  source_pos at;
  std::string message;
};

/// "line:col: message".
std::string to_string(const program_error& e);

template <class T>
using program_expected = bpf::expected<T, program_error>;

}  // namespace wisp::bpftrace
