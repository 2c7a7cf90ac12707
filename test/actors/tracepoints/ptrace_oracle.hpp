#pragma once
// Test oracle for dynamic tracing without BPF: runs a target program under ptrace, puts int3
// breakpoints where the loader would attach (the resolved entry's file offset mapped through
// /proc/PID/maps; Go RET instructions; for C, C++ and Rust the return address, as a uretprobe
// fires), and at each hit executes the probe's wisp_dt_program ops exactly as bpf/dyntrace.h
// specifies, on the stopped thread's registers and memory (process_vm_readv). Yields the events
// the BPF program would emit, and the target's stdout. Test-only.

#include <cstdint>
#include <string>
#include <vector>

#include "actors/tracepoints/location.hpp"
#include "actors/tracepoints/probe.hpp"
#include "bpf/dyntrace.h"

namespace wisp::tracepoints::test {

struct oracle_event {
  wisp_dt_event header{};
  std::vector<std::uint8_t> payload;
};

struct oracle_run {
  std::vector<oracle_event> events;
  std::string output;  // the target's stdout
  int exit_code = -1;
};

/// Runs `argv` (argv[0] is the binary the probe was resolved for) to completion.
expected<oracle_run> run_traced(const resolved_probe& probe, const std::vector<std::string>& argv);

}  // namespace wisp::tracepoints::test
