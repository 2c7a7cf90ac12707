#include "actors/tracepoints/decode.hpp"

#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

#include "schemas/json.hpp"

namespace wisp::tracepoints {
namespace {

std::string_view bytes_at(std::span<const std::uint8_t> payload, std::size_t at, std::size_t n) {
  if (at > payload.size() || n > payload.size() - at) return {};
  return {reinterpret_cast<const char*>(payload.data()) + at, n};
}

std::uint64_t raw(std::span<const std::uint8_t> payload, const capture_layout& l) {
  const auto b = bytes_at(payload, l.out, l.size);
  std::uint64_t v = 0;
  if (b.size() == l.size && l.size <= sizeof v) std::memcpy(&v, b.data(), l.size);  // little endian
  return v;
}

std::int64_t as_int(std::span<const std::uint8_t> payload, const capture_layout& l) {
  const std::uint64_t v = raw(payload, l);
  if (l.decode == decode_kind::int_signed && l.size > 0 && l.size < 8) {
    const unsigned bits = 64 - 8 * l.size;
    return static_cast<std::int64_t>(v << bits) >> bits;
  }
  return static_cast<std::int64_t>(v);
}

double as_float(std::span<const std::uint8_t> payload, const capture_layout& l) {
  const std::uint64_t v = raw(payload, l);
  if (l.decode == decode_kind::float32) {
    float f;
    const auto u = static_cast<std::uint32_t>(v);
    std::memcpy(&f, &u, sizeof f);
    return f;
  }
  double d;
  std::memcpy(&d, &v, sizeof d);
  return d;
}

std::string_view as_string(std::span<const std::uint8_t> payload, const capture_layout& l) {
  if (l.decode == decode_kind::char_array) {
    const auto b = bytes_at(payload, l.out, l.size);
    return b.substr(0, b.find('\0'));
  }
  const auto head = bytes_at(payload, l.out, 2);
  if (head.size() != 2 || l.size < 2) return {};
  std::uint16_t n;
  std::memcpy(&n, head.data(), sizeof n);
  n = std::min<std::uint16_t>(n, static_cast<std::uint16_t>(l.size - 2));
  return bytes_at(payload, l.out + 2u, n);
}

void append_json(std::string& out, std::span<const std::uint8_t> payload, const capture_layout& l) {
  switch (l.decode) {
    case decode_kind::int_signed:
    case decode_kind::int_unsigned:
    case decode_kind::latency: out += std::to_string(as_int(payload, l)); break;
    case decode_kind::boolean: out += raw(payload, l) != 0 ? "true" : "false"; break;
    case decode_kind::float32:
    case decode_kind::float64: {
      const double d = as_float(payload, l);
      if (!std::isfinite(d)) {
        out += "null";
        break;
      }
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", d);
      out += buf;
      break;
    }
    case decode_kind::string:
    case decode_kind::byte_array:
    case decode_kind::char_array: schemas::append_json_string(out, as_string(payload, l)); break;
    case decode_kind::object:
      out += '{';
      for (std::size_t i = 0; i < l.members.size(); ++i) {
        if (i > 0) out += ',';
        schemas::append_json_string(out, l.members[i].name);
        out += ':';
        append_json(out, payload, l.members[i]);
      }
      out += '}';
      break;
  }
}

}  // namespace

std::vector<schemas::column_info> capture_columns(const std::vector<capture_layout>& captures) {
  std::vector<schemas::column_info> cols;
  for (const auto& c : captures) {
    schemas::column_info ci;
    ci.name = c.name;
    ci.type = c.type;
    ci.semantic = c.decode == decode_kind::latency ? schemas::semantic_type::st_duration_ns
                                                    : schemas::semantic_type::st_none;
    cols.push_back(std::move(ci));
  }
  return cols;
}

std::size_t decode(const std::vector<capture_layout>& captures, const wisp_dt_event& event,
                   std::span<const std::uint8_t> payload, schemas::row_batch& batch, std::size_t first_column) {
  if (payload.size() > event.payload_len) payload = payload.first(event.payload_len);
  std::size_t faulted = 0;
  for (std::size_t i = 0; i < captures.size(); ++i) {
    const auto& l = captures[i];
    auto& col = batch.columns.at(first_column + i);
    const bool fault = l.fault_bit < 64 && (event.faults >> l.fault_bit & 1U) != 0;
    faulted += fault;
    switch (l.decode) {
      case decode_kind::latency:
        col.push_int(event.return_ns > event.entry_ns ? static_cast<std::int64_t>(event.return_ns - event.entry_ns) : 0);
        break;
      case decode_kind::int_signed:
      case decode_kind::int_unsigned: col.push_int(fault ? 0 : as_int(payload, l)); break;
      case decode_kind::boolean: col.push_bool(!fault && raw(payload, l) != 0); break;
      case decode_kind::float32:
      case decode_kind::float64: col.push_float(fault ? 0.0 : as_float(payload, l)); break;
      case decode_kind::string:
      case decode_kind::byte_array:
      case decode_kind::char_array: col.push_string(fault ? std::string_view{} : as_string(payload, l)); break;
      case decode_kind::object: {
        std::string json;
        if (!fault) append_json(json, payload, l);
        col.push_string(json);
        break;
      }
    }
  }
  return faulted;
}

}  // namespace wisp::tracepoints
