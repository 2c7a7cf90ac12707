#include "actors/protocols/pgsql/payload.hpp"

#include <array>

namespace wisp::protocols::pgsql {
namespace {

constexpr std::int16_t format_text = 0;
constexpr std::int16_t format_binary = 1;
constexpr std::int32_t null_length = -1;

struct error_field_name {
  char code;
  std::string_view name;
};

// protocol-error-fields; the names are Pixie's (its enum names), with ConstraintName spelt right.
constexpr std::array<error_field_name, 18> error_field_names{{
    {'S', "Severity"},     {'V', "InternalSeverity"}, {'C', "Code"},
    {'M', "Message"},      {'D', "Detail"},           {'H', "Hint"},
    {'P', "Position"},     {'p', "InternalPosition"}, {'q', "InternalQuery"},
    {'W', "Where"},        {'s', "SchemaName"},       {'t', "TableName"},
    {'c', "ColumnName"},   {'d', "DataTypeName"},     {'n', "ConstraintName"},
    {'F', "File"},         {'L', "Line"},             {'R', "Routine"},
}};

std::string_view format_name(std::int16_t f) { return f == format_binary ? "kBinary" : "kText"; }

bool valid_format(std::int16_t f) { return f == format_text || f == format_binary; }

void append_hex(std::string& out, std::string_view bytes) {
  constexpr std::string_view digits = "0123456789abcdef";
  constexpr unsigned nibble_bits = 4;
  constexpr unsigned nibble_mask = 0xf;
  out.append("\\x");
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out.push_back(digits[b >> nibble_bits]);
    out.push_back(digits[b & nibble_mask]);
  }
}

void append_param_value(std::string& out, const bind_param& p) {
  if (!p.value) {
    out.append(null_value);
  } else if (p.format == format_binary) {
    append_hex(out, *p.value);
  } else {
    out.append(*p.value);
  }
}

// n format codes followed by their values, as Bind and the *Response copy messages lay them out.
bool read_formats(payload_reader& r, std::vector<std::int16_t>& out) {
  std::int16_t n = 0;
  if (!r.int16(n) || n < 0 || static_cast<std::size_t>(n) * 2 > r.left()) return false;
  out.resize(static_cast<std::size_t>(n));
  for (std::int16_t& f : out)
    if (!r.int16(f) || !valid_format(f)) return false;
  return true;
}

}  // namespace

bool payload_reader::int16(std::int16_t& out) {
  if (left() < 2) return false;
  out = r_.i16();
  return true;
}

bool payload_reader::int32(std::int32_t& out) {
  if (left() < 4) return false;
  out = r_.i32();
  return true;
}

bool payload_reader::cstring(std::string_view& out) {
  std::size_t nul = r_.rest().find('\0');
  if (nul == std::string_view::npos) return false;
  out = r_.take(nul);
  r_.take(1);
  return true;
}

bool payload_reader::bytes(std::size_t n, std::string_view& out) {
  if (left() < n) return false;
  out = r_.take(n);
  return true;
}

std::optional<std::string> render_data_row(std::string_view payload, std::size_t max_bytes) {
  payload_reader r{payload};
  std::int16_t n = 0;
  if (!r.int16(n) || n < 0) return std::nullopt;
  std::string out;
  for (std::int16_t i = 0; i < n; ++i) {
    std::int32_t len = 0;
    std::string_view value = null_value;
    if (!r.int32(len) || len < null_length) return std::nullopt;
    if (len != null_length && !r.bytes(static_cast<std::size_t>(len), value)) return std::nullopt;
    if (out.size() < max_bytes) {
      if (i > 0) out.push_back(',');
      out.append(value.substr(0, max_bytes - out.size()));
    }
  }
  if (r.left() != 0) return std::nullopt;
  return out;
}

std::optional<std::string_view> decode_text(std::string_view payload) {
  if (payload.empty() || payload.back() != '\0') return std::nullopt;
  while (!payload.empty() && payload.back() == '\0') payload.remove_suffix(1);
  return payload;
}

std::optional<std::vector<field_description>> decode_row_description(std::string_view payload) {
  payload_reader r{payload};
  std::int16_t n = 0;
  if (!r.int16(n) || n < 0) return std::nullopt;
  std::vector<field_description> fields;
  constexpr std::size_t min_field_bytes = 19;  // NUL + 4 + 2 + 4 + 2 + 4 + 2
  if (static_cast<std::size_t>(n) * min_field_bytes > r.left()) return std::nullopt;
  fields.resize(static_cast<std::size_t>(n));
  for (field_description& f : fields) {
    if (!r.cstring(f.name) || !r.int32(f.table_oid) || !r.int16(f.attr_num) || !r.int32(f.type_oid) ||
        !r.int16(f.type_size) || !r.int32(f.type_modifier) || !r.int16(f.format) || !valid_format(f.format)) {
      return std::nullopt;
    }
  }
  if (r.left() != 0) return std::nullopt;
  return fields;
}

std::string render_row_description(const std::vector<field_description>& fields) {
  std::string out = "ROW DESCRIPTION [";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const field_description& f = fields[i];
    if (i > 0) out.append("] [");
    out.append("name=").append(f.name);
    out.append(" table_oid=").append(std::to_string(f.table_oid));
    out.append(" attr_num=").append(std::to_string(f.attr_num));
    out.append(" type_oid=").append(std::to_string(f.type_oid));
    out.append(" type_size=").append(std::to_string(f.type_size));
    out.append(" type_modifier=").append(std::to_string(f.type_modifier));
    out.append(" fmt_code=").append(format_name(f.format));
  }
  out.push_back(']');
  return out;
}

std::string column_names(const std::vector<field_description>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(fields[i].name);
  }
  return out;
}

std::optional<std::string> render_error(std::string_view payload) {
  payload_reader r{payload};
  std::string out = "ERROR RESPONSE [";
  bool first = true;
  for (;;) {
    std::string_view code;
    if (!r.bytes(1, code)) return std::nullopt;
    if (code[0] == '\0') break;
    std::string_view value;
    if (!r.cstring(value)) return std::nullopt;
    if (!first) out.push_back(' ');
    first = false;
    std::string_view name;
    for (const error_field_name& n : error_field_names)
      if (n.code == code[0]) name = n.name;
    if (name.empty()) {
      out.append("Field:").append(code);
    } else {
      out.append(name);
    }
    out.push_back('=');
    out.append(value);
  }
  if (r.left() != 0) return std::nullopt;
  out.push_back(']');
  return out;
}

std::optional<parse_fields> decode_parse(std::string_view payload) {
  payload_reader r{payload};
  parse_fields p;
  std::int16_t n = 0;
  if (!r.cstring(p.statement) || !r.cstring(p.query) || !r.int16(n) || n < 0) return std::nullopt;
  std::string_view oids;
  if (!r.bytes(static_cast<std::size_t>(n) * 4, oids) || r.left() != 0) return std::nullopt;
  return p;
}

std::optional<bind_fields> decode_bind(std::string_view payload) {
  payload_reader r{payload};
  bind_fields b;
  std::vector<std::int16_t> formats;
  std::int16_t n = 0;
  if (!r.cstring(b.portal) || !r.cstring(b.statement) || !read_formats(r, formats) || !r.int16(n) || n < 0) {
    return std::nullopt;
  }
  if (formats.size() > 1 && formats.size() != static_cast<std::size_t>(n)) return std::nullopt;
  if (static_cast<std::size_t>(n) * 4 > r.left()) return std::nullopt;
  b.params.resize(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < b.params.size(); ++i) {
    bind_param& p = b.params[i];
    if (!formats.empty()) p.format = formats.size() == 1 ? formats[0] : formats[i];
    std::int32_t len = 0;
    if (!r.int32(len) || len < null_length) return std::nullopt;
    if (len == null_length) continue;
    std::string_view value;
    if (!r.bytes(static_cast<std::size_t>(len), value)) return std::nullopt;
    p.value = value;
  }
  if (!read_formats(r, b.result_formats) || r.left() != 0) return std::nullopt;
  return b;
}

std::string render_bind(const bind_fields& b) {
  std::string out = "portal=";
  out.append(b.portal).append(" statement=").append(b.statement).append(" parameters=[");
  for (std::size_t i = 0; i < b.params.size(); ++i) {
    if (i > 0) out.append(", ");
    out.append("[format=").append(format_name(b.params[i].format)).append(" value=");
    append_param_value(out, b.params[i]);
    out.push_back(']');
  }
  out.append("] result_format_codes=[");
  for (std::size_t i = 0; i < b.result_formats.size(); ++i) {
    if (i > 0) out.append(", ");
    out.append(format_name(b.result_formats[i]));
  }
  out.push_back(']');
  return out;
}

std::string render_param_values(const std::vector<bind_param>& params) {
  std::string out;
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i > 0) out.append(", ");
    append_param_value(out, params[i]);
  }
  return out;
}

std::optional<target> decode_target(std::string_view payload) {
  payload_reader r{payload};
  std::string_view type;
  target t;
  if (!r.bytes(1, type) || (type[0] != 'S' && type[0] != 'P') || !r.cstring(t.name) || r.left() != 0) {
    return std::nullopt;
  }
  t.type = type[0];
  return t;
}

std::string render_describe(const target& t) {
  std::string out = t.type == 'S' ? "type=kStatement name=" : "type=kPortal name=";
  out.append(t.name);
  return out;
}

}  // namespace wisp::protocols::pgsql
