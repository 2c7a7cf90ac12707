#include "actors/tracepoints/abi_sysv.hpp"

#include <algorithm>

namespace wisp::tracepoints {
namespace {

constexpr int int_regs[] = {dwarf_reg::rdi, dwarf_reg::rsi, dwarf_reg::rdx,
                            dwarf_reg::rcx, dwarf_reg::r8,  dwarf_reg::r9};
constexpr int num_int_regs = 6;
constexpr int num_sse_regs = 8;
constexpr std::uint64_t eightbyte = 8;
constexpr std::uint64_t max_register_aggregate = 16;
constexpr std::int64_t return_address_size = 8;

enum class arg_class : std::uint8_t { none, integer, sse, memory };

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }

arg_class merge(arg_class a, arg_class b) {
  if (a == b) return a;
  if (a == arg_class::none) return b;
  if (b == arg_class::none) return a;
  if (a == arg_class::memory || b == arg_class::memory) return arg_class::memory;
  if (a == arg_class::integer || b == arg_class::integer) return arg_class::integer;
  return arg_class::sse;
}

// Classifies every scalar inside `t` (at `offset` of the whole value) into its eightbyte.
bool classify_into(const type_ref& t, std::uint64_t offset, std::vector<arg_class>& ebs, int depth) {
  if (depth > 32) return false;
  auto mark = [&](std::uint64_t off, std::uint64_t size, arg_class c) {
    if (size == 0) return true;
    if (off % std::min<std::uint64_t>(size, eightbyte) != 0) return false;  // unaligned: MEMORY
    for (std::uint64_t eb = off / eightbyte; eb <= (off + size - 1) / eightbyte; ++eb) {
      if (eb >= ebs.size()) return false;
      ebs[eb] = merge(ebs[eb], c);
    }
    return true;
  };
  switch (t.kind) {
    case type_kind::boolean:
    case type_kind::integer:
    case type_kind::enumeration:
    case type_kind::pointer:
    case type_kind::reference: return mark(offset, t.size, arg_class::integer);
    case type_kind::floating:
      if (t.size > eightbyte) return false;  // long double: X87, passed in memory
      return mark(offset, t.size, arg_class::sse);
    case type_kind::complex:
      if (t.size > 2 * eightbyte) return false;
      return mark(offset, t.size, arg_class::sse);
    case type_kind::structure:
      for (const auto& m : members(t))
        if (!classify_into(m.type, offset + m.offset, ebs, depth + 1)) return false;
      return true;
    case type_kind::array: {
      auto elem = target_of(t);
      if (!elem || elem->size == 0) return t.size == 0;
      for (std::uint64_t i = 0; i < t.size / elem->size; ++i)
        if (!classify_into(*elem, offset + i * elem->size, ebs, depth + 1)) return false;
      return true;
    }
    case type_kind::other: return t.size == 0;
  }
  return false;
}

// The classes of a value's eightbytes, or {memory}.
std::vector<arg_class> classify(const type_ref& t) {
  if (t.size == 0 || t.size > max_register_aggregate) return {arg_class::memory};
  std::vector<arg_class> ebs((t.size + eightbyte - 1) / eightbyte, arg_class::none);
  if (!classify_into(t, 0, ebs, 0)) return {arg_class::memory};
  for (auto& c : ebs) {
    if (c == arg_class::memory) return {arg_class::memory};
    if (c == arg_class::none) c = arg_class::sse;  // padding only
  }
  return ebs;
}

bool by_hidden_reference(const function_info& fn, const type_ref& t) {
  if (fn.lang == language::cpp) return passed_by_reference(t);
  if (fn.lang == language::rust) return t.kind == type_kind::structure && t.size > max_register_aggregate;
  return false;
}

class sysv_assigner {
 public:
  // A hidden pointer (C++ non-trivial class, Rust large aggregate) or a MEMORY-class result's
  // buffer address: one INTEGER register, or a stack slot.
  value_loc pointer_to_value() {
    if (next_int_ < num_int_regs) return value_loc::in_memory({int_regs[next_int_++], {}, 0});
    const std::uint64_t at = stack_;
    stack_ += eightbyte;
    return value_loc::in_memory(
        {dwarf_reg::rsp, {static_cast<std::int32_t>(return_address_size + static_cast<std::int64_t>(at))}, 0});
  }

  value_loc assign(const type_ref& t) {
    const auto classes = classify(t);
    int need_int = 0, need_sse = 0;
    for (auto c : classes) {
      need_int += c == arg_class::integer;
      need_sse += c == arg_class::sse;
    }
    if (classes.front() != arg_class::memory && next_int_ + need_int <= num_int_regs &&
        next_sse_ + need_sse <= num_sse_regs) {
      std::vector<reg_piece> pieces;
      for (std::size_t i = 0; i < classes.size(); ++i) {
        const std::uint64_t off = i * eightbyte;
        const int reg = classes[i] == arg_class::integer ? int_regs[next_int_++] : dwarf_reg::xmm0 + next_sse_++;
        pieces.push_back({static_cast<std::uint32_t>(off),
                          static_cast<std::uint32_t>(std::min(eightbyte, t.size - off)), reg, 0});
      }
      return value_loc::in_registers(std::move(pieces));
    }
    const std::uint64_t at = align_up(stack_, std::max(eightbyte, alignment(t)));
    stack_ = at + align_up(t.size, eightbyte);
    return value_loc::in_memory({dwarf_reg::rsp, {}, return_address_size + static_cast<std::int64_t>(at)});
  }

 private:
  int next_int_ = 0;
  int next_sse_ = 0;
  std::uint64_t stack_ = 0;
};

// The return value after the return: RAX, RDX for INTEGER eightbytes, XMM0, XMM1 for SSE ones,
// RAX holding the buffer's address for MEMORY class and hidden references.
value_loc return_location(const type_ref& t, bool hidden) {
  const auto classes = classify(t);
  if (hidden || classes.front() == arg_class::memory) return value_loc::in_memory({dwarf_reg::rax, {}, 0});
  const int int_ret[] = {dwarf_reg::rax, dwarf_reg::rdx};
  int next_int = 0, next_sse = 0;
  std::vector<reg_piece> pieces;
  for (std::size_t i = 0; i < classes.size(); ++i) {
    const std::uint64_t off = i * eightbyte;
    const int reg = classes[i] == arg_class::integer ? int_ret[next_int++] : dwarf_reg::xmm0 + next_sse++;
    pieces.push_back({static_cast<std::uint32_t>(off),
                      static_cast<std::uint32_t>(std::min(eightbyte, t.size - off)), reg, 0});
  }
  return value_loc::in_registers(std::move(pieces));
}

}  // namespace

expected<frame_locations> sysv_frame(const function_info& fn) {
  sysv_assigner a;
  frame_locations out;
  if (fn.return_type) {
    const bool hidden = by_hidden_reference(fn, *fn.return_type);
    if (hidden || classify(*fn.return_type).front() == arg_class::memory) (void)a.pointer_to_value();
    out.results.push_back(return_location(*fn.return_type, hidden));
  }
  for (const auto& p : fn.params) {
    if (!p.type) return error{"parameter " + p.name + " of " + fn.name + " has no type in DWARF"};
    out.params.push_back(by_hidden_reference(fn, *p.type) ? a.pointer_to_value() : a.assign(*p.type));
  }
  return out;
}

}  // namespace wisp::tracepoints
