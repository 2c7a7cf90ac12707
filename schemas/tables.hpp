#pragma once
// The registry of every table the agent creates, built from the constexpr definitions in this
// folder. Adding a table: define its table_def in schemas/<name>.hpp and add it to tables.cpp.

#include <string>
#include <vector>

#include "schemas/relation.hpp"

namespace wisp::schemas {

struct table_schema {
  std::string name;
  std::string desc;
  relation rel;
};

/// All tables, in a stable order.
const std::vector<table_schema>& all_tables();

/// The schema of a table, or nullptr.
const table_schema* find_table(std::string_view name);

}  // namespace wisp::schemas
