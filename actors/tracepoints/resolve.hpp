#pragma once
// resolve(): from a probe request to the program the generic uprobe runs. Reads the binary's
// ELF symbols and DWARF, finds the function's entry (and for Go its RET instructions), locates
// each capture at entry or return for the language's ABI, and emits the fetch ops and layouts.
// Pure: no process is touched. Safe on any input (bad names, stripped binaries, odd DWARF give
// an error naming the problem).

#include "actors/tracepoints/location.hpp"
#include "actors/tracepoints/probe.hpp"

namespace wisp::tracepoints {

expected<resolved_probe> resolve(const probe_request& request);

}  // namespace wisp::tracepoints
