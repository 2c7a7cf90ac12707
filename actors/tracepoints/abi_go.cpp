#include "actors/tracepoints/abi_go.hpp"

namespace wisp::tracepoints {
namespace {

constexpr int int_regs[] = {dwarf_reg::rax, dwarf_reg::rbx, dwarf_reg::rcx, dwarf_reg::rdi,
                            dwarf_reg::rsi, dwarf_reg::r8,  dwarf_reg::r9,  dwarf_reg::r10,
                            dwarf_reg::r11};
constexpr int num_int_regs = 9;
constexpr int num_fp_regs = 15;  // X0-X14; X15 is the fixed zero register
constexpr std::uint64_t ptr_size = 8;
constexpr std::int64_t return_address_size = 8;

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }

class go_assigner {
 public:
  // Assign one receiver, argument or result (abi-internal.md, "Assigning a ... V").
  value_loc assign(const type_ref& t) {
    const int saved_i = next_int_, saved_fp = next_fp_;
    std::vector<reg_piece> pieces;
    if (t.size != 0 && register_assign(t, 0, pieces, 0)) return value_loc::in_registers(std::move(pieces));
    next_int_ = saved_i;
    next_fp_ = saved_fp;
    const std::uint64_t at = align_up(stack_, alignment(t));
    stack_ = at + t.size;
    return value_loc::in_memory({dwarf_reg::rsp, {}, return_address_size + static_cast<std::int64_t>(at)});
  }
  // Between arguments and results: pointer alignment, register indexes back to zero.
  void start_results() {
    stack_ = align_up(stack_, ptr_size);
    next_int_ = 0;
    next_fp_ = 0;
  }

 private:
  bool take_int(std::uint64_t offset, std::uint64_t size, std::vector<reg_piece>& out) {
    if (next_int_ >= num_int_regs) return false;
    out.push_back({static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(size),
                   int_regs[next_int_++], 0});
    return true;
  }
  bool take_fp(std::uint64_t offset, std::uint64_t size, std::vector<reg_piece>& out) {
    if (next_fp_ >= num_fp_regs) return false;
    out.push_back({static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(size),
                   dwarf_reg::xmm0 + next_fp_++, 0});
    return true;
  }
  // Strings, interfaces and slices are structs of their components in Go's DWARF, so the
  // struct rule covers them.
  bool register_assign(const type_ref& t, std::uint64_t offset, std::vector<reg_piece>& out, int depth) {
    if (depth > 32) return false;
    switch (t.kind) {
      case type_kind::boolean:
      case type_kind::integer:
      case type_kind::enumeration:
      case type_kind::pointer:
      case type_kind::reference: return t.size <= ptr_size && take_int(offset, t.size, out);
      case type_kind::floating: return take_fp(offset, t.size, out);
      case type_kind::complex:
        return take_fp(offset, t.size / 2, out) && take_fp(offset + t.size / 2, t.size / 2, out);
      case type_kind::structure:
        for (const auto& m : members(t))
          if (!register_assign(m.type, offset + m.offset, out, depth + 1)) return false;
        return true;
      case type_kind::array: {
        const std::uint64_t n = array_count(t);
        if (n == 0) return true;
        auto elem = target_of(t);
        return n == 1 && elem && register_assign(*elem, offset, out, depth + 1);
      }
      case type_kind::other: return t.size == 0;
    }
    return false;
  }

  int next_int_ = 0;
  int next_fp_ = 0;
  std::uint64_t stack_ = 0;
};

}  // namespace

expected<frame_locations> go_frame(const function_info& fn) {
  go_assigner a;
  frame_locations out;
  for (const auto& p : fn.params) {
    if (!p.type) return error{"parameter " + p.name + " of " + fn.name + " has no type in DWARF"};
    out.params.push_back(a.assign(*p.type));
  }
  a.start_results();
  for (const auto& r : fn.results) {
    if (!r.type) return error{"result " + r.name + " of " + fn.name + " has no type in DWARF"};
    out.results.push_back(a.assign(*r.type));
  }
  return out;
}

}  // namespace wisp::tracepoints
