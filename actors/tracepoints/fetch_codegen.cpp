#include "actors/tracepoints/fetch_codegen.hpp"

#include <limits>
#include <optional>

namespace wisp::tracepoints {
namespace {

constexpr std::uint8_t reg_addr = 0;  // r0: the address chain of a value in memory
constexpr std::uint8_t reg_len = 1;   // r1: a length, or a scalar / char pointer
constexpr std::uint8_t reg_ptr = 2;   // r2: a data pointer
constexpr std::uint32_t word = 8;
constexpr std::uint16_t string_slot = 2 + max_string_bytes;
constexpr int max_object_depth = 2;  // a struct's members, and the members of struct members

decode_kind scalar_decode(const type_ref& t) {
  switch (t.kind) {
    case type_kind::boolean: return decode_kind::boolean;
    case type_kind::floating: return t.size == 4 ? decode_kind::float32 : decode_kind::float64;
    case type_kind::integer:
    case type_kind::enumeration: return t.is_signed ? decode_kind::int_signed : decode_kind::int_unsigned;
    default: return decode_kind::int_unsigned;  // pointers: the address
  }
}

schemas::data_type column_type(decode_kind k) {
  switch (k) {
    case decode_kind::boolean: return schemas::data_type::boolean;
    case decode_kind::float32:
    case decode_kind::float64: return schemas::data_type::float64;
    case decode_kind::string:
    case decode_kind::byte_array:
    case decode_kind::char_array:
    case decode_kind::object: return schemas::data_type::string;
    default: return schemas::data_type::int64;
  }
}

bool is_scalar(const type_ref& t) {
  switch (t.kind) {
    case type_kind::boolean:
    case type_kind::integer:
    case type_kind::enumeration:
    case type_kind::pointer: return t.size >= 1 && t.size <= word && (t.size & (t.size - 1)) == 0;
    case type_kind::floating: return t.size == 4 || t.size == 8;
    default: return false;
  }
}

}  // namespace

struct fetch_codegen::emitter {
  std::vector<wisp_dt_op> ops;
  std::uint32_t payload = 0;
  std::uint8_t cap = 0;
  std::optional<mem_ref> r0;  // the chain r0 holds now

  std::uint16_t reserve(std::uint32_t n) {
    const std::uint32_t at = payload;
    payload += n;
    return static_cast<std::uint16_t>(std::min<std::uint32_t>(at, std::numeric_limits<std::uint16_t>::max()));
  }

  void op(wisp_dt_opcode code, std::uint8_t dst, std::uint8_t src, std::uint8_t size, std::int32_t off,
          std::uint16_t out = 0, std::uint16_t max = 0) {
    ops.push_back(wisp_dt_make_op(static_cast<std::uint8_t>(code), dst, src, size, off, out, max, cap));
  }

  // r0 = the address chain of `m` (without its final offset), which is returned.
  expected<std::int32_t> address(const mem_ref& m, const std::string& what) {
    if (!dwarf_reg::readable(m.base)) return error{what + " is addressed through " + reg_name(m.base)};
    if (!r0 || r0->base != m.base || r0->derefs != m.derefs) {
      op(WISP_DT_OP_REG, reg_addr, static_cast<std::uint8_t>(m.base), 0, 0);
      for (std::int32_t d : m.derefs) op(WISP_DT_OP_LOAD, reg_addr, reg_addr, word, d);
      r0 = mem_ref{m.base, m.derefs, 0};
    }
    if (m.off < std::numeric_limits<std::int32_t>::min() || m.off > std::numeric_limits<std::int32_t>::max())
      return error{what + " is at an offset beyond 32 bits"};
    return static_cast<std::int32_t>(m.off);
  }

  // The register piece holding bytes [0, size) of a value in registers.
  expected<reg_piece> piece(const value_loc& v, std::uint64_t size, const std::string& what) {
    for (const auto& p : v.pieces) {
      if (p.offset != 0 || p.size < size) continue;
      if (!dwarf_reg::readable(p.reg))
        return error{what + " is passed in register " + reg_name(p.reg) +
                     ", which a uprobe cannot read (floating-point registers are not in pt_regs)"};
      return p;
    }
    return error{what + " is split across registers in a way Wisp cannot capture"};
  }

  // A pointer-sized word of `v` at byte `at` into register `dst`.
  expected<bool> load_word(const value_loc& v, std::uint64_t at, std::uint8_t dst, const std::string& what) {
    if (v.mem) {
      auto off = address(*v.mem, what);
      if (!off) return off.error_value();
      op(WISP_DT_OP_LOAD, dst, reg_addr, word, *off + static_cast<std::int32_t>(at));
      return true;
    }
    auto p = piece(v.part(at, word), word, what);
    if (!p) return p.error_value();
    if (p->shift != 0) return error{what + " holds a pointer that is not a whole register"};
    op(WISP_DT_OP_REG, dst, static_cast<std::uint8_t>(p->reg), 0, 0);
    return true;
  }

  expected<capture_layout> scalar(const std::string& name, const value_loc& v, const type_ref& t,
                                  const std::string& what) {
    capture_layout l{name, scalar_decode(t), column_type(scalar_decode(t)), 0,
                     static_cast<std::uint16_t>(t.size), cap, {}};
    if (v.mem) {
      auto off = address(*v.mem, what);
      if (!off) return off.error_value();
      l.out = reserve(static_cast<std::uint32_t>(t.size));
      op(WISP_DT_OP_COPY, 0, reg_addr, 0, *off, l.out, static_cast<std::uint16_t>(t.size));
      return l;
    }
    auto p = piece(v, t.size, what);
    if (!p) return p.error_value();
    const std::uint16_t out = reserve(word);
    op(WISP_DT_OP_REG, reg_len, static_cast<std::uint8_t>(p->reg), 0, 0);
    op(WISP_DT_OP_STORE, 0, reg_len, word, 0, out);
    l.out = static_cast<std::uint16_t>(out + p->shift);
    return l;
  }

  // A (pointer, length) pair: Go string or []byte, std::string, Rust &str.
  expected<capture_layout> counted(const std::string& name, const value_loc& v, std::uint64_t data_at,
                                   std::uint64_t len_at, decode_kind k, const std::string& what) {
    auto len = load_word(v, len_at, reg_len, what);
    if (!len) return len.error_value();
    auto data = load_word(v, data_at, reg_ptr, what);
    if (!data) return data.error_value();
    capture_layout l{name, k, column_type(k), reserve(string_slot), string_slot, cap, {}};
    op(WISP_DT_OP_BYTES, reg_len, reg_ptr, 0, 0, l.out, string_slot);
    return l;
  }

  expected<capture_layout> value(const std::string& name, const value_loc& v, const type_ref& t,
                                 const std::string& what, int depth) {
    if (t.kind == type_kind::reference) {  // a C++ reference captures its referent
      auto target = target_of(t);
      if (!target) return error{what + " refers to an unknown type"};
      auto referent = deref(v, what);
      if (!referent) return referent.error_value();
      return value(name, *referent, *target, what, depth);
    }
    if (is_c_string(t)) {
      auto ptr = load_word(v, 0, reg_len, what);
      if (!ptr) return ptr.error_value();
      capture_layout l{name, decode_kind::string, schemas::data_type::string, reserve(string_slot),
                       string_slot, cap, {}};
      op(WISP_DT_OP_STR, 0, reg_len, 0, 0, l.out, string_slot);
      return l;
    }
    if (is_go_string(t) || is_byte_slice(t)) {
      auto data = find_member(t, is_go_string(t) ? "str" : "array");
      auto len = find_member(t, "len");
      if (!data || !len) return error{what + ": unexpected layout of Go type " + t.name};
      return counted(name, v, data->offset, len->offset,
                     is_go_string(t) ? decode_kind::string : decode_kind::byte_array, what);
    }
    if (is_go_slice(t))
      return error{what + " is a Go slice of type " + t.name + ": only []byte slices are captured"};
    if (auto s = string_object_layout(t)) return counted(name, v, s->data, s->length, decode_kind::string, what);
    if (is_char_array(t)) {
      if (!v.mem) return error{what + " is a character array in registers, which Wisp does not capture"};
      auto off = address(*v.mem, what);
      if (!off) return off.error_value();
      const auto n = static_cast<std::uint16_t>(std::min<std::uint64_t>(t.size, max_string_bytes));
      capture_layout l{name, decode_kind::char_array, schemas::data_type::string, reserve(n), n, cap, {}};
      op(WISP_DT_OP_COPY, 0, reg_addr, 0, *off, l.out, n);
      return l;
    }
    if (is_scalar(t)) return scalar(name, v, t, what);
    if (t.kind == type_kind::structure && !t.is_union) {
      if (depth >= max_object_depth) return error{what + " is nested too deep to capture as a whole"};
      capture_layout l{name, decode_kind::object, schemas::data_type::string, 0, 0, cap, {}};
      for (const auto& m : members(t)) {
        // Members Wisp cannot render (floats in XMM registers, unions, arrays) are left out.
        auto ml = value(m.name, v.part(m.offset, m.type.size), m.type, what + "." + m.name, depth + 1);
        if (ml) l.members.push_back(std::move(*ml));
      }
      if (l.members.empty()) return error{what + " (" + t.name + ") has no member Wisp can capture"};
      return l;
    }
    return error{what + " has type " + t.name + ", which Wisp cannot capture" +
                 (t.kind == type_kind::array ? " (arrays other than char arrays)" : "")};
  }
};

expected<capture_layout> fetch_codegen::capture(const std::string& column, const std::string& what,
                                                const value_loc& value, const type_ref& type, site where,
                                                std::uint8_t fault_bit) {
  auto& ops = where == site::entry ? entry_ : ret_;
  emitter e;
  e.payload = payload_;
  e.cap = fault_bit;
  auto l = e.value(column, value, type, what, 0);
  if (!l) return l;
  if (ops.size() + e.ops.size() > WISP_DT_MAX_OPS)
    return error{"too many captures: " + what + " needs " + std::to_string(e.ops.size()) + " more ops at the " +
                 (where == site::entry ? "entry" : "return") + " site, beyond the limit of " +
                 std::to_string(WISP_DT_MAX_OPS)};
  if (e.payload > WISP_DT_PAYLOAD)
    return error{"too many captures: with " + what + " an event needs " + std::to_string(e.payload) +
                 " payload bytes, beyond the limit of " + std::to_string(WISP_DT_PAYLOAD)};
  ops.insert(ops.end(), e.ops.begin(), e.ops.end());
  payload_ = e.payload;
  return l;
}

capture_layout fetch_codegen::latency(const std::string& column, std::uint8_t fault_bit) const {
  return {column, decode_kind::latency, schemas::data_type::int64, 0, 0, fault_bit, {}};
}

expected<wisp_dt_program> fetch_codegen::program(std::uint32_t flags, std::uint32_t goid_offset) const {
  wisp_dt_program p{};
  p.flags = flags;
  p.goid_offset = goid_offset;
  p.payload_len = static_cast<std::uint16_t>(payload_);
  p.n_entry = static_cast<std::uint8_t>(entry_.size());
  p.n_return = static_cast<std::uint8_t>(ret_.size());
  std::copy(entry_.begin(), entry_.end(), p.entry);
  std::copy(ret_.begin(), ret_.end(), p.ret);
  return p;
}

}  // namespace wisp::tracepoints
