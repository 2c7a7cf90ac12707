#include "actors/tracepoints/resolve.hpp"

#include "actors/tracepoints/abi_go.hpp"
#include "actors/tracepoints/abi_sysv.hpp"
#include "actors/tracepoints/dwarf_function.hpp"
#include "actors/tracepoints/elf_symbols.hpp"
#include "actors/tracepoints/expr.hpp"
#include "actors/tracepoints/fetch_codegen.hpp"
#include "actors/tracepoints/ret_sites.hpp"

namespace wisp::tracepoints {
namespace {

constexpr std::size_t max_captures = 64;  // bits of wisp_dt_event.faults

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

struct located {
  value_loc where;
  type_ref type;
};

// The root of a capture: an argument by name, or a result by index.
expected<located> root_of(const capture_path& path, const function_info& fn, const frame_locations& frame) {
  if (path.result) {
    const bool go = fn.lang == language::go;
    if (!go && !fn.return_type) return error{fn.name + " returns void: there is no $" + std::to_string(path.result_index)};
    const std::size_t n = go ? fn.results.size() : 1;
    if (path.result_index >= n)
      return error{"$" + std::to_string(path.result_index) + ": " + fn.name + " has " + std::to_string(n) +
                   (n == 1 ? " result ($0)" : " results ($0..$" + std::to_string(n - 1) + ")")};
    const auto& type = go ? fn.results[path.result_index].type : fn.return_type;
    if (!type) return error{"result $" + std::to_string(path.result_index) + " has no type in DWARF"};
    return located{frame.results[path.result_index], *type};
  }
  std::vector<std::string> names;
  for (std::size_t i = 0; i < fn.params.size(); ++i) {
    if (fn.params[i].name == path.root) return located{frame.params[i], *fn.params[i].type};
    if (!fn.params[i].name.empty()) names.push_back(fn.params[i].name);
  }
  return error{fn.name + " has no argument '" + path.root + "'; its arguments: " + join_names(names)};
}

// Follows `.member` steps through values, pointers and references.
expected<located> walk(located at, const capture_path& path, std::string what) {
  for (const auto& name : path.members) {
    while (at.type.kind == type_kind::pointer || at.type.kind == type_kind::reference) {
      auto target = target_of(at.type);
      if (!target) return error{what + " points to an untyped value (void*); it has no member '" + name + "'"};
      auto v = deref(at.where, what);
      if (!v) return v.error_value();
      at = {std::move(*v), *target};
    }
    if (at.type.kind != type_kind::structure)
      return error{what + " has type " + at.type.name + ", which has no members (no '" + name + "')"};
    auto m = find_member(at.type, name);
    if (!m) {
      std::vector<std::string> names;
      for (const auto& mm : members(at.type)) names.push_back(mm.name);
      return error{what + " (" + at.type.name + ") has no member '" + name + "'; its members: " + join_names(names)};
    }
    at = {at.where.part(m->offset, m->type.size), m->type};
    what += "." + name;
  }
  return at;
}

std::string describe_path(const capture_path& p) {
  std::string s = p.result ? "$" + std::to_string(p.result_index) : p.root;
  for (const auto& m : p.members) s += "." + m;
  return s;
}

}  // namespace

expected<resolved_probe> resolve(const probe_request& request) {
  auto elf = elf_file::open(request.binary);
  if (!elf) return elf.error_value();
  auto dwarf = dwarf_info::open(*elf);
  if (!dwarf) return dwarf.error_value();
  auto sym = find_function(*elf, request.symbol);
  if (!sym) {
    if (is_inlined_only(*dwarf, request.symbol))
      return error{"function " + request.symbol + " is only inlined in " + request.binary +
                   ": it has no out-of-line instance to attach to"};
    return sym.error_value();
  }
  auto fn = function_at(*dwarf, sym->addr, request.symbol);
  if (!fn) return fn.error_value();
  auto frame = fn->lang == language::go ? go_frame(*fn) : sysv_frame(*fn);
  if (!frame) return frame.error_value();
  if (request.captures.size() > max_captures)
    return error{"too many captures: " + std::to_string(request.captures.size()) + ", at most " +
                 std::to_string(max_captures)};

  resolved_probe out;
  out.binary = request.binary;
  out.symbol = sym->demangled;
  out.lang = fn->lang;
  auto entry = elf->file_offset(sym->addr);
  if (!entry) return entry.error_value();
  out.entry_offset = *entry;

  fetch_codegen code;
  bool has_return = false;
  for (std::size_t i = 0; i < request.captures.size(); ++i) {
    const auto& c = request.captures[i];
    const auto bit = static_cast<std::uint8_t>(i);
    const std::string label = "capture '" + c.column + "': ";
    if (c.column.empty()) return error{"capture " + std::to_string(i) + " has no column name"};
    if (c.what == capture_request::kind::latency) {
      has_return = true;
      out.captures.push_back(code.latency(c.column, bit));
      continue;
    }
    const bool is_ret = c.what == capture_request::kind::ret;
    auto path = parse_capture(c.expr, is_ret);
    if (!path) return error{label + path.error_value().what};
    auto root = root_of(*path, *fn, *frame);
    if (!root) return error{label + root.error_value().what};
    const std::string what = path->result ? "$" + std::to_string(path->result_index) : path->root;
    auto leaf = walk(std::move(*root), *path, what);
    if (!leaf) return error{label + leaf.error_value().what};
    has_return = has_return || is_ret;
    auto layout = code.capture(c.column, describe_path(*path), leaf->where, leaf->type,
                               is_ret ? site::ret : site::entry, bit);
    if (!layout) return error{label + layout.error_value().what};
    out.captures.push_back(std::move(*layout));
  }

  std::uint32_t flags = has_return ? WISP_DT_HAS_RETURN : 0;
  std::uint32_t goid_offset = 0;
  if (fn->lang == language::go) {
    flags |= WISP_DT_IS_GO | WISP_DT_KEY_GOID;
    auto goid = go_goid_offset(*dwarf);
    if (!goid) return goid.error_value();
    goid_offset = *goid;
    if (has_return) {
      const std::uint64_t size = fn->high_pc > fn->low_pc ? fn->high_pc - fn->low_pc : sym->size;
      auto code_bytes = elf->bytes(sym->addr, size);
      if (!code_bytes) return code_bytes.error_value();
      auto rets = find_ret_instructions(*code_bytes, sym->addr);
      if (!rets) return error{request.symbol + ": " + rets.error_value().what};
      if (rets->empty()) return error{request.symbol + " has no RET instruction: its returns cannot be probed"};
      for (auto a : *rets) {
        auto off = elf->file_offset(a);
        if (!off) return off.error_value();
        out.ret_offsets.push_back(*off);
      }
    }
  } else {
    out.uretprobe = has_return;
  }
  auto program = code.program(flags, goid_offset);
  if (!program) return program.error_value();
  out.program = *program;
  return out;
}

}  // namespace wisp::tracepoints
