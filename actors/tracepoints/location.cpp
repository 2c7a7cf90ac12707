#include "actors/tracepoints/location.hpp"

#include <algorithm>
#include <limits>

namespace wisp::tracepoints {

std::string reg_name(int reg) {
  static const char* const names[] = {"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8",
                                      "r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rip"};
  if (dwarf_reg::readable(reg)) return names[reg];
  if (reg >= dwarf_reg::xmm0 && reg < dwarf_reg::xmm0 + 16)
    return "xmm" + std::to_string(reg - dwarf_reg::xmm0);
  return "reg" + std::to_string(reg);
}

value_loc value_loc::part(std::uint64_t offset, std::uint64_t size) const {
  if (mem) {
    mem_ref m = *mem;
    m.off += static_cast<std::int64_t>(offset);
    return in_memory(std::move(m));
  }
  std::vector<reg_piece> out;
  const std::uint64_t end = offset + size;
  for (const auto& p : pieces) {
    const std::uint64_t lo = std::max<std::uint64_t>(p.offset, offset);
    const std::uint64_t hi = std::min<std::uint64_t>(p.offset + p.size, end);
    if (lo >= hi) continue;
    out.push_back({static_cast<std::uint32_t>(lo - offset), static_cast<std::uint32_t>(hi - lo),
                   p.reg, static_cast<std::uint32_t>(p.shift + (lo - p.offset))});
  }
  return in_registers(std::move(out));
}

expected<value_loc> deref(const value_loc& pointer, const std::string& what) {
  if (pointer.mem) {
    mem_ref m = *pointer.mem;
    if (m.off < std::numeric_limits<std::int32_t>::min() || m.off > std::numeric_limits<std::int32_t>::max())
      return error{what + " is at an offset beyond 32 bits"};
    m.derefs.push_back(static_cast<std::int32_t>(m.off));
    m.off = 0;
    return value_loc::in_memory(std::move(m));
  }
  for (const auto& p : pointer.pieces) {
    if (p.offset != 0 || p.size < 8 || p.shift != 0) continue;
    if (!dwarf_reg::readable(p.reg)) break;
    return value_loc::in_memory({p.reg, {}, 0});
  }
  return error{what + " is a pointer in no register a uprobe can read"};
}

}  // namespace wisp::tracepoints
