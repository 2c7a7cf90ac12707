#include "ptrace_oracle.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace wisp::tracepoints::test {
namespace {

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t reg_value(const user_regs_struct& r, int reg) {
  switch (reg) {
    case 0: return r.rax;
    case 1: return r.rdx;
    case 2: return r.rcx;
    case 3: return r.rbx;
    case 4: return r.rsi;
    case 5: return r.rdi;
    case 6: return r.rbp;
    case 7: return r.rsp;
    case 8: return r.r8;
    case 9: return r.r9;
    case 10: return r.r10;
    case 11: return r.r11;
    case 12: return r.r12;
    case 13: return r.r13;
    case 14: return r.r14;
    case 15: return r.r15;
    case 16: return r.rip;
    default: return 0;
  }
}

// Reads up to n bytes; returns how many were read (a fault stops it).
std::size_t read_mem(pid_t pid, std::uint64_t addr, void* buf, std::size_t n) {
  if (n == 0) return 0;
  iovec local{buf, n};
  iovec remote{reinterpret_cast<void*>(addr), n};
  const ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  if (got == static_cast<ssize_t>(n)) return n;
  // A read that crosses into an unmapped page: take what precedes the fault, byte by byte.
  auto* out = static_cast<std::uint8_t*>(buf);
  std::size_t done = 0;
  for (; done < n; ++done) {
    iovec l{out + done, 1};
    iovec r{reinterpret_cast<void*>(addr + done), 1};
    if (process_vm_readv(pid, &l, 1, &r, 1, 0) != 1) break;
  }
  return done;
}

// Executes ops as bpf/dyntrace.h specifies. An error is a contract violation by the resolver.
expected<bool> execute(pid_t pid, const user_regs_struct& regs, const wisp_dt_op* ops, std::size_t n,
                       std::vector<std::uint8_t>& payload, __u64& faults) {
  std::uint64_t r[WISP_DT_REGS] = {};
  auto bad = [](const std::string& why) { return error{"invalid op: " + why}; };
  for (std::size_t i = 0; i < n; ++i) {
    const wisp_dt_op& o = ops[i];
    if (o.dst >= WISP_DT_REGS || (o.code != WISP_DT_OP_REG && o.src >= WISP_DT_REGS))
      return bad("register index out of range");
    if (o.cap >= 64) return bad("fault bit out of range");
    const std::uint64_t fault = 1ULL << o.cap;
    const auto fits = [&](std::size_t bytes) { return std::size_t{o.out} + bytes <= payload.size(); };
    switch (o.code) {
      case WISP_DT_OP_END: return true;
      case WISP_DT_OP_REG:
        if (o.src > 16) return bad("CPU register " + std::to_string(o.src));
        r[o.dst] = reg_value(regs, o.src);
        break;
      case WISP_DT_OP_ADD: r[o.dst] = r[o.src] + static_cast<std::uint64_t>(static_cast<std::int64_t>(o.off)); break;
      case WISP_DT_OP_LOAD: {
        if (o.size != 1 && o.size != 2 && o.size != 4 && o.size != 8) return bad("load size");
        std::uint64_t v = 0;
        if (read_mem(pid, r[o.src] + static_cast<std::uint64_t>(static_cast<std::int64_t>(o.off)), &v, o.size) != o.size) {
          v = 0;
          faults |= fault;
        }
        r[o.dst] = v;
        break;
      }
      case WISP_DT_OP_STORE:
        if (o.size < 1 || o.size > 8 || !fits(o.size)) return bad("store outside the payload");
        std::memcpy(payload.data() + o.out, &r[o.src], o.size);
        break;
      case WISP_DT_OP_COPY: {
        if (o.max > WISP_DT_MAX_COPY || !fits(o.max)) return bad("copy outside the payload");
        const auto addr = r[o.src] + static_cast<std::uint64_t>(static_cast<std::int64_t>(o.off));
        if (read_mem(pid, addr, payload.data() + o.out, o.max) != o.max) {
          std::memset(payload.data() + o.out, 0, o.max);
          faults |= fault;
        }
        break;
      }
      case WISP_DT_OP_STR:
      case WISP_DT_OP_BYTES: {
        if (o.max < 2 || o.max > WISP_DT_MAX_COPY || !fits(o.max)) return bad("string outside the payload");
        const auto addr = r[o.src] + static_cast<std::uint64_t>(static_cast<std::int64_t>(o.off));
        std::uint16_t len = 0;
        if (o.code == WISP_DT_OP_STR) {
          std::vector<char> buf(o.max - 2u);
          const std::size_t got = read_mem(pid, addr, buf.data(), buf.size());
          len = static_cast<std::uint16_t>(strnlen(buf.data(), got));
          if (got == 0) faults |= fault;
          std::memcpy(payload.data() + o.out + 2, buf.data(), len);
        } else {
          len = static_cast<std::uint16_t>(std::min<std::uint64_t>(r[o.dst], o.max - 2u));
          if (read_mem(pid, addr, payload.data() + o.out + 2, len) != len) {
            std::memset(payload.data() + o.out + 2, 0, len);
            len = 0;
            faults |= fault;
          }
        }
        std::memcpy(payload.data() + o.out, &len, sizeof len);
        break;
      }
      default: return bad("opcode " + std::to_string(o.code));
    }
  }
  return true;
}

// The runtime address of a file offset of `binary` in the process (an executable mapping).
expected<std::uint64_t> runtime_address(pid_t pid, const std::string& binary, std::uint64_t file_offset) {
  char real[PATH_MAX];
  if (realpath(binary.c_str(), real) == nullptr) return error{"realpath " + binary};
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms, off, dev, inode, path;
    in >> range >> perms >> off >> dev >> inode >> path;
    if (path != real || perms.find('x') == std::string::npos) continue;
    const std::uint64_t start = std::stoull(range.substr(0, range.find('-')), nullptr, 16);
    const std::uint64_t end = std::stoull(range.substr(range.find('-') + 1), nullptr, 16);
    const std::uint64_t moff = std::stoull(off, nullptr, 16);
    if (file_offset >= moff && file_offset < moff + (end - start)) return start + (file_offset - moff);
  }
  return error{"file offset not mapped executable in the target"};
}

enum class bp_kind { entry, ret_insn, return_address };

constexpr std::uint8_t int3 = 0xCC;

struct breakpoint {
  bp_kind kind;
  std::uint8_t saved = 0;  // the original byte
  int refs = 1;    // return-address breakpoints: calls waiting on it
};

class tracer {
 public:
  tracer(pid_t pid, const resolved_probe& p) : pid_(pid), probe_(p) {}

  bool insert(std::uint64_t addr, bp_kind kind) {
    if (auto it = bps_.find(addr); it != bps_.end()) {
      ++it->second.refs;
      return true;
    }
    auto original = peek_byte(addr);
    if (!original || !poke_byte(addr, int3)) return false;
    bps_[addr] = {kind, *original, 1};
    return true;
  }

  void remove(std::uint64_t addr) {
    auto it = bps_.find(addr);
    if (it == bps_.end() || --it->second.refs > 0) return;
    poke_byte(addr, it->second.saved);
    bps_.erase(it);
  }

  // Handles a SIGTRAP of thread `tid`; false if it was not one of our breakpoints.
  expected<bool> on_trap(pid_t tid) {
    user_regs_struct regs{};
    if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0) return error{"PTRACE_GETREGS"};
    const std::uint64_t addr = regs.rip - 1;
    auto it = bps_.find(addr);
    if (it == bps_.end()) return false;
    regs.rip = addr;  // as a uprobe sees it: at the instruction
    const bp_kind kind = it->second.kind;
    auto handled = kind == bp_kind::entry ? on_entry(tid, regs) : on_return(tid, regs, kind);
    if (!handled) return handled;
    // Step over the original instruction, then put the breakpoint back (if still wanted).
    auto again = bps_.find(addr);
    const bool keep = again != bps_.end();
    if (keep) poke_byte(addr, again->second.saved);
    ptrace(PTRACE_SETREGS, tid, nullptr, &regs);
    if (keep) {
      ptrace(PTRACE_SINGLESTEP, tid, nullptr, nullptr);
      int st = 0;
      waitpid(tid, &st, __WALL);
      poke_byte(addr, int3);
    }
    return true;
  }

  std::vector<oracle_event> events;

 private:
  // Byte-wise text access: neighbouring breakpoints (a RET right before a jump target's RET)
  // share a word, so a word written back must be the current one with one byte changed.
  std::optional<std::uint8_t> peek_byte(std::uint64_t addr) {
    errno = 0;
    const long word = ptrace(PTRACE_PEEKTEXT, pid_, addr, nullptr);
    if (errno != 0) return std::nullopt;
    return static_cast<std::uint8_t>(word & 0xff);
  }
  bool poke_byte(std::uint64_t addr, std::uint8_t byte) {
    errno = 0;
    const long word = ptrace(PTRACE_PEEKTEXT, pid_, addr, nullptr);
    if (errno != 0) return false;
    return ptrace(PTRACE_POKETEXT, pid_, addr, (word & ~0xffL) | byte) == 0;
  }

  expected<bool> on_entry(pid_t tid, const user_regs_struct& regs) {
    const auto& prog = probe_.program;
    oracle_event ev;
    ev.payload.assign(prog.payload_len, 0);
    ev.header.tgid = static_cast<std::uint32_t>(pid_);
    ev.header.tid = static_cast<std::uint32_t>(tid);
    ev.header.payload_len = prog.payload_len;
    ev.header.goid = -1;
    if ((prog.flags & WISP_DT_IS_GO) != 0) {
      std::int64_t goid = -1;
      if (read_mem(pid_, regs.r14 + prog.goid_offset, &goid, sizeof goid) == sizeof goid) ev.header.goid = goid;
    }
    ev.header.entry_ns = now_ns();
    auto ok = execute(pid_, regs, prog.entry, prog.n_entry, ev.payload, ev.header.faults);
    if (!ok) return ok;
    if ((prog.flags & WISP_DT_HAS_RETURN) == 0) {
      events.push_back(std::move(ev));
      return true;
    }
    std::uint64_t key = regs.rsp;  // Go: a RET runs with the entry's sp
    if (probe_.uretprobe) {
      std::uint64_t ret_addr = 0;
      if (read_mem(pid_, regs.rsp, &ret_addr, sizeof ret_addr) != sizeof ret_addr) return error{"read return address"};
      if (!insert(ret_addr, bp_kind::return_address)) return error{"insert return breakpoint"};
      key = regs.rsp + 8;  // after the return
    }
    pending_[key] = std::move(ev);
    return true;
  }

  expected<bool> on_return(pid_t, const user_regs_struct& regs, bp_kind kind) {
    std::uint64_t key = regs.rsp;
    if (kind == bp_kind::return_address) {
      // A uretprobe fires after the return: the breakpoint is the instruction after the call.
      remove(regs.rip);
    }
    auto it = pending_.find(key);
    if (it == pending_.end()) return true;  // a return of a call entered before we attached
    oracle_event ev = std::move(it->second);
    pending_.erase(it);
    const auto& prog = probe_.program;
    auto ok = execute(pid_, regs, prog.ret, prog.n_return, ev.payload, ev.header.faults);
    if (!ok) return ok;
    ev.header.return_ns = now_ns();
    events.push_back(std::move(ev));
    return true;
  }

  pid_t pid_;
  const resolved_probe& probe_;
  std::map<std::uint64_t, breakpoint> bps_;
  std::map<std::uint64_t, oracle_event> pending_;
};

void drain(int fd, std::string& out) {
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

expected<oracle_run> run_traced(const resolved_probe& probe, const std::vector<std::string>& argv) {
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return error{"pipe"};
  const pid_t pid = fork();
  if (pid < 0) return error{"fork"};
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out_pipe[1]);
  fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  oracle_run run;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) return error{"target did not stop at exec"};
  ptrace(PTRACE_SETOPTIONS, pid, nullptr, PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL);

  tracer t(pid, probe);
  auto fail = [&](const std::string& why) {
    kill(pid, SIGKILL);
    while (waitpid(-1, &status, __WALL) > 0) {
    }
    close(out_pipe[0]);
    return error{why};
  };
  auto entry = runtime_address(pid, probe.binary, probe.entry_offset);
  if (!entry) return fail(entry.error_value().what);
  if (!t.insert(*entry, bp_kind::entry)) return fail("insert entry breakpoint");
  for (auto off : probe.ret_offsets) {
    auto a = runtime_address(pid, probe.binary, off);
    if (!a || !t.insert(*a, bp_kind::ret_insn)) return fail("insert RET breakpoint");
  }
  ptrace(PTRACE_CONT, pid, nullptr, nullptr);
  for (;;) {
    const pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) break;
    drain(out_pipe[0], run.output);
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (tid == pid) {
        run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    const int sig = WSTOPSIG(status);
    int deliver = 0;
    if (sig == SIGTRAP && (status >> 16) == 0) {
      auto handled = t.on_trap(tid);
      if (!handled) return fail(handled.error_value().what);
    } else if (sig != SIGTRAP && sig != SIGSTOP) {
      deliver = sig;  // the target's own signals (Go's SIGURG preemption, ...)
    }
    ptrace(PTRACE_CONT, tid, nullptr, deliver);
  }
  drain(out_pipe[0], run.output);
  close(out_pipe[0]);
  run.events = std::move(t.events);
  return run;
}

}  // namespace wisp::tracepoints::test
