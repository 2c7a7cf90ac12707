#pragma once
// Go's internal register ABI on amd64 (Go 1.17+, cmd/compile/abi-internal.md): receiver and
// arguments, then results (register indexes reset), each entirely in registers (integer RAX,
// RBX, RCX, RDI, RSI, R8, R9, R10, R11; floating X0-X14) or entirely on the stack, where
// stack-assigned arguments start at sp+8 at entry and stack-assigned results follow them after
// pointer alignment.

#include "actors/tracepoints/dwarf_function.hpp"
#include "actors/tracepoints/location.hpp"

namespace wisp::tracepoints {

/// Locations of the parameters at entry and of the results at a RET instruction.
expected<frame_locations> go_frame(const function_info& fn);

}  // namespace wisp::tracepoints
