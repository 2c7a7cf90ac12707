#pragma once
// A dynamic-tracing probe, from the user's request to the fetch program the generic BPF uprobe
// program (bpf/dyntrace.bpf.c) runs, and back to the columns of the output table.
//
//   probe_request --resolve()--> resolved_probe --(loader attaches; events arrive)--> decode
//
// resolve() reads the binary's ELF symbols and DWARF (libdw), finds the function's entry (and,
// for Go, every RET instruction), locates each capture for the language's ABI at entry or at
// return, and writes the ops of bpf/dyntrace.h plus the layout the decoder needs. No CAF here.

#include <cstdint>
#include <string>
#include <vector>

#include "bpf/dyntrace.h"
#include "schemas/types.hpp"

namespace wisp::tracepoints {

enum class language : std::uint8_t { c, cpp, go, rust };

/// One output column the user asked for.
struct capture_request {
  enum class kind : std::uint8_t {
    arg,      // ArgExpr: an argument, with member access through values and pointers ("l.Units")
    ret,      // RetExpr: "$0" is the first result, "$1" the second; members as for args ("$0.Units")
    latency,  // FunctionLatency: entry to return, in ns
  };
  std::string column;
  kind what = kind::arg;
  std::string expr;  // empty for latency
};

struct probe_request {
  std::string binary;  // path of the executable or shared object, as the target process maps it
  std::string symbol;  // Go "main.(*Checkout).Sum", C "sum", C++ "ns::Cls::method" or mangled
  std::vector<capture_request> captures;
};

/// How payload bytes become a column value.
enum class decode_kind : std::uint8_t {
  int_signed,    // `size` bytes, sign-extended -> INT64
  int_unsigned,  // `size` bytes -> INT64 (values above INT64_MAX wrap, as Pixie's UINT64 does)
  boolean,       // 1 byte -> BOOLEAN
  float32,       // 4 bytes -> FLOAT64
  float64,       // 8 bytes -> FLOAT64
  string,        // u16 length + bytes (STR or BYTES op) -> STRING
  byte_array,    // u16 length + bytes -> STRING of the raw bytes (Go []byte)
  object,        // members below -> STRING holding a JSON object {"member": value, ...}
  latency,       // return_ns - entry_ns of the event -> INT64
  char_array,    // `size` bytes up to the first NUL -> STRING (C char arrays; COPY op)
};

struct capture_layout {
  std::string name;  // column name (top level) or member name (inside an object)
  decode_kind decode = decode_kind::int_signed;
  schemas::data_type type = schemas::data_type::int64;  // column type (top level)
  std::uint16_t out = 0;    // payload offset
  std::uint16_t size = 0;   // bytes at `out` (for strings: 2 + the maximum length)
  std::uint8_t fault_bit = 0;  // bit of wisp_dt_event.faults that marks this value unread
  std::vector<capture_layout> members;  // decode == object
};

struct resolved_probe {
  std::string binary;
  std::string symbol;       // the resolved function name (demangled for C++)
  language lang = language::c;
  std::uint64_t entry_offset = 0;         // file offset of the entry, for uprobe attach
  bool uretprobe = false;                 // return values/latency through a uretprobe (C, C++, Rust)
  std::vector<std::uint64_t> ret_offsets; // Go: file offsets of every RET instruction
  wisp_dt_program program{};              // ops, flags, payload length, goid offset
  std::vector<capture_layout> captures;   // one per capture_request, in request order
};

}  // namespace wisp::tracepoints
