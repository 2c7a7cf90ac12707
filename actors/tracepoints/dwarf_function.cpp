#include "actors/tracepoints/dwarf_function.hpp"

#include <dwarf.h>

#include <functional>

namespace wisp::tracepoints {
namespace {

// Visits every DIE below `parent` with its scope prefix ("ns::cls::"), depth first; the visitor
// returns true to stop.
using die_visitor = std::function<bool(Dwarf_Die&, const std::string& scope)>;

bool walk(Dwarf_Die* parent, const std::string& scope, const die_visitor& visit, int depth) {
  Dwarf_Die child;
  if (depth > 64 || dwarf_child(parent, &child) != 0) return false;
  do {
    if (visit(child, scope)) return true;
    const int tag = dwarf_tag(&child);
    if (tag == DW_TAG_namespace || tag == DW_TAG_structure_type || tag == DW_TAG_class_type ||
        tag == DW_TAG_union_type || tag == DW_TAG_module || tag == DW_TAG_subprogram ||
        tag == DW_TAG_lexical_block) {
      const char* n = dwarf_diename(&child);
      const std::string inner = tag == DW_TAG_subprogram || tag == DW_TAG_lexical_block || n == nullptr
                                    ? scope
                                    : scope + n + "::";
      if (walk(&child, inner, visit, depth + 1)) return true;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
  return false;
}

// Calls `visit` for each compile unit's DIE; stops when it returns true.
bool for_each_cu(Dwarf* dwarf, const std::function<bool(Dwarf_Die&)>& visit) {
  Dwarf_Off off = 0, next = 0;
  std::size_t header = 0;
  while (dwarf_nextcu(dwarf, off, &next, &header, nullptr, nullptr, nullptr) == 0) {
    Dwarf_Die cu;
    if (dwarf_offdie(dwarf, off + header, &cu) != nullptr && visit(cu)) return true;
    off = next;
  }
  return false;
}

expected<language> language_of(Dwarf_Die* cu) {
  const int lang = dwarf_srclang(cu);
  switch (lang) {
    case DW_LANG_Go: return language::go;
    case DW_LANG_Rust: return language::rust;
    case DW_LANG_C_plus_plus:
    case DW_LANG_C_plus_plus_03:
    case DW_LANG_C_plus_plus_11:
    case DW_LANG_C_plus_plus_14: return language::cpp;
    case DW_LANG_C89:
    case DW_LANG_C:
    case DW_LANG_C99:
    case DW_LANG_C11: return language::c;
    default: break;
  }
  if (lang == 0x2c) return language::c;  // DW_LANG_C17 (DWARF 6 draft, emitted by gcc 12)
  const char* producer = nullptr;
  Dwarf_Attribute attr;
  if (dwarf_attr(cu, DW_AT_producer, &attr) != nullptr) producer = dwarf_formstring(&attr);
  return error{"unsupported source language " + std::to_string(lang) + " (producer " +
               (producer != nullptr ? producer : "unknown") + "); Go, C, C++ and Rust are supported"};
}

bool has_flag(Dwarf_Die* die, unsigned name) {
  Dwarf_Attribute attr;
  bool v = false;
  return dwarf_attr_integrate(die, name, &attr) != nullptr && dwarf_formflag(&attr, &v) == 0 && v;
}

// Parameters of a subprogram in declaration order. (A concrete instance of an inlinable function
// lists its parameters too, each referring to the abstract origin for name and type.)
void collect_params(Dwarf_Die fn, function_info& out) {
  Dwarf_Die child;
  if (dwarf_child(&fn, &child) != 0) return;
  do {
    if (dwarf_tag(&child) != DW_TAG_formal_parameter) continue;
    const char* n = dwarf_diename(&child);
    param_info p{n != nullptr ? n : "", type_of(&child), has_flag(&child, DW_AT_artificial), child};
    if (out.lang == language::go && has_flag(&child, DW_AT_variable_parameter))
      out.results.push_back(std::move(p));
    else
      out.params.push_back(std::move(p));
  } while (dwarf_siblingof(&child, &child) == 0);
}

// The code range of `fn` that starts at `addr`: [low_pc, high_pc), or the range of DW_AT_ranges
// that starts there (gcc splits hot and cold parts of a function).
bool entry_range(Dwarf_Die& fn, Dwarf_Addr addr, Dwarf_Addr& low, Dwarf_Addr& high) {
  if (dwarf_lowpc(&fn, &low) == 0) {
    if (low != addr) return false;
    if (dwarf_highpc(&fn, &high) != 0) high = low;
    return true;
  }
  Dwarf_Addr base = 0, start = 0, end = 0;
  ptrdiff_t off = 0;
  while ((off = dwarf_ranges(&fn, off, &base, &start, &end)) > 0) {
    if (start != addr) continue;
    low = start;
    high = end;
    return true;
  }
  return false;
}

}  // namespace

expected<dwarf_info> dwarf_info::open(const elf_file& file) {
  dwarf_info d;
  d.dwarf_.reset(dwarf_begin_elf(file.elf(), DWARF_C_READ, nullptr));
  if (!d.dwarf_)
    return error{file.path() +
                 " has no DWARF debug info: Wisp attaches only to functions it can describe "
                 "(build with -g, or do not strip the binary)"};
  return d;
}

expected<function_info> function_at(const dwarf_info& dwarf, std::uint64_t addr,
                                    const std::string& symbol) {
  std::optional<function_info> found;
  std::optional<error> failure;
  auto search_cu = [&](Dwarf_Die& cu) {
    return walk(&cu, "", [&](Dwarf_Die& die, const std::string&) {
      Dwarf_Addr low = 0, high = 0;
      if (dwarf_tag(&die) != DW_TAG_subprogram || !entry_range(die, addr, low, high)) return false;
      auto lang = language_of(&cu);
      if (!lang) {
        failure = lang.error_value();
        return true;
      }
      function_info fi;
      const char* n = dwarf_diename(&die);
      fi.name = n != nullptr ? n : symbol;
      fi.lang = *lang;
      fi.low_pc = low;
      fi.high_pc = high;
      collect_params(die, fi);
      if (fi.lang != language::go) fi.return_type = type_of(&die);
      found = std::move(fi);
      return true;
    }, 0);
  };
  // Units that claim the address first; then all (some producers give units no ranges).
  if (!for_each_cu(dwarf.get(), [&](Dwarf_Die& cu) { return dwarf_haspc(&cu, addr) == 1 && search_cu(cu); }))
    for_each_cu(dwarf.get(), [&](Dwarf_Die& cu) { return search_cu(cu); });
  if (failure) return *failure;
  if (!found)
    return error{"function " + symbol + " has no DWARF description at its entry (compiled without -g?)"};
  return std::move(*found);
}

bool is_inlined_only(const dwarf_info& dwarf, const std::string& name) {
  bool abstract_seen = false;
  bool concrete_seen = false;
  for_each_cu(dwarf.get(), [&](Dwarf_Die& cu) {
    walk(&cu, "", [&](Dwarf_Die& die, const std::string& scope) {
      if (dwarf_tag(&die) != DW_TAG_subprogram) return false;
      const char* n = dwarf_diename(&die);
      Dwarf_Attribute attr;
      const char* linkage = nullptr;
      if (dwarf_attr_integrate(&die, DW_AT_linkage_name, &attr) != nullptr)
        linkage = dwarf_formstring(&attr);
      const bool match = (n != nullptr && (name == n || name == scope + n)) ||
                         (linkage != nullptr && name == linkage);
      if (!match) return false;
      Dwarf_Addr low = 0;
      if (dwarf_lowpc(&die, &low) == 0 || dwarf_hasattr(&die, DW_AT_ranges)) concrete_seen = true;
      else if (dwarf_hasattr(&die, DW_AT_inline)) abstract_seen = true;
      return false;
    }, 0);
    return false;
  });
  return abstract_seen && !concrete_seen;
}

expected<std::uint32_t> go_goid_offset(const dwarf_info& dwarf) {
  std::optional<std::uint32_t> offset;
  for_each_cu(dwarf.get(), [&](Dwarf_Die& cu) {
    const char* cu_name = dwarf_diename(&cu);
    if (cu_name == nullptr || std::string(cu_name) != "runtime") return false;
    Dwarf_Die child;
    if (dwarf_child(&cu, &child) != 0) return false;
    do {
      const char* n = dwarf_diename(&child);
      if (dwarf_tag(&child) != DW_TAG_structure_type || n == nullptr || std::string(n) != "runtime.g")
        continue;
      if (auto m = find_member(describe(child), "goid")) offset = static_cast<std::uint32_t>(m->offset);
      return true;
    } while (dwarf_siblingof(&child, &child) == 0);
    return false;
  });
  if (!offset) return error{"Go binary without runtime.g.goid in its DWARF: cannot key calls by goroutine"};
  return *offset;
}

}  // namespace wisp::tracepoints
