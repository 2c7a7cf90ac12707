#pragma once
// Types of DWARF debug info as the resolver needs them: a type peeled of typedefs and
// qualifiers, its kind, size and alignment, struct members (through anonymous members, C++
// bases and Go embedded fields), and the few library types captured as strings (Go string and
// []byte, std::string, Rust &str, C char* and char arrays). The Dwarf_Die values point into a
// Dwarf handle that must outlive them.

#include <elfutils/libdw.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wisp::tracepoints {

enum class type_kind : std::uint8_t {
  integer,
  boolean,
  floating,
  complex,
  pointer,    // also Go maps, channels and funcs
  reference,  // C++ & and &&
  structure,  // struct, class, union
  array,
  enumeration,
  other,  // void, functions, unspecified types
};

struct type_ref {
  Dwarf_Die die{};  // peeled of typedef, const, volatile, restrict, atomic
  type_kind kind = type_kind::other;
  std::string name;  // as the user knows it (the outermost typedef's name if any)
  std::uint64_t size = 0;
  bool is_signed = false;
  bool is_char = false;  // a 1-byte character type (C, C++)
  int go_kind = 0;       // Go's DW_AT_go_kind (reflect.Kind) of the type, 0 if none
  bool is_union = false;
};

/// The type named by `die`'s DW_AT_type (through abstract origins); nullopt for void.
std::optional<type_ref> type_of(Dwarf_Die* die);
type_ref describe(Dwarf_Die type_die);

/// The pointee of a pointer or reference, the element of an array; nullopt for void.
std::optional<type_ref> target_of(const type_ref& t);
/// Elements of an array type (first dimension), 0 if unknown.
std::uint64_t array_count(const type_ref& t);
/// Alignment in bytes (from the largest scalar inside; at most 16).
std::uint64_t alignment(const type_ref& t);

struct member_info {
  std::string name;
  std::uint64_t offset = 0;
  type_ref type;
};

/// Direct members of a struct, class or union, in declaration order, C++ base classes first
/// (named after the base).
std::vector<member_info> members(const type_ref& t);
/// A member by name, also inside anonymous members, C++ bases and Go embedded fields (offsets
/// summed); nullopt if there is none.
std::optional<member_info> find_member(const type_ref& t, const std::string& name);

// Types captured as strings.
bool is_go_string(const type_ref& t);
bool is_go_slice(const type_ref& t);
bool is_byte_slice(const type_ref& t);  // Go []byte / []uint8
bool is_c_string(const type_ref& t);    // char*, const char*, unsigned char* (C, C++)
bool is_char_array(const type_ref& t);  // char name[N]

/// Offsets of the data pointer and the length in a string object: std::string (libstdc++),
/// Rust &str. nullopt if `t` is neither.
struct string_layout {
  std::uint64_t data = 0;
  std::uint64_t length = 0;
};
std::optional<string_layout> string_object_layout(const type_ref& t);

/// A C++ class that is passed and returned through a hidden reference (a non-trivial copy or
/// move constructor or destructor, or DW_AT_calling_convention saying so), as a whole or
/// through a member or base.
bool passed_by_reference(const type_ref& t);

}  // namespace wisp::tracepoints
