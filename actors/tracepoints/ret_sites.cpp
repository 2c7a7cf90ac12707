#include "actors/tracepoints/ret_sites.hpp"

#include <capstone/capstone.h>

#include <cstdio>
#include <memory>
#include <string>

namespace wisp::tracepoints {
namespace {

constexpr std::uint8_t int3 = 0xCC;  // padding between and after Go functions

struct cs_closer {
  void operator()(csh* h) const { cs_close(h); }
};

}  // namespace

expected<std::vector<std::uint64_t>> find_ret_instructions(std::span<const std::uint8_t> code,
                                                           std::uint64_t vaddr) {
  csh handle = 0;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) return error{"open the x86-64 disassembler"};
  std::unique_ptr<csh, cs_closer> guard(&handle);
  std::unique_ptr<cs_insn, void (*)(cs_insn*)> insn(cs_malloc(handle), [](cs_insn* i) { cs_free(i, 1); });
  if (!insn) return error{"allocate a disassembler instruction"};

  std::vector<std::uint64_t> rets;
  const std::uint8_t* p = code.data();
  std::size_t left = code.size();
  std::uint64_t addr = vaddr;
  while (left > 0) {
    if (!cs_disasm_iter(handle, &p, &left, &addr, insn.get())) {
      // Trailing padding is not code; anything else is a body we cannot trust.
      bool padding = true;
      for (std::size_t i = 0; i < left; ++i) padding = padding && p[i] == int3;
      if (padding) break;
      char buf[64];
      std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(addr));
      return error{std::string("cannot disassemble the function at ") + buf +
                   ": return sites unknown"};
    }
    if (insn->id == X86_INS_RET) rets.push_back(insn->address);
  }
  return rets;
}

}  // namespace wisp::tracepoints
