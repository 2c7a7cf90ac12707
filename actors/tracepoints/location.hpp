#pragma once
// Where a value is at a probe site: in CPU registers (pieces of its bytes) or in user memory at
// an address reached from a register through pointer loads. The ABI files (abi_go, abi_sysv)
// produce these for arguments and results; expression walking (resolve) narrows them to members;
// fetch_codegen turns them into bpf/dyntrace.h ops.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bpf/error.hpp"

namespace wisp::tracepoints {

using bpf::error;
template <class T>
using expected = bpf::expected<T>;

/// DWARF x86-64 register numbers: the numbering WISP_DT_OP_REG reads.
namespace dwarf_reg {
inline constexpr int rax = 0, rdx = 1, rcx = 2, rbx = 3, rsi = 4, rdi = 5, rbp = 6, rsp = 7;
inline constexpr int r8 = 8, r9 = 9, r10 = 10, r11 = 11, r12 = 12, r13 = 13, r14 = 14, r15 = 15;
inline constexpr int rip = 16;
inline constexpr int xmm0 = 17;  // xmm0..xmm15 are 17..32: not in a uprobe's pt_regs
inline constexpr bool readable(int reg) { return reg >= 0 && reg <= rip; }
}  // namespace dwarf_reg

/// "rax", "r8", "xmm3", ...
std::string reg_name(int reg);

/// Bytes [offset, offset + size) of a value are bytes [shift, shift + size) of register `reg`
/// (System V packs small struct members into one eightbyte; Go gives each field its own).
struct reg_piece {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  int reg = 0;
  std::uint32_t shift = 0;
};

/// An address: start with register `base`, then for each entry d of `derefs` load the 8-byte
/// pointer at (current + d), then add `off`.
struct mem_ref {
  int base = dwarf_reg::rsp;
  std::vector<std::int32_t> derefs;
  std::int64_t off = 0;
};

/// A value at a probe site: in memory (mem set) or in register pieces.
struct value_loc {
  std::optional<mem_ref> mem;
  std::vector<reg_piece> pieces;

  static value_loc in_memory(mem_ref m) { return {std::move(m), {}}; }
  static value_loc in_registers(std::vector<reg_piece> p) { return {std::nullopt, std::move(p)}; }
  /// The bytes [offset, offset + size) of this value (a member), in the same place.
  value_loc part(std::uint64_t offset, std::uint64_t size) const;
};

}  // namespace wisp::tracepoints

namespace wisp::tracepoints {

/// The value a pointer value points to: a load of the pointer (from memory, or the register
/// holding it); an error naming `what` if the pointer is in no readable whole register.
expected<value_loc> deref(const value_loc& pointer, const std::string& what);

/// Where a function's values are: parameters at entry (before the prologue), results at
/// return (Go: at a RET instruction, sp as at entry; C, C++, Rust: at the uretprobe).
struct frame_locations {
  std::vector<value_loc> params;   // one per function_info::params
  std::vector<value_loc> results;  // Go: one per result; others: the return value, if any
};

}  // namespace wisp::tracepoints
