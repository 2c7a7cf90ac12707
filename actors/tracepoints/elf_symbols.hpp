#pragma once
// The ELF side of resolution: an open binary (executable or shared object, PIE or not), its
// function symbols from .symtab and .dynsym (C++ and Rust names demangled), the choice of one
// symbol for a user's name, and the mapping of a virtual address to the file offset a uprobe
// attaches at.

#include <libelf.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "actors/tracepoints/location.hpp"

namespace wisp::tracepoints {

struct elf_symbol {
  std::string name;       // as in the symbol table (mangled for C++ and Rust)
  std::string demangled;  // C++ "ns::cls::f(int)", Rust "krate::f" (hash dropped); else = name
  std::uint64_t addr = 0;
  std::uint64_t size = 0;
};

/// An ELF file opened read-only; owns the descriptor and the Elf handle.
class elf_file {
 public:
  static expected<elf_file> open(const std::string& path);

  const std::string& path() const { return path_; }
  Elf* elf() const { return elf_.get(); }
  /// Defined function symbols of .symtab and .dynsym, without duplicates.
  const std::vector<elf_symbol>& functions() const { return functions_; }
  /// The file offset of a virtual address inside an executable PT_LOAD segment.
  expected<std::uint64_t> file_offset(std::uint64_t vaddr) const;
  /// The bytes of [vaddr, vaddr + size) from the file (for disassembly).
  expected<std::span<const std::uint8_t>> bytes(std::uint64_t vaddr, std::uint64_t size) const;

 private:
  struct elf_closer {
    void operator()(Elf* e) const { elf_end(e); }
  };
  struct unique_fd {
    int fd = -1;
    unique_fd() = default;
    unique_fd(unique_fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    unique_fd& operator=(unique_fd&& o) noexcept {
      std::swap(fd, o.fd);
      return *this;
    }
    ~unique_fd();
  };
  std::string path_;
  unique_fd fd_;  // declared before elf_: the Elf handle is ended first
  std::unique_ptr<Elf, elf_closer> elf_;
  std::vector<elf_symbol> functions_;
};

/// The function a user names: the exact symbol (Go "main.(*T).M", C "f", a mangled name), a
/// demangled C++ name with its signature ("ns::f(int)"), or a demangled name without one
/// ("ns::cls::f", an error listing the overloads if there are several). Compiler clones
/// (".isra.0", ".constprop.0", ".part.0", ".cold") never match: their calling convention is
/// not the source's.
expected<elf_symbol> find_function(const elf_file& file, const std::string& name);

}  // namespace wisp::tracepoints
