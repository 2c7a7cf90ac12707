#pragma once
// A table's relation (ordered, typed columns). Tables are declared as constexpr `table_def`s so a
// column index is computed from its name at compile time and a misspelled name fails the build;
// `relation` is the runtime form used by the query engine and the wire.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schemas/types.hpp"

namespace wisp::schemas {

struct column_def {
  std::string_view name;
  data_type type;
  semantic_type semantic;
  std::string_view desc;
};

template <std::size_t N>
struct table_def {
  std::string_view name;
  std::string_view desc;
  std::array<column_def, N> columns;

  /// Index of a column by name; only usable in constant evaluation, where an unknown name is a
  /// compile error ("call to non-constexpr function").
  consteval std::size_t col(std::string_view column) const {
    for (std::size_t i = 0; i < N; ++i)
      if (columns[i].name == column) return i;
    unknown_column();
    return N;
  }

 private:
  static void unknown_column() {}  // not constexpr: reaching it fails constant evaluation
};

struct column_info {
  std::string name;
  data_type type = data_type::unknown;
  semantic_type semantic = semantic_type::st_none;
  std::string desc;
  friend bool operator==(const column_info&, const column_info&) = default;
};

/// Runtime relation: the schema of a table or of an operator's output.
struct relation {
  std::vector<column_info> columns;

  std::optional<std::size_t> index_of(std::string_view name) const;
  std::vector<std::string> names() const;
  friend bool operator==(const relation&, const relation&) = default;
};

template <std::size_t N>
relation to_relation(const table_def<N>& t) {
  relation r;
  r.columns.reserve(N);
  for (const auto& c : t.columns)
    r.columns.push_back({std::string{c.name}, c.type, c.semantic, std::string{c.desc}});
  return r;
}

}  // namespace wisp::schemas
