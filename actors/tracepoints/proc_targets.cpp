#include "actors/tracepoints/proc_targets.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace wisp::tracepoints {

namespace {

using kind = pxl::trace_target::kind;

std::string exe_of(std::int32_t pid, const std::string& root) {
  std::error_code ec;
  auto p = std::filesystem::read_symlink(root + "/" + std::to_string(pid) + "/exe", ec);
  return ec ? std::string{} : p.string();
}

std::vector<std::int32_t> all_pids(const std::string& root) {
  std::vector<std::int32_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
    const auto name = e.path().filename().string();
    char* end = nullptr;
    long pid = std::strtol(name.c_str(), &end, 10);
    if (end != name.c_str() && *end == '\0' && pid > 0) out.push_back(static_cast<std::int32_t>(pid));
  }
  return out;
}

std::optional<traced_process> process(std::int32_t pid, const std::string& root) {
  auto ticks = process_start_ticks(pid, root);
  if (!ticks) return std::nullopt;
  auto exe = exe_of(pid, root);
  if (exe.empty()) return std::nullopt;  // a kernel thread, or gone
  // Attach through /proc/PID/root so that a process in another mount namespace (a container)
  // is traced in its own file; for host processes it is the same file.
  return traced_process{pid, *ticks, root + "/" + std::to_string(pid) + "/root" + exe};
}

/// The mapped file of `pid` whose name is `lib` or starts with `lib` followed by '.' or '-'
/// ("libssl" matches /usr/lib/x86_64-linux-gnu/libssl.so.3).
std::optional<std::string> mapped_library(std::int32_t pid, const std::string& lib, const std::string& root) {
  std::ifstream maps(root + "/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    std::string base = path.substr(path.rfind('/') + 1);
    if (base == lib || (base.starts_with(lib) && base.size() > lib.size() &&
                        (base[lib.size()] == '.' || base[lib.size()] == '-')))
      return path;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::uint64_t> process_start_ticks(std::int32_t pid, const std::string& root) {
  std::ifstream f(root + "/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(f, text)) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  constexpr int start_time_index = 19;  // field 22 counted from field 3 (state)
  for (int i = 0; i <= start_time_index; ++i)
    if (!(rest >> field)) return std::nullopt;
  char* end = nullptr;
  auto v = std::strtoull(field.c_str(), &end, 10);
  if (end == field.c_str()) return std::nullopt;
  return v;
}

bpf::expected<std::vector<traced_process>> select_processes(const pxl::trace_target& t, std::uint32_t asid,
                                                            const std::string& root) {
  std::vector<traced_process> out;
  switch (t.what) {
    case kind::process_pid:
      if (auto p = process(static_cast<std::int32_t>(t.pid), root)) out.push_back(std::move(*p));
      return out;
    case kind::process_exe: {
      struct stat want{};
      if (::stat(t.exe.c_str(), &want) != 0)
        return bpf::error{"no executable " + t.exe + ": " + std::strerror(errno), errno};
      for (auto pid : all_pids(root)) {
        struct stat got{};
        if (::stat((root + "/" + std::to_string(pid) + "/exe").c_str(), &got) != 0) continue;
        if (got.st_dev != want.st_dev || got.st_ino != want.st_ino) continue;
        if (auto p = process(pid, root)) out.push_back(std::move(*p));
      }
      return out;
    }
    case kind::upid:
    case kind::shared_object: {
      if ((t.upid.high >> 32) != asid)
        return bpf::error{"the UPID belongs to agent " + std::to_string(t.upid.high >> 32) +
                              ", not to this one (" + std::to_string(asid) + ")",
                          EINVAL};
      auto pid = static_cast<std::int32_t>(t.upid.high & 0xffffffffU);
      auto p = process(pid, root);
      if (!p || p->start_ticks != t.upid.low) return out;  // gone (or the pid was reused)
      if (t.what == kind::shared_object) {
        auto lib = mapped_library(pid, t.shared_object, root);
        if (!lib)
          return bpf::error{"process " + std::to_string(pid) + " maps no shared object '" +
                                t.shared_object + "'",
                            ENOENT};
        p->binary = root + "/" + std::to_string(pid) + "/root" + *lib;
      }
      out.push_back(std::move(*p));
      return out;
    }
    case kind::pod_process:
    case kind::label_selector:
      return bpf::error{"pxtrace." + pxl::to_string(t) + " needs Kubernetes metadata, which this standalone node does not have; "
                                      "use pxtrace.Process(pid=N) or pxtrace.Process(exe='/path')",
                        ENOTSUP};
    case kind::kernel:
      return bpf::error{"pxtrace.kprobe() selects no process: it is the target of bpftrace programs", EINVAL};
  }
  return out;
}

}  // namespace wisp::tracepoints
