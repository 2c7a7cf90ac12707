#pragma once
// Turns located, typed values into the ops of a fetch program (bpf/dyntrace.h) and the layout
// the decoder reads back. Owns the payload space (every value at a fixed offset) and the op
// budgets of the entry and return sites; each capture gets its fault bit.

#include <cstdint>
#include <string>
#include <vector>

#include "actors/tracepoints/dwarf_types.hpp"
#include "actors/tracepoints/location.hpp"
#include "actors/tracepoints/probe.hpp"
#include "bpf/dyntrace.h"

namespace wisp::tracepoints {

/// Longest string or byte array a capture keeps (bytes after the u16 length).
inline constexpr std::uint16_t max_string_bytes = 256;

enum class site : std::uint8_t { entry, ret };

class fetch_codegen {
 public:
  /// Emits the ops that copy `value` (of type `type`, at `where`) into the payload and returns
  /// its layout: a scalar, a string, or an object of the members of a struct. `what` names the
  /// value in errors (the expression).
  expected<capture_layout> capture(const std::string& column, const std::string& what,
                                   const value_loc& value,
                                   const type_ref& type, site where, std::uint8_t fault_bit);
  /// A latency column (no ops: the decoder reads the event's timestamps).
  capture_layout latency(const std::string& column, std::uint8_t fault_bit) const;

  /// The program so far; an error if it exceeds WISP_DT_MAX_OPS ops at a site.
  expected<wisp_dt_program> program(std::uint32_t flags, std::uint32_t goid_offset) const;

 private:
  struct emitter;  // one capture's ops into one site
  std::vector<wisp_dt_op> entry_, ret_;
  std::uint32_t payload_ = 0;  // bytes reserved so far (may exceed the limit: checked per capture)
};

}  // namespace wisp::tracepoints
