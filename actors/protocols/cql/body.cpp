#include "actors/protocols/cql/body.hpp"

#include <cstddef>
#include <string>
#include <vector>

#include "actors/protocols/common/be_reader.hpp"
#include "schemas/json.hpp"

namespace wisp::protocols::cql {
namespace {

using schemas::append_json_string;

// Type options nest (list<map<text, frozen<tuple<...>>>>); Cassandra itself has no fixed limit,
// this one bounds the recursion on hostile input.
constexpr int max_type_depth = 16;

// The body notations of the spec ([string], [long string], [bytes], [short bytes]) over the
// shared big-endian reader ([byte] u8, [short] u16, [int] i32). A read past the end fails the
// reader and returns an empty value; callers check ok() at the end.
class reader : public be_reader {
 public:
  using be_reader::be_reader;
  std::string_view string() { return take(u16()); }
  std::string_view long_string() { return take(count(i32())); }
  /// [bytes]: a negative length is null (no bytes), as is [value]'s -2 "not set".
  std::string_view bytes() {
    std::int32_t n = i32();
    return n < 0 ? std::string_view{} : take(static_cast<std::size_t>(n));
  }
  std::string_view short_bytes() { return take(u16()); }
  /// A non-negative count; a negative one fails the reader.
  std::size_t count(std::int32_t n) {
    if (n < 0) fail();
    return ok() ? static_cast<std::size_t>(n) : 0;
  }
};

std::string hex(std::string_view b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * b.size());
  for (char c : b) {
    auto u = static_cast<unsigned char>(c);
    out += digits[u >> 4];
    out += digits[u & 0xf];
  }
  return out;
}

// Every loop below reads at least one byte per element, so a count larger than the bytes left
// stops at the first failed read instead of looping 2^31 times.
template <class F>
void repeat(reader& r, std::size_t n, F&& f) {
  for (std::size_t i = 0; i < n && r.ok(); ++i) f();
}

std::string string_list_json(reader& r) {
  std::string out = "[";
  repeat(r, r.u16(), [&] {
    if (out.size() > 1) out += ',';
    append_json_string(out, r.string());
  });
  return out + "]";
}

std::string string_map_json(reader& r, bool multi) {
  std::string out = "{";
  repeat(r, r.u16(), [&] {
    if (out.size() > 1) out += ',';
    append_json_string(out, r.string());
    out += ':';
    if (multi) {
      out += string_list_json(r);
    } else {
      append_json_string(out, r.string());
    }
  });
  return out + "}";
}

void skip_type_option(reader& r, int depth) {
  if (depth > max_type_depth) return r.fail();
  std::uint16_t id = r.u16();
  switch (id) {
    case 0x0000: r.string(); break;  // custom: class name
    case 0x0020:                     // list
    case 0x0022:                     // set
      skip_type_option(r, depth + 1);
      break;
    case 0x0021:  // map
      skip_type_option(r, depth + 1);
      skip_type_option(r, depth + 1);
      break;
    case 0x0030:  // UDT: keyspace, name, fields
      r.string();
      r.string();
      repeat(r, r.u16(), [&] {
        r.string();
        skip_type_option(r, depth + 1);
      });
      break;
    case 0x0031:  // tuple
      repeat(r, r.u16(), [&] { skip_type_option(r, depth + 1); });
      break;
    default:
      if (id > 0x0015) r.fail();  // 0x0001..0x0015: native types
  }
}

// ROWS metadata (spec §4.2.5.2): flags, column count, optional paging state and (v5) new
// metadata id, global keyspace/table or per-column ones, then name and type per column.
std::string rows_text(reader& r, std::uint8_t version) {
  std::int32_t flags = r.i32();
  std::size_t columns = r.count(r.i32());
  if (flags & 0x0002) r.bytes();                       // has_more_pages: paging state
  if (version >= 5 && (flags & 0x0008)) r.short_bytes();  // metadata_changed: new id
  std::string names = "[";
  if (!(flags & 0x0004)) {  // no_metadata unset: column specs follow
    bool global = flags & 0x0001;
    if (global) {
      r.string();
      r.string();
    }
    repeat(r, columns, [&] {
      if (!global) {
        r.string();
        r.string();
      }
      if (names.size() > 1) names += ", ";
      append_json_string(names, r.string());
      skip_type_option(r, 0);
    });
  }
  names += "]";
  std::size_t rows = r.count(r.i32());
  // The rows' cells are not shown, only walked so that the frame must end where they do. Every
  // cell reads at least its 4-byte length, so a lying row count stops at the body's end.
  if (columns > 0) repeat(r, rows, [&] { repeat(r, columns, [&] { r.bytes(); }); });
  return "Response type = ROWS\nNumber of columns = " + std::to_string(columns) + "\n" + names +
         "\nNumber of rows = " + std::to_string(rows);
}

// SCHEMA_CHANGE in RESULT and EVENT (spec §4.2.5.5, §4.2.6).
std::string schema_change_text(reader& r) {
  std::string change{r.string()};
  std::string target{r.string()};
  std::string out = "Change type = " + change + "\nTarget = " + target;
  out += "\nKeyspace = ";
  out += r.string();
  if (target != "KEYSPACE") {
    out += "\nName = ";
    out += r.string();
  }
  if (target == "FUNCTION" || target == "AGGREGATE") {
    out += "\nArguments = ";
    out += string_list_json(r);
  }
  return out;
}

std::string result_text(reader& r, std::uint8_t version) {
  switch (r.i32()) {
    case 0x0001: return "Response type = VOID";
    case 0x0002: return rows_text(r, version);
    case 0x0003: return "Response type = SET_KEYSPACE\nKeyspace = " + std::string{r.string()};
    case 0x0004: {
      std::string id = hex(r.short_bytes());
      r.take(r.remaining());  // prepared and result metadata: not shown
      return "Response type = PREPARED\nPrepared ID = " + id;
    }
    case 0x0005: return "Response type = SCHEMA_CHANGE\n" + schema_change_text(r);
    default: r.fail(); return {};
  }
}

std::string event_text(reader& r) {
  std::string type{r.string()};
  if (type == "SCHEMA_CHANGE") return type + "\n" + schema_change_text(r);
  if (type != "TOPOLOGY_CHANGE" && type != "STATUS_CHANGE") {
    r.fail();
    return {};
  }
  std::string out = type + " " + std::string{r.string()} + " ";
  std::string_view addr = r.take(r.u8());  // [inet]: size, address, port
  std::int32_t port = r.i32();
  if (addr.size() == 4) {
    for (std::size_t i = 0; i < 4; ++i)
      out += (i ? "." : "") + std::to_string(static_cast<unsigned char>(addr[i]));
  } else if (addr.size() == 16) {
    out += "[" + hex(addr) + "]";
  } else {
    r.fail();
  }
  return out + ":" + std::to_string(port);
}

// Query parameters (spec §4.1.4) of QUERY and EXECUTE: consistency, flags, then what the flags
// announce. Returns the bound values.
std::vector<std::string_view> query_parameters(reader& r, std::uint8_t version) {
  r.u16();  // consistency
  std::uint32_t flags = version >= 5 ? static_cast<std::uint32_t>(r.i32()) : r.u8();
  std::vector<std::string_view> values;
  if (flags & 0x01) {
    repeat(r, r.u16(), [&] {
      if (flags & 0x40) r.string();  // names for values
      values.push_back(r.bytes());
    });
  }
  if (flags & 0x04) r.i32();         // page size
  if (flags & 0x08) r.bytes();        // paging state
  if (flags & 0x10) r.u16();       // serial consistency
  if (flags & 0x20) r.take(8);        // default timestamp
  if (version >= 5 && (flags & 0x80)) r.string();  // keyspace
  if (version >= 5 && (flags & 0x100)) r.i32();   // now in seconds
  return values;
}

std::string execute_text(reader& r, std::uint8_t version) {
  std::string out = "{\"id\":\"" + hex(r.short_bytes()) + "\",\"values\":[";
  if (version >= 5) r.short_bytes();  // result metadata id
  bool first = true;
  for (std::string_view v : query_parameters(r, version)) {
    out += first ? "\"" : ",\"";
    out += hex(v) + "\"";
    first = false;
  }
  return out + "]}";
}

std::string batch_text(reader& r) {
  r.u8();  // type: logged, unlogged, counter
  std::string out = "[";
  repeat(r, r.u16(), [&] {
    if (out.size() > 1) out += ',';
    std::uint8_t kind = r.u8();
    if (kind == 0) {
      append_json_string(out, r.long_string());
    } else if (kind == 1) {
      append_json_string(out, hex(r.short_bytes()));
    } else {
      r.fail();
    }
    repeat(r, r.u16(), [&] { r.bytes(); });  // values (no names in batches)
  });
  r.u16();  // consistency; the rest (flags, serial consistency, timestamp) is not shown
  r.take(r.remaining());
  return out + "]";
}

std::string request_text(reader& r, const message& m) {
  switch (m.op) {
    case opcode::startup: return string_map_json(r, false);
    case opcode::register_: return string_list_json(r);
    case opcode::query: {
      std::string q{r.long_string()};
      query_parameters(r, m.version);
      return q;
    }
    case opcode::prepare: {
      std::string q{r.long_string()};
      r.take(r.remaining());  // v5: flags and keyspace
      return q;
    }
    case opcode::execute: return execute_text(r, m.version);
    case opcode::batch: return batch_text(r);
    case opcode::auth_response: r.bytes(); return {};
    default: return {};  // OPTIONS: empty body
  }
}

std::string response_text(reader& r, const message& m) {
  switch (m.op) {
    case opcode::error: {
      std::int32_t code = r.i32();
      std::string msg{r.string()};
      r.take(r.remaining());  // code-specific fields
      return "[" + std::to_string(code) + "] " + msg;
    }
    case opcode::authenticate: return std::string{r.string()};
    case opcode::supported: return string_map_json(r, true);
    case opcode::result: return result_text(r, m.version);
    case opcode::event: return event_text(r);
    case opcode::auth_challenge:
    case opcode::auth_success: r.bytes(); return {};
    default: return {};  // READY: empty body
  }
}

}  // namespace

std::optional<std::string> render_body(const message& header, std::string_view body) {
  if (header.flags & flag_compression) return std::string{};
  reader r{body};
  if (header.type == message_type::response && (header.flags & flag_tracing)) r.take(16);
  if (header.type == message_type::response && (header.flags & flag_warning)) string_list_json(r);
  if (header.flags & flag_custom_payload) {
    repeat(r, r.u16(), [&] {
      r.string();
      r.bytes();
    });
  }
  std::string text = header.type == message_type::request ? request_text(r, header) : response_text(r, header);
  // Trailing bytes the form does not explain mean the body is not what the opcode says.
  if (!r.ok() || r.remaining() != 0) return std::nullopt;
  return text;
}

}  // namespace wisp::protocols::cql
