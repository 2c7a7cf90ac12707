#pragma once
// The DWARF side of resolution: the debug info of a binary, the subprogram at a function's entry
// address with its language, parameters (Go: and results) and return type, the check that tells
// an inlined-only function from a missing one, and Go's goroutine id offset in runtime.g.

#include <elfutils/libdw.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/tracepoints/dwarf_types.hpp"
#include "actors/tracepoints/elf_symbols.hpp"
#include "actors/tracepoints/location.hpp"
#include "actors/tracepoints/probe.hpp"

namespace wisp::tracepoints {

/// The DWARF debug info of an open ELF file (which must outlive it).
class dwarf_info {
 public:
  /// An error if the binary has no DWARF: Wisp never attaches without it.
  static expected<dwarf_info> open(const elf_file& file);
  Dwarf* get() const { return dwarf_.get(); }

 private:
  struct dwarf_closer {
    void operator()(Dwarf* d) const { dwarf_end(d); }
  };
  std::unique_ptr<Dwarf, dwarf_closer> dwarf_;
};

struct param_info {
  std::string name;
  std::optional<type_ref> type;  // nullopt: no type in DWARF
  bool artificial = false;       // C++ `this`
  Dwarf_Die die{};               // the DW_TAG_formal_parameter
};

struct function_info {
  std::string name;  // DW_AT_name (qualified for Go)
  language lang = language::c;
  std::uint64_t low_pc = 0;
  std::uint64_t high_pc = 0;
  std::vector<param_info> params;        // in order: receiver or `this` first
  std::vector<param_info> results;       // Go results (DW_AT_variable_parameter), in order
  std::optional<type_ref> return_type;   // C, C++, Rust; nullopt for void
};

/// The out-of-line subprogram whose entry is `addr`.
expected<function_info> function_at(const dwarf_info& dwarf, std::uint64_t addr,
                                    const std::string& symbol);

/// True if DWARF describes a function of this name (plain, qualified or linkage name) that was
/// inlined and has no out-of-line instance.
bool is_inlined_only(const dwarf_info& dwarf, const std::string& name);

/// Offset of `goid` in Go's runtime.g.
expected<std::uint32_t> go_goid_offset(const dwarf_info& dwarf);

}  // namespace wisp::tracepoints
