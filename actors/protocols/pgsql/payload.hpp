#pragma once
// Decoders of pgsql message payloads and the text forms the pgsql_events columns show. Pure
// functions over the payload bytes (see message.hpp); every read is bounds-checked, and a payload
// that does not hold what its tag promises yields nullopt instead of a partial value.
//
// Text forms follow Pixie's (facts §1.2): a Bind is `portal=P statement=S parameters=[[format=kText
// value=V], ...] result_format_codes=[kText, ...]`, a Describe `type=kStatement name=N`, an
// ErrorResponse `ERROR RESPONSE [Severity=ERROR Code=42P01 Message=...]`, a RowDescription
// `ROW DESCRIPTION [name=a table_oid=.. attr_num=.. type_oid=.. type_size=.. type_modifier=..
// fmt_code=kText] [...]`, a DataRow its values joined by ',' with NULL as `[NULL]`.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/common/be_reader.hpp"

namespace wisp::protocols::pgsql {

inline constexpr std::string_view null_value = "[NULL]";

/// pgsql's reads over the shared big-endian reader: each fails (returns false, leaves the output
/// unset, consumes nothing) rather than run past the end.
class payload_reader {
 public:
  explicit payload_reader(std::string_view bytes) : r_{bytes} {}
  bool int16(std::int16_t& out);
  bool int32(std::int32_t& out);
  /// A NUL-terminated string, without its NUL.
  bool cstring(std::string_view& out);
  bool bytes(std::size_t n, std::string_view& out);
  std::size_t left() const { return r_.remaining(); }

 private:
  be_reader r_;
};

/// A DataRow's values as text, cut (not failing) once longer than max_bytes.
std::optional<std::string> render_data_row(std::string_view payload, std::size_t max_bytes);

/// A NUL-terminated string filling the payload (Query text, CommandComplete tag). Trailing NULs
/// are dropped as Pixie does.
std::optional<std::string_view> decode_text(std::string_view payload);

struct field_description {
  std::string_view name;
  std::int32_t table_oid = 0;
  std::int16_t attr_num = 0;
  std::int32_t type_oid = 0;
  std::int16_t type_size = 0;
  std::int32_t type_modifier = 0;
  std::int16_t format = 0;
};
std::optional<std::vector<field_description>> decode_row_description(std::string_view payload);
std::string render_row_description(const std::vector<field_description>& fields);
/// The column names joined by ',' (the header line of a query result).
std::string column_names(const std::vector<field_description>& fields);

/// ErrorResponse (and NoticeResponse) fields in wire order, as `Name=value` joined by ' '.
std::optional<std::string> render_error(std::string_view payload);

struct parse_fields {
  std::string_view statement;
  std::string_view query;
};
std::optional<parse_fields> decode_parse(std::string_view payload);

struct bind_param {
  std::int16_t format = 0;  // 0 text, 1 binary
  std::optional<std::string_view> value;
};
struct bind_fields {
  std::string_view portal;
  std::string_view statement;
  std::vector<bind_param> params;
  std::vector<std::int16_t> result_formats;
};
std::optional<bind_fields> decode_bind(std::string_view payload);
std::string render_bind(const bind_fields& b);
/// The values alone, joined by ", " (the params=[...] of an Execute). Binary values are shown
/// in PostgreSQL's bytea hex form (\x...), NULL as [NULL].
std::string render_param_values(const std::vector<bind_param>& params);

/// The target of a Describe or Close: 'S' statement or 'P' portal, and its name.
struct target {
  char type = 'S';
  std::string_view name;
};
std::optional<target> decode_target(std::string_view payload);
std::string render_describe(const target& t);

}  // namespace wisp::protocols::pgsql
