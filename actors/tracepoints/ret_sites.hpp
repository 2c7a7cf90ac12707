#pragma once
// The RET instructions of a Go function, found by disassembling its body (never by scanning for
// a 0xC3 byte, which also occurs inside other instructions). Go functions are probed on each
// RET instead of with a uretprobe, which would corrupt a goroutine stack that moves.
//
// Disassembler: capstone. elfutils' libasm cannot be used: its disasm_begin() needs an Ebl
// backend handle whose constructor (ebl_openbackend) is private to elfutils and not exported by
// Debian 12's libdw or libasm.

#include <cstdint>
#include <span>
#include <vector>

#include "actors/tracepoints/location.hpp"

namespace wisp::tracepoints {

/// Virtual addresses of every RET (C3 and C2 iw) in `code`, which starts at `vaddr`. An error if
/// some bytes do not decode (the body is then not trusted).
expected<std::vector<std::uint64_t>> find_ret_instructions(std::span<const std::uint8_t> code,
                                                           std::uint64_t vaddr);

}  // namespace wisp::tracepoints
