#include "actors/tracepoints/elf_symbols.hpp"

#include <cxxabi.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>

namespace wisp::tracepoints {
namespace {

constexpr std::size_t max_listed = 8;  // names listed in a "did you mean" or overload error

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// Rust's legacy mangling ends the path in "::h" and 16 hex digits (a hash of the crate).
std::string drop_rust_hash(std::string s) {
  const std::size_t at = s.rfind("::h");
  if (at != std::string::npos && s.size() == at + 3 + 16 &&
      std::all_of(s.begin() + static_cast<std::ptrdiff_t>(at) + 3, s.end(), is_hex))
    s.resize(at);
  return s;
}

std::string demangle(const std::string& name) {
  if (name.rfind("_Z", 0) != 0) return name;
  int status = 0;
  char* d = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (d == nullptr || status != 0) return name;
  std::string out = drop_rust_hash(d);
  std::free(d);
  return out;
}

// gcc's clones: "f.isra.0", "f.constprop.0", "f.part.0", "f.cold" (demangled "[clone .isra.0]").
bool is_clone(const elf_symbol& s) {
  static const char* const markers[] = {".isra.", ".constprop.", ".part.", ".cold",
                                        ".lto_priv.", "[clone "};
  for (const char* m : markers)
    if (s.name.find(m) != std::string::npos || s.demangled.find(m) != std::string::npos)
      return true;
  return false;
}

// "ns::f(int) const" -> "ns::f": the name without the parameter list (templates keep theirs).
std::string without_signature(const std::string& d) {
  int depth = 0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (d[i] == '<') ++depth;
    if (d[i] == '>') --depth;
    if (d[i] == '(' && depth == 0 && i > 0 && d.compare(0, 8, "operator") != 0) return d.substr(0, i);
  }
  return d;
}

std::string list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < max_listed; ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  if (names.size() > max_listed) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}

}  // namespace

elf_file::unique_fd::~unique_fd() {
  if (fd >= 0) ::close(fd);
}

expected<elf_file> elf_file::open(const std::string& path) {
  if (elf_version(EV_CURRENT) == EV_NONE) return error{"init libelf: " + std::string(elf_errmsg(-1))};
  elf_file f;
  f.path_ = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return error{"open " + path + ": " + std::strerror(errno), errno};
  f.fd_.fd = fd;
  f.elf_.reset(elf_begin(fd, ELF_C_READ_MMAP, nullptr));
  if (!f.elf_ || elf_kind(f.elf_.get()) != ELF_K_ELF)
    return error{"read " + path + ": not an ELF file"};
  GElf_Ehdr eh;
  if (gelf_getehdr(f.elf_.get(), &eh) == nullptr || eh.e_machine != EM_X86_64 ||
      (eh.e_type != ET_EXEC && eh.e_type != ET_DYN))
    return error{"read " + path + ": not an x86-64 executable or shared object"};

  std::set<std::pair<std::string, std::uint64_t>> seen;
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(f.elf_.get(), scn)) != nullptr) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
      continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr || sh.sh_entsize == 0) continue;
    const std::size_t n = sh.sh_size / sh.sh_entsize;
    for (std::size_t i = 0; i < n; ++i) {
      GElf_Sym sym;
      if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) continue;
      if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
        continue;
      const char* name = elf_strptr(f.elf_.get(), sh.sh_link, sym.st_name);
      if (name == nullptr || *name == '\0') continue;
      if (!seen.emplace(name, sym.st_value).second) continue;
      f.functions_.push_back({name, demangle(name), sym.st_value, sym.st_size});
    }
  }
  return f;
}

expected<std::uint64_t> elf_file::file_offset(std::uint64_t vaddr) const {
  std::size_t n = 0;
  if (elf_getphdrnum(elf_.get(), &n) != 0) return error{"read program headers of " + path_};
  for (std::size_t i = 0; i < n; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf_.get(), static_cast<int>(i), &ph) == nullptr) continue;
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
    if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) return vaddr - ph.p_vaddr + ph.p_offset;
  }
  return error{"address 0x" + [&] {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lx", static_cast<unsigned long>(vaddr));
    return std::string(buf);
  }() + " is in no executable segment of " + path_};
}

expected<std::span<const std::uint8_t>> elf_file::bytes(std::uint64_t vaddr, std::uint64_t size) const {
  auto off = file_offset(vaddr);
  if (!off) return off.error_value();
  std::size_t file_size = 0;
  const char* raw = elf_rawfile(elf_.get(), &file_size);
  if (raw == nullptr || *off + size > file_size) return error{"read code of " + path_ + ": past end of file"};
  return std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(raw) + *off, size);
}

expected<elf_symbol> find_function(const elf_file& file, const std::string& name) {
  if (name.empty()) return error{"empty symbol name"};
  std::vector<const elf_symbol*> exact, by_signature, by_name;
  for (const auto& s : file.functions()) {
    if (is_clone(s)) continue;
    if (s.name == name) exact.push_back(&s);
    else if (s.demangled == name) by_signature.push_back(&s);
    else if (without_signature(s.demangled) == name) by_name.push_back(&s);
  }
  for (auto* v : {&exact, &by_signature, &by_name}) {
    if (v->empty()) continue;
    std::vector<std::string> distinct;
    for (const auto* s : *v)
      if (std::find(distinct.begin(), distinct.end(), s->demangled) == distinct.end())
        distinct.push_back(s->demangled);
    if (distinct.size() > 1)
      return error{"symbol " + name + " is ambiguous in " + file.path() +
                   "; give the full signature of one of: " + list(distinct)};
    return *v->front();
  }
  // Nothing: say whether only clones exist, else list names that contain the last component.
  std::vector<std::string> clones, similar;
  std::string last = name;
  if (auto p = last.rfind("::"); p != std::string::npos) last = last.substr(p + 2);
  if (auto p = last.rfind('.'); p != std::string::npos && p + 1 < last.size()) last = last.substr(p + 1);
  for (const auto& s : file.functions()) {
    const std::string bare = without_signature(s.demangled);
    if (is_clone(s) && (s.name.rfind(name + ".", 0) == 0 || bare.rfind(name, 0) == 0))
      clones.push_back(s.demangled);
    else if (!is_clone(s) && bare.find(last) != std::string::npos)
      similar.push_back(s.demangled);
  }
  if (!clones.empty())
    return error{"symbol " + name + " exists in " + file.path() +
                 " only as compiler clones with a changed calling convention (" + list(clones) +
                 "); mark it __attribute__((noinline, noipa)) or give it external linkage"};
  std::string msg = "symbol " + name + " not found in " + file.path();
  if (!similar.empty()) msg += "; similar functions: " + list(similar);
  return error{msg};
}

}  // namespace wisp::tracepoints
