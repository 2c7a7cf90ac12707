#pragma once
// Rendering of result tables for the CLI, in Pixie's three formats:
// - table: aligned columns per result table, values humanised by semantic type (durations,
//   bytes, times, percentages); long strings shortened.
// - json: one object per row, `_tableName_` first, then the columns in order, raw values.
// - csv: per table a header line, then rows (RFC 4180 quoting).
// Pure functions over decoded wire messages; used by `wisp run`.

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schemas/relation.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::cluster {

enum class output_format { table, json, csv };

std::optional<output_format> parse_output_format(std::string_view s);

struct result_table {
  std::string name;
  schemas::relation rel;
  std::vector<schemas::row_batch> batches;
};

/// Writes one row per line (json), or the whole table (table, csv).
void render(std::ostream& out, const result_table& t, output_format f);

/// Formatting helpers, exposed for tests.
std::string humanize_duration_ns(std::int64_t ns);
std::string humanize_bytes(std::int64_t bytes);
std::string format_time_rfc3339(std::int64_t ns);

}  // namespace wisp::cluster
