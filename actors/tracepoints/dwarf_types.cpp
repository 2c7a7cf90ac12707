#include "actors/tracepoints/dwarf_types.hpp"

#include <dwarf.h>

#include <algorithm>
#include <string_view>

namespace wisp::tracepoints {
namespace {

// Go's vendor attributes (cmd/link/internal/ld/dwarf.go).
constexpr unsigned at_go_kind = 0x2900;
constexpr unsigned at_go_embedded_field = 0x2903;
constexpr int go_kind_slice = 23;
constexpr int go_kind_string = 24;
constexpr int max_depth = 16;  // nesting of typedefs, members and bases the resolver follows

std::uint64_t udata(Dwarf_Die* die, unsigned name, std::uint64_t fallback) {
  Dwarf_Attribute attr;
  Dwarf_Word v = 0;
  if (dwarf_attr_integrate(die, name, &attr) == nullptr || dwarf_formudata(&attr, &v) != 0)
    return fallback;
  return v;
}

bool flag(Dwarf_Die* die, unsigned name) {
  Dwarf_Attribute attr;
  bool v = false;
  return dwarf_attr_integrate(die, name, &attr) != nullptr && dwarf_formflag(&attr, &v) == 0 && v;
}

std::string die_name(Dwarf_Die* die) {
  const char* n = dwarf_diename(die);
  return n != nullptr ? n : "";
}

bool referenced_die(Dwarf_Die* die, Dwarf_Die* out) {
  Dwarf_Attribute attr;
  return dwarf_attr_integrate(die, DW_AT_type, &attr) != nullptr &&
         dwarf_formref_die(&attr, out) != nullptr;
}

// DW_AT_data_member_location as a constant or a DW_OP_plus_uconst expression.
std::uint64_t member_offset(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  if (dwarf_attr_integrate(die, DW_AT_data_member_location, &attr) == nullptr) return 0;
  Dwarf_Word v = 0;
  if (dwarf_formudata(&attr, &v) == 0) return v;
  Dwarf_Op* ops = nullptr;
  std::size_t n = 0;
  if (dwarf_getlocation(&attr, &ops, &n) == 0 && n == 1 && ops[0].atom == DW_OP_plus_uconst)
    return ops[0].number;
  return 0;
}

bool is_peelable(int tag) {
  return tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
         tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type;
}

std::string peeled_name(const type_ref& t) {
  Dwarf_Die d = t.die;
  return die_name(&d);
}

bool by_reference(const type_ref& t, int depth);

bool member_by_reference(const type_ref& t, int depth) {
  if (t.kind == type_kind::structure) return by_reference(t, depth + 1);
  if (t.kind == type_kind::array) {
    auto e = target_of(t);
    return e && member_by_reference(*e, depth + 1);
  }
  return false;
}

// A user-provided destructor or copy/move constructor makes a C++ class non-trivial for the
// purpose of calls (Itanium C++ ABI 3.1.2.3): it is then passed through a hidden reference.
bool by_reference(const type_ref& t, int depth) {
  if (depth > max_depth || t.kind != type_kind::structure) return false;
  Dwarf_Die die = t.die;
  const std::uint64_t cc = udata(&die, DW_AT_calling_convention, 0);
  if (cc == DW_CC_pass_by_reference) return true;
  if (cc == DW_CC_pass_by_value) return false;
  std::string cls = die_name(&die);
  cls = cls.substr(0, cls.find('<'));
  Dwarf_Die child;
  if (dwarf_child(&die, &child) != 0) return false;
  do {
    if (dwarf_tag(&child) != DW_TAG_subprogram || flag(&child, DW_AT_artificial)) continue;
    const std::string name = die_name(&child);
    if (!name.empty() && name[0] == '~') return true;
    if (name != cls) continue;
    Dwarf_Die param;
    if (dwarf_child(&child, &param) != 0) continue;
    do {  // the first parameter after `this`: a reference to this class makes a copy/move ctor
      if (dwarf_tag(&param) != DW_TAG_formal_parameter || flag(&param, DW_AT_artificial)) continue;
      auto pt = type_of(&param);
      if (pt && pt->kind == type_kind::reference) {
        auto target = target_of(*pt);
        if (target && dwarf_dieoffset(&target->die) == dwarf_dieoffset(&die)) return true;
      }
      break;
    } while (dwarf_siblingof(&param, &param) == 0);
  } while (dwarf_siblingof(&child, &child) == 0);
  for (const auto& m : members(t))
    if (member_by_reference(m.type, depth)) return true;
  return false;
}

std::optional<member_info> find_member_in(const type_ref& t, const std::string& name, int depth) {
  if (depth > max_depth || t.kind != type_kind::structure) return std::nullopt;
  const auto ms = members(t);
  for (const auto& m : ms)
    if (m.name == name) return m;
  // Then inside anonymous members, C++ bases and Go embedded fields (promoted fields).
  Dwarf_Die die = t.die;
  Dwarf_Die child;
  if (dwarf_child(&die, &child) != 0) return std::nullopt;
  do {
    const int tag = dwarf_tag(&child);
    const bool nested = tag == DW_TAG_inheritance ||
                        (tag == DW_TAG_member &&
                         (dwarf_diename(&child) == nullptr || flag(&child, at_go_embedded_field)));
    if (!nested) continue;
    auto mt = type_of(&child);
    if (!mt) continue;
    if (auto inner = find_member_in(*mt, name, depth + 1)) {
      inner->offset += member_offset(&child);
      return inner;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
  return std::nullopt;
}

}  // namespace

type_ref describe(Dwarf_Die die) {
  type_ref t;
  for (int depth = 0; is_peelable(dwarf_tag(&die)); ++depth) {
    if (t.go_kind == 0) t.go_kind = static_cast<int>(udata(&die, at_go_kind, 0));
    if (t.name.empty() && dwarf_tag(&die) == DW_TAG_typedef) t.name = die_name(&die);
    Dwarf_Die next;
    if (depth > max_depth || !referenced_die(&die, &next)) {  // const void
      t.die = die;
      t.kind = type_kind::other;
      if (t.name.empty()) t.name = "void";
      return t;
    }
    die = next;
  }
  t.die = die;
  if (t.go_kind == 0) t.go_kind = static_cast<int>(udata(&die, at_go_kind, 0));
  if (t.name.empty()) t.name = die_name(&die);
  Dwarf_Word size = 0;
  if (dwarf_aggregate_size(&die, &size) == 0) t.size = size;
  switch (dwarf_tag(&die)) {
    case DW_TAG_base_type:
      switch (udata(&die, DW_AT_encoding, 0)) {
        case DW_ATE_boolean: t.kind = type_kind::boolean; break;
        case DW_ATE_float: t.kind = type_kind::floating; break;
        case DW_ATE_complex_float: t.kind = type_kind::complex; break;
        case DW_ATE_signed: t.kind = type_kind::integer; t.is_signed = true; break;
        case DW_ATE_signed_char:
          t.kind = type_kind::integer;
          t.is_signed = true;
          t.is_char = t.size == 1;
          break;
        case DW_ATE_unsigned_char:
          t.kind = type_kind::integer;
          t.is_char = t.size == 1;
          break;
        case DW_ATE_unsigned:
        case DW_ATE_UTF: t.kind = type_kind::integer; break;
        default: t.kind = type_kind::other; break;
      }
      break;
    case DW_TAG_pointer_type:
    case DW_TAG_ptr_to_member_type:
      t.kind = type_kind::pointer;
      if (t.size == 0) t.size = 8;
      if (t.name.empty()) t.name = "pointer";
      break;
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type:
      t.kind = type_kind::reference;
      if (t.size == 0) t.size = 8;
      break;
    case DW_TAG_structure_type:
    case DW_TAG_class_type: t.kind = type_kind::structure; break;
    case DW_TAG_union_type:
      t.kind = type_kind::structure;
      t.is_union = true;
      break;
    case DW_TAG_array_type: t.kind = type_kind::array; break;
    case DW_TAG_enumeration_type: {
      t.kind = type_kind::enumeration;
      Dwarf_Die under;
      if (referenced_die(&die, &under)) t.is_signed = describe(under).is_signed;
      break;
    }
    default: t.kind = type_kind::other; break;
  }
  if (t.name.empty()) t.name = "<anonymous>";
  return t;
}

std::optional<type_ref> type_of(Dwarf_Die* die) {
  Dwarf_Die t;
  if (!referenced_die(die, &t)) return std::nullopt;
  return describe(t);
}

std::optional<type_ref> target_of(const type_ref& t) {
  if (t.kind != type_kind::pointer && t.kind != type_kind::reference &&
      t.kind != type_kind::array)
    return std::nullopt;
  Dwarf_Die die = t.die;
  auto target = type_of(&die);
  if (target && target->kind == type_kind::other && target->size == 0) return std::nullopt;
  return target;
}

std::uint64_t array_count(const type_ref& t) {
  if (t.kind != type_kind::array) return 0;
  Dwarf_Die die = t.die;
  Dwarf_Die sub;
  if (dwarf_child(&die, &sub) != 0) return 0;
  do {
    if (dwarf_tag(&sub) != DW_TAG_subrange_type) continue;
    Dwarf_Attribute attr;
    Dwarf_Word v = 0;
    if (dwarf_attr_integrate(&sub, DW_AT_count, &attr) != nullptr && dwarf_formudata(&attr, &v) == 0)
      return v;
    if (dwarf_attr_integrate(&sub, DW_AT_upper_bound, &attr) != nullptr &&
        dwarf_formudata(&attr, &v) == 0)
      return v + 1;
    return 0;
  } while (dwarf_siblingof(&sub, &sub) == 0);
  return 0;
}

std::uint64_t alignment(const type_ref& t) {
  Dwarf_Die die = t.die;
  if (const std::uint64_t a = udata(&die, DW_AT_alignment, 0); a != 0) return a;
  switch (t.kind) {
    case type_kind::structure: {
      std::uint64_t a = 1;
      for (const auto& m : members(t)) a = std::max(a, alignment(m.type));
      return a;
    }
    case type_kind::array: {
      auto e = target_of(t);
      return e ? alignment(*e) : 1;
    }
    case type_kind::complex: return std::clamp<std::uint64_t>(t.size / 2, 1, 16);
    default: return std::clamp<std::uint64_t>(t.size, 1, 16);
  }
}

std::vector<member_info> members(const type_ref& t) {
  std::vector<member_info> out;
  if (t.kind != type_kind::structure) return out;
  Dwarf_Die die = t.die;
  Dwarf_Die child;
  if (dwarf_child(&die, &child) != 0) return out;
  do {
    const int tag = dwarf_tag(&child);
    if (tag != DW_TAG_member && tag != DW_TAG_inheritance) continue;
    // Static members and bit fields are not in the object's bytes as whole bytes.
    if (flag(&child, DW_AT_declaration) || flag(&child, DW_AT_external)) continue;
    if (dwarf_hasattr_integrate(&child, DW_AT_bit_size) != 0) continue;
    auto mt = type_of(&child);
    if (!mt) continue;
    member_info m{die_name(&child), member_offset(&child), *mt};
    if (tag == DW_TAG_inheritance) m.name = mt->name;
    out.push_back(std::move(m));
  } while (dwarf_siblingof(&child, &child) == 0);
  return out;
}

std::optional<member_info> find_member(const type_ref& t, const std::string& name) {
  return find_member_in(t, name, 0);
}

bool is_go_string(const type_ref& t) {
  return t.kind == type_kind::structure && t.go_kind == go_kind_string;
}

bool is_go_slice(const type_ref& t) {
  return t.kind == type_kind::structure && t.go_kind == go_kind_slice;
}

bool is_byte_slice(const type_ref& t) {
  return is_go_slice(t) && (peeled_name(t) == "[]uint8" || t.name == "[]byte");
}

bool is_c_string(const type_ref& t) {
  if (t.kind != type_kind::pointer) return false;
  auto target = target_of(t);
  return target && target->is_char;
}

bool is_char_array(const type_ref& t) {
  if (t.kind != type_kind::array) return false;
  auto e = target_of(t);
  return e && e->is_char;
}

std::optional<string_layout> string_object_layout(const type_ref& t) {
  if (t.kind != type_kind::structure) return std::nullopt;
  const std::string name = peeled_name(t);
  if (name.rfind("basic_string<char,", 0) == 0) {  // libstdc++'s std::string
    auto hider = find_member(t, "_M_dataplus");
    auto len = find_member(t, "_M_string_length");
    if (!hider || !len) return std::nullopt;
    auto p = find_member(hider->type, "_M_p");
    return string_layout{hider->offset + (p ? p->offset : 0), len->offset};
  }
  if (name == "&str") {  // Rust string slice
    auto data = find_member(t, "data_ptr");
    auto len = find_member(t, "length");
    if (!data || !len) return std::nullopt;
    return string_layout{data->offset, len->offset};
  }
  return std::nullopt;
}

bool passed_by_reference(const type_ref& t) { return by_reference(t, 0); }

}  // namespace wisp::tracepoints
