// The resolver on the real targets: argument locations against the compilers' own DWARF
// location at the entry address, entry offsets against the dynamic loader, program flags, and
// every bad input's specific error.
#include <dlfcn.h>
#include <dwarf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "actors/tracepoints/abi_go.hpp"
#include "actors/tracepoints/abi_sysv.hpp"
#include "actors/tracepoints/dwarf_function.hpp"
#include "actors/tracepoints/elf_symbols.hpp"
#include "actors/tracepoints/resolve.hpp"

namespace wisp::tracepoints {
namespace {

const std::string targets = TP_TARGETS;

bool built(const std::string& name) { return access((targets + "/" + name).c_str(), R_OK) == 0; }

#define REQUIRE_TARGET(name)                                    \
  do {                                                          \
    if (!built(name)) {                                         \
      GTEST_SKIP() << name << " was not built (no toolchain)"; \
    }                                                           \
  } while (0)

probe_request req(const std::string& target, const std::string& symbol,
                  std::vector<capture_request> captures = {}) {
  return {targets + "/" + target, symbol, std::move(captures)};
}
capture_request arg(const std::string& e) { return {"col", capture_request::kind::arg, e}; }
capture_request ret(const std::string& e) { return {"col", capture_request::kind::ret, e}; }
capture_request latency() { return {"latency", capture_request::kind::latency, ""}; }

// The error of a resolution that must fail; "" (and a test failure) if it succeeded.
std::string error_of(const probe_request& r) {
  auto p = resolve(r);
  EXPECT_FALSE(p) << "resolved " << r.symbol;
  return p ? "" : p.error_value().what;
}

#define EXPECT_ERROR(request, ...)                                            \
  do {                                                                        \
    const std::string e_ = error_of(request);                                 \
    for (const char* piece : {__VA_ARGS__}) EXPECT_NE(e_.find(piece), std::string::npos) << e_; \
  } while (0)

// --- Locations against DWARF -------------------------------------------------------------

struct dwarf_piece {
  std::uint64_t offset = 0;  // in the value
  std::uint64_t size = 0;    // 0: the whole value
  int reg = -1;              // DW_OP_regN
  std::optional<std::int64_t> fbreg;                 // DW_OP_fbreg (frame base = CFA = sp+8)
  std::optional<std::pair<int, std::int64_t>> breg;  // DW_OP_bregN k alone: memory at reg+k
};

// The parameter's location at `pc` as the compiler described it; empty if it gave none.
std::vector<dwarf_piece> dwarf_location_at(Dwarf_Die die, std::uint64_t pc) {
  Dwarf_Attribute attr;
  std::vector<dwarf_piece> out;
  if (dwarf_attr(&die, DW_AT_location, &attr) == nullptr) return out;
  Dwarf_Op* ops = nullptr;
  std::size_t n = 0;
  if (dwarf_getlocation_addr(&attr, pc, &ops, &n, 1) != 1 || n == 0) return out;
  dwarf_piece cur;
  std::uint64_t offset = 0;
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    const auto a = ops[i].atom;
    if (a >= DW_OP_reg0 && a <= DW_OP_reg31) {
      cur.reg = a - DW_OP_reg0;
      any = true;
    } else if (a == DW_OP_regx) {
      cur.reg = static_cast<int>(ops[i].number);
      any = true;
    } else if (a == DW_OP_fbreg) {
      cur.fbreg = static_cast<std::int64_t>(ops[i].number);
      any = true;
    } else if (a >= DW_OP_breg0 && a <= DW_OP_breg31 && n == 1) {
      cur.breg = std::make_pair(a - DW_OP_breg0, static_cast<std::int64_t>(ops[i].number));
      any = true;
    } else if (a == DW_OP_piece) {
      cur.offset = offset;
      cur.size = ops[i].number;
      offset += ops[i].number;
      out.push_back(cur);
      cur = {};
    } else {
      return {};  // an expression this comparison does not model
    }
  }
  if (any && (cur.reg >= 0 || cur.fbreg || cur.breg)) out.push_back(cur);
  return out;
}

// Compares every parameter (and Go stack result) location the ABI code computed with DWARF's
// location at the entry; returns how many pieces were compared.
int compare_with_dwarf(const std::string& target, const std::vector<std::string>& symbols) {
  auto elf = elf_file::open(targets + "/" + target);
  EXPECT_TRUE(elf);
  auto dwarf = dwarf_info::open(*elf);
  EXPECT_TRUE(dwarf);
  int compared = 0;
  for (const auto& symbol : symbols) {
    SCOPED_TRACE(target + " " + symbol);
    auto sym = find_function(*elf, symbol);
    EXPECT_TRUE(sym) << sym.error_value().what;
    if (!sym) continue;
    auto fn = function_at(*dwarf, sym->addr, symbol);
    EXPECT_TRUE(fn) << fn.error_value().what;
    if (!fn) continue;
    auto frame = fn->lang == language::go ? go_frame(*fn) : sysv_frame(*fn);
    EXPECT_TRUE(frame);
    for (std::size_t i = 0; i < fn->params.size(); ++i) {
      SCOPED_TRACE("parameter " + fn->params[i].name);
      const value_loc& ours = frame->params[i];
      const auto pieces = dwarf_location_at(fn->params[i].die, fn->low_pc);
      // Go lists one piece per scalar component and leaves padding out, so its pieces match
      // ours one to one; gcc's pieces are byte ranges of the value.
      const bool one_to_one = fn->lang == language::go && pieces.size() == ours.pieces.size();
      for (std::size_t k = 0; k < pieces.size(); ++k) {
        const dwarf_piece& d = pieces[k];
        if (d.reg >= 0) {
          if (d.reg > 16) continue;  // XMM registers: not readable anyway
          bool found = false;
          if (one_to_one)
            found = ours.pieces[k].reg == d.reg;
          else
            for (const auto& p : ours.pieces)
              found = found || (p.reg == d.reg && d.offset >= p.offset && d.offset < p.offset + p.size);
          EXPECT_TRUE(found) << "DWARF: " << reg_name(d.reg) << " in piece " << k << " at value offset " << d.offset;
          ++compared;
        } else if (d.fbreg && *d.fbreg >= 0) {
          EXPECT_TRUE(ours.mem) << "DWARF: stack at CFA+" << *d.fbreg;
          if (!ours.mem) continue;
          EXPECT_EQ(ours.mem->base, dwarf_reg::rsp);
          EXPECT_TRUE(ours.mem->derefs.empty());
          EXPECT_EQ(ours.mem->off, 8 + *d.fbreg + static_cast<std::int64_t>(d.offset));
          ++compared;
        } else if (d.breg) {
          EXPECT_TRUE(ours.mem) << "DWARF: memory at " << reg_name(d.breg->first);
          if (!ours.mem) continue;
          EXPECT_EQ(ours.mem->base, d.breg->first);
          EXPECT_EQ(ours.mem->off, d.breg->second);
          ++compared;
        }
      }
    }
  }
  return compared;
}

TEST(ResolveAbi, GoLocationsMatchTheCompilersDwarf) {
  REQUIRE_TARGET("go_target");
  EXPECT_GE(compare_with_dwarf("go_target", {"main.(*Checkout).Sum", "main.Checkout.Total", "main.Greet",
                                             "main.Grid", "main.Many", "main.Ratio"}),
            25);
}

TEST(ResolveAbi, SysvLocationsMatchGccDwarfAtO2) {
  REQUIRE_TARGET("c_O2");
  EXPECT_GE(compare_with_dwarf("c_O2", {"c_add", "c_point", "c_order", "c_make", "c_make_order", "c_many", "c_scale"}),
            15);
  EXPECT_GE(compare_with_dwarf("cpp_O2", {"shop::cart::total", "shop::cart::add(shop::item)",
                                          "shop::cart::add(shop::item const*, int)", "shop::cart::greet",
                                          "shop::describe"}),
            8);
}

// --- Entries, flags, return sites ----------------------------------------------------------

TEST(Resolve, GoProbeKeysByGoroutineAndProbesEveryRet) {
  REQUIRE_TARGET("go_target");
  auto p = resolve(req("go_target", "main.(*Checkout).Sum", {arg("l.Units"), ret("$0.Units"), latency()}));
  ASSERT_TRUE(p) << p.error_value().what;
  EXPECT_EQ(p->lang, language::go);
  EXPECT_EQ(p->program.flags, WISP_DT_IS_GO | WISP_DT_KEY_GOID | WISP_DT_HAS_RETURN);
  EXPECT_GT(p->program.goid_offset, 0u);
  EXPECT_FALSE(p->uretprobe);
  EXPECT_GE(p->ret_offsets.size(), 2u);  // Sum returns on two paths
  EXPECT_EQ(p->captures.size(), 3u);
  EXPECT_EQ(p->captures[2].decode, decode_kind::latency);
  // Every RET offset holds a C3 byte in the file.
  std::ifstream f(targets + "/go_target", std::ios::binary);
  for (auto off : p->ret_offsets) {
    f.seekg(static_cast<std::streamoff>(off));
    EXPECT_EQ(f.get(), 0xC3);
  }
}

TEST(Resolve, EntryOnlyProbesHaveNoReturnSites) {
  REQUIRE_TARGET("go_target");
  auto p = resolve(req("go_target", "main.Greet", {arg("name")}));
  ASSERT_TRUE(p) << p.error_value().what;
  EXPECT_EQ(p->program.flags & WISP_DT_HAS_RETURN, 0u);
  EXPECT_TRUE(p->ret_offsets.empty());
  EXPECT_EQ(p->program.n_return, 0u);
}

TEST(Resolve, CUsesAUretprobeForResultsAndLatency) {
  REQUIRE_TARGET("c_O0");
  auto p = resolve(req("c_O0", "c_add", {arg("a"), latency()}));
  ASSERT_TRUE(p) << p.error_value().what;
  EXPECT_EQ(p->lang, language::c);
  EXPECT_TRUE(p->uretprobe);
  EXPECT_EQ(p->program.flags, WISP_DT_HAS_RETURN);
  auto entry_only = resolve(req("c_O0", "c_add", {arg("a")}));
  ASSERT_TRUE(entry_only);
  EXPECT_FALSE(entry_only->uretprobe);
}

TEST(Resolve, CppNamesDemangledMangledAndBySignature) {
  REQUIRE_TARGET("cpp_O0");
  auto by_name = resolve(req("cpp_O0", "shop::cart::total", {arg("extra")}));
  ASSERT_TRUE(by_name) << by_name.error_value().what;
  EXPECT_EQ(by_name->lang, language::cpp);
  EXPECT_EQ(by_name->symbol, "shop::cart::total(int) const");
  auto mangled = resolve(req("cpp_O0", "_ZNK4shop4cart5totalEi", {arg("extra")}));
  ASSERT_TRUE(mangled);
  EXPECT_EQ(mangled->entry_offset, by_name->entry_offset);
  auto sig = resolve(req("cpp_O0", "shop::cart::add(shop::item const*, int)", {arg("times")}));
  ASSERT_TRUE(sig) << sig.error_value().what;
  EXPECT_NE(sig->entry_offset, by_name->entry_offset);
}

// The entry offset of a shared object's function, checked against where the dynamic loader
// maps it: dlopen the library here, and map dlsym's address back to a file offset through
// /proc/self/maps.
TEST(Resolve, SharedObjectEntryMatchesTheDynamicLoader) {
  REQUIRE_TARGET("libc_target.so");
  const std::string lib = targets + "/libc_target.so";
  auto p = resolve({lib, "c_point", {arg("name")}});
  ASSERT_TRUE(p) << p.error_value().what;
  void* h = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr) << dlerror();
  const auto addr = reinterpret_cast<std::uint64_t>(dlsym(h, "c_point"));
  std::ifstream maps("/proc/self/maps");
  std::string line;
  std::optional<std::uint64_t> offset;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms, off, dev, inode, path;
    in >> range >> perms >> off >> dev >> inode >> path;
    const std::uint64_t start = std::stoull(range.substr(0, range.find('-')), nullptr, 16);
    const std::uint64_t end = std::stoull(range.substr(range.find('-') + 1), nullptr, 16);
    if (addr >= start && addr < end && path.find("libc_target.so") != std::string::npos)
      offset = addr - start + std::stoull(off, nullptr, 16);
  }
  dlclose(h);
  ASSERT_TRUE(offset);
  EXPECT_EQ(p->entry_offset, *offset);
}

TEST(Resolve, WholeStructIsAnObjectOfItsMembers) {
  REQUIRE_TARGET("go_target");
  auto p = resolve(req("go_target", "main.(*Checkout).Sum", {arg("l")}));
  ASSERT_TRUE(p) << p.error_value().what;
  const auto& obj = p->captures[0];
  EXPECT_EQ(obj.decode, decode_kind::object);
  EXPECT_EQ(obj.type, schemas::data_type::string);
  ASSERT_EQ(obj.members.size(), 3u);
  EXPECT_EQ(obj.members[0].name, "Units");
  EXPECT_EQ(obj.members[2].decode, decode_kind::string);
}

TEST(Resolve, GoInterfaceResultIsAnObjectOfItsTwoWords) {
  REQUIRE_TARGET("go_target");
  auto p = resolve(req("go_target", "main.(*Checkout).Sum", {ret("$1")}));
  ASSERT_TRUE(p) << p.error_value().what;
  const auto& obj = p->captures[0];
  EXPECT_EQ(obj.decode, decode_kind::object);
  ASSERT_EQ(obj.members.size(), 2u);
  EXPECT_EQ(obj.members[0].name, "tab");
  EXPECT_EQ(obj.members[1].name, "data");
}

TEST(Resolve, ColumnTypesFollowTheCapturedTypes) {
  REQUIRE_TARGET("c_O2");
  auto p = resolve(req("c_O2", "c_order", {arg("o.price"), arg("o.tag"), arg("o.note"), arg("o.color"), arg("o.qty")}));
  ASSERT_TRUE(p) << p.error_value().what;
  EXPECT_EQ(p->captures[0].decode, decode_kind::float64);
  EXPECT_EQ(p->captures[1].decode, decode_kind::char_array);
  EXPECT_EQ(p->captures[2].decode, decode_kind::string);
  EXPECT_EQ(p->captures[3].type, schemas::data_type::int64);
  EXPECT_EQ(p->captures[4].decode, decode_kind::int_signed);
  EXPECT_EQ(p->captures[4].size, 2u);
  for (std::size_t i = 0; i < p->captures.size(); ++i) EXPECT_EQ(p->captures[i].fault_bit, i);
}

// --- Bad input: each a specific error ------------------------------------------------------

TEST(ResolveErrors, MissingBinaryAndNotElf) {
  EXPECT_ERROR((probe_request{"/nonexistent/bin", "f", {}}), "open /nonexistent/bin");
  EXPECT_ERROR((probe_request{WISP_SOURCE_DIR "/CMakeLists.txt", "f", {}}), "not an ELF file");
}

TEST(ResolveErrors, BinaryWithoutDwarf) {
  REQUIRE_TARGET("c_nodebug");
  EXPECT_ERROR(req("c_nodebug", "c_add", {arg("a")}), "has no DWARF debug info");
}

TEST(ResolveErrors, MissingSymbolListsSimilarOnes) {
  REQUIRE_TARGET("go_target");
  EXPECT_ERROR(req("go_target", "main.(*Checkout).Summ"), "not found", "main.(*Checkout).Sum");
  EXPECT_ERROR(req("c_O0", "no_such_function"), "symbol no_such_function not found");
  EXPECT_ERROR(req("c_O0", ""), "empty symbol name");
}

TEST(ResolveErrors, InlinedOnlyFunction) {
  REQUIRE_TARGET("c_O2");
  EXPECT_ERROR(req("c_O2", "c_inlined", {arg("v")}), "only inlined");
}

TEST(ResolveErrors, AmbiguousOverloadListsCandidates) {
  REQUIRE_TARGET("cpp_O0");
  EXPECT_ERROR(req("cpp_O0", "shop::cart::add", {arg("it")}), "ambiguous", "shop::cart::add(shop::item)",
               "shop::cart::add(shop::item const*, int)");
}

TEST(ResolveErrors, UnknownArgumentNamesTheArguments) {
  REQUIRE_TARGET("go_target");
  EXPECT_ERROR(req("go_target", "main.(*Checkout).Sum", {arg("x.Units")}), "no argument 'x'", "c, l, r");
  EXPECT_ERROR(req("cpp_O0", "shop::cart::total", {arg("extr")}), "no argument 'extr'", "this, extra");
}

TEST(ResolveErrors, UnknownMemberNamesTheMembers) {
  REQUIRE_TARGET("go_target");
  EXPECT_ERROR(req("go_target", "main.(*Checkout).Sum", {arg("l.Unit")}), "no member 'Unit'",
               "Units, Nanos, Currency");
  EXPECT_ERROR(req("go_target", "main.(*Checkout).Sum", {arg("c.Nme")}), "no member 'Nme'", "Name, Count");
  EXPECT_ERROR(req("c_O0", "c_point", {arg("pp.z")}), "no member 'z'", "x, y");
  EXPECT_ERROR(req("c_O0", "c_add", {arg("a.x")}), "has type int, which has no members");
}

TEST(ResolveErrors, EmptyAndMalformedExpressions) {
  REQUIRE_TARGET("c_O0");
  EXPECT_ERROR(req("c_O0", "c_add", {arg("")}), "empty ArgExpr");
  EXPECT_ERROR(req("c_O0", "c_add", {ret("")}), "empty RetExpr");
  EXPECT_ERROR(req("c_O0", "c_add", {arg("a..b")}), "malformed");
  EXPECT_ERROR(req("c_O0", "c_add", {ret("a")}), "malformed", "$0");
  EXPECT_ERROR(req("c_O0", "c_add", {{"", capture_request::kind::arg, "a"}}), "no column name");
}

TEST(ResolveErrors, ResultIndexOutOfRange) {
  REQUIRE_TARGET("go_target");
  EXPECT_ERROR(req("go_target", "main.(*Checkout).Sum", {ret("$2")}), "has 2 results");
  EXPECT_ERROR(req("c_O0", "c_add", {ret("$1")}), "has 1 result");
}

TEST(ResolveErrors, FloatingPointRegistersCannotBeRead) {
  REQUIRE_TARGET("go_target");
  EXPECT_ERROR(req("go_target", "main.Ratio", {arg("x")}), "x is passed in register xmm0");
  EXPECT_ERROR(req("go_target", "main.Ratio", {ret("$0")}), "$0 is passed in register xmm0");
  EXPECT_ERROR(req("c_O0", "c_scale", {arg("f")}), "f is passed in register xmm0");
  EXPECT_ERROR(req("c_O0", "c_scale", {ret("$0")}), "xmm0");
}

TEST(ResolveErrors, UnsupportedTypes) {
  REQUIRE_TARGET("go_target");
  EXPECT_ERROR(req("go_target", "main.Grid", {arg("a")}), "a has type [3]int64, which Wisp cannot capture");
}

TEST(ResolveErrors, TooManyCaptures) {
  REQUIRE_TARGET("go_target");
  std::vector<capture_request> ints, strings;
  for (int i = 0; i <= WISP_DT_MAX_OPS / 2; ++i)  // two ops each: over the limit
    ints.push_back({"c" + std::to_string(i), capture_request::kind::arg, "l.Units"});
  EXPECT_ERROR(req("go_target", "main.(*Checkout).Sum", ints), "too many captures", "ops");
  for (int i = 0; i < 9; ++i) strings.push_back({"s" + std::to_string(i), capture_request::kind::arg, "l.Currency"});
  EXPECT_ERROR(req("go_target", "main.(*Checkout).Sum", strings), "too many captures", "payload bytes");
}

}  // namespace
}  // namespace wisp::tracepoints
