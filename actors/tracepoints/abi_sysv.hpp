#pragma once
// The System V x86-64 calling convention for C and C++ (and Rust, see below): INTEGER values in
// RDI, RSI, RDX, RCX, R8, R9; SSE values in XMM0-7; aggregates up to 16 bytes split into
// eightbytes classified INTEGER or SSE; MEMORY-class values on the stack from sp+8 at entry; a
// MEMORY-class result through a hidden pointer passed in RDI (and returned in RAX); C++ classes
// that are not trivially copyable passed and returned through a hidden reference; `this` is the
// first parameter.
//
// Rust's own ABI is unstable; for the values it passes like C (scalars, pairs of scalars such as
// &str, small aggregates of integers) this is exact, and aggregates larger than 16 bytes are
// taken as passed by reference, which is what rustc does today.

#include "actors/tracepoints/dwarf_function.hpp"
#include "actors/tracepoints/location.hpp"

namespace wisp::tracepoints {

/// Locations of the parameters at entry and of the return value at the uretprobe.
expected<frame_locations> sysv_frame(const function_info& fn);

}  // namespace wisp::tracepoints
