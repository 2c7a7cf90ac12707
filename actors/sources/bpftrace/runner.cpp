#include "actors/sources/bpftrace/runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "bpf/tracefs.hpp"

extern char** environ;

namespace wisp::bpftrace {

std::string_view to_string(runner_state s) {
  switch (s) {
    case runner_state::starting: return "starting";
    case runner_state::running: return "running";
    case runner_state::exited: return "exited";
    case runner_state::failed: return "failed";
  }
  return "unknown";
}

namespace {

// The kernel's limit for one argv string (MAX_ARG_STRLEN, 32 pages), NUL included.
constexpr std::size_t max_program_bytes = 32 * 4096 - 1;
constexpr std::size_t read_chunk = 64 << 10;
// read_available() returns after this much stdout so that its caller stays responsive; the
// descriptor stays readable and the rest comes with the next call.
constexpr std::size_t max_bytes_per_read = 4 << 20;
constexpr std::string_view default_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// stop() repeats its SIGTERM this often until bpftrace has ended.
constexpr long stop_resend_ms = 100;
// bpftrace prints this on stderr at every start when it cannot raise RLIMIT_MEMLOCK; kernels
// since 5.11 account BPF memory to the cgroup instead, so it changes nothing.
constexpr std::string_view memlock_notice = "RLIMIT_MEMLOCK";

bpf::error sys_error(std::string what) {
  const int e = errno;
  return {std::move(what) + ": " + std::strerror(e), e};
}

bool executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string find_on_path(std::string_view name) {
  const char* env = std::getenv("PATH");
  std::string_view dirs = env != nullptr && *env != '\0' ? env : default_path;
  while (!dirs.empty()) {
    const std::size_t colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
    if (dir.empty()) continue;
    std::string candidate = std::string{dir} + "/" + std::string{name};
    if (executable_file(candidate)) return candidate;
  }
  return {};
}

/// stderr without bpftrace's RLIMIT_MEMLOCK notice and without trailing blank lines.
std::string failure_text(std::string_view err) {
  std::string out;
  while (!err.empty()) {
    const std::size_t nl = err.find('\n');
    const std::string_view line = err.substr(0, nl);
    err = nl == std::string_view::npos ? std::string_view{} : err.substr(nl + 1);
    if (line.find(memlock_notice) != std::string_view::npos) continue;
    out.append(line);
    out.push_back('\n');
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

/// True once bpftrace has ended (it is not reaped: WNOWAIT).
bool has_ended(pid_t pid, int pid_fd) {
  if (pid_fd >= 0) {
    pollfd p{pid_fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

int open_pidfd(pid_t pid) {
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  return static_cast<int>(fd);
}

struct pipe_pair {
  int read = -1;
  int write = -1;
};

bpf::expected<pipe_pair> make_pipe(const char* name) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return sys_error(std::string{"create the "} + name + " pipe");
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  return pipe_pair{fds[0], fds[1]};
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

/// One read from a non-blocking pipe: the bytes read, or 0 when nothing is there now or the
/// pipe has ended (end of file or a read error; then `fd` is closed and set to -1).
std::size_t read_pipe(int& fd, char* buf, std::size_t size) {
  for (;;) {
    const ssize_t n = ::read(fd, buf, size);
    if (n > 0) return static_cast<std::size_t>(n);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return 0;
    close_fd(fd);
    return 0;
  }
}

}  // namespace

runner::runner(const program& prog, const runner_options& opts)
    : parser_(prog.format(), realtime_offset_ns()),
      expects_marker_(prog.prints_attach_marker()),
      opts_(opts) {}

runner::~runner() { stop(); }

bpf::expected<std::unique_ptr<runner>> runner::start(const program& prog,
                                                     const runner_options& opts) {
  auto tracefs = bpf::ensure_tracefs();
  if (!tracefs) return tracefs.error_value();
  const std::string path =
      opts.bpftrace_path.empty() ? find_on_path("bpftrace") : opts.bpftrace_path;
  if (path.empty())
    return bpf::error{"find bpftrace: not on PATH (install the bpftrace package)", ENOENT};
  if (!executable_file(path))
    return bpf::error{"run " + path + ": not an executable file", ENOENT};
  const std::string text = prog.runnable_text();
  if (text.size() > max_program_bytes)
    return bpf::error{"run bpftrace: the program has " + std::to_string(text.size()) +
                          " bytes, more than one argument may hold (" +
                          std::to_string(max_program_bytes) + ")",
                      E2BIG};

  auto out = make_pipe("stdout");
  if (!out) return out.error_value();
  auto err = make_pipe("stderr");
  if (!err) {
    ::close(out->read);
    ::close(out->write);
    return err.error_value();
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out->write, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err->write, STDERR_FILENO);
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so that stop() reaches anything bpftrace starts; default signal
  // handling and an empty mask whatever the agent set for itself.
  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);

  std::string arg_path = path;
  std::string args[] = {"-B", "none", "-f", "json", "-e"};
  std::string arg_text = text;
  char* argv[] = {arg_path.data(), args[0].data(), args[1].data(), args[2].data(),
                  args[3].data(), args[4].data(), arg_text.data(), nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, path.c_str(), &actions, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out->write);
  ::close(err->write);
  if (rc != 0) {
    ::close(out->read);
    ::close(err->read);
    errno = rc;
    return sys_error("start " + path);
  }

  std::unique_ptr<runner> r{new runner(prog, opts)};
  r->pid_ = pid;
  r->out_fd_ = out->read;
  r->err_fd_ = err->read;
  r->pid_fd_ = open_pidfd(pid);
  return r;
}

runner_state runner::read_available(schemas::row_batch& out) {
  if (reaped()) return state_;
  read_stdout(out);
  read_stderr();
  if (has_ended(pid_, pid_fd_)) {
    // Its output is complete now (at most a pipe buffer each): take it before judging how it
    // ended. One more read each, not a loop: a process it started may still hold the pipes.
    read_stdout(out);
    read_stderr();
    finish(false);
  }
  return state_;
}

runner_state runner::poll(int timeout_ms, schemas::row_batch& out) {
  if (reaped()) return state_;
  pollfd fds[3];
  nfds_t n = 0;
  for (int fd : {out_fd_, err_fd_, pid_fd_})
    if (fd >= 0) fds[n++] = {fd, POLLIN, 0};
  // Only a wait: whatever woke it (or an EINTR), read_available() looks at every source.
  (void)::poll(fds, n, timeout_ms);
  return read_available(out);
}

runner_state runner::wait_started(int timeout_ms, schemas::row_batch& out) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (state_ == runner_state::starting) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    poll(static_cast<int>(left.count()), out);
  }
  return state_;
}

void runner::stop() {
  if (reaped()) return;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.stop_grace_ms);
  while (!has_ended(pid_, pid_fd_)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    // Sent again each round: bpftrace seems to act on it only between waits for events, so a
    // signal landing just before such a wait went unseen until an event came (measured: about
    // one stop in two ran into the grace time with a single SIGTERM).
    ::kill(-pid_, SIGTERM);
    pollfd p{pid_fd_, POLLIN, 0};
    (void)::poll(&p, pid_fd_ >= 0 ? 1 : 0,
                 static_cast<int>(std::min<long>(left.count(), stop_resend_ms)));
  }
  finish(true);
}

void runner::read_stdout(schemas::row_batch& out) {
  char buf[read_chunk];
  std::size_t taken = 0;
  while (out_fd_ >= 0 && taken < max_bytes_per_read) {
    const std::size_t n = read_pipe(out_fd_, buf, sizeof buf);
    if (n == 0) break;
    taken += n;
    counters_.stdout_bytes += n;
    std::string_view chunk{buf, n};
    while (!chunk.empty()) {
      const std::size_t nl = chunk.find('\n');
      const std::string_view piece = chunk.substr(0, nl);
      if (!dropping_line_) {
        if (pending_.size() + piece.size() > max_line_bytes) {
          ++counters_.overlong_lines;
          pending_.clear();
          dropping_line_ = true;
        } else {
          pending_.append(piece);
        }
      }
      if (nl == std::string_view::npos) break;
      if (!dropping_line_) take_line(pending_, out);
      pending_.clear();
      dropping_line_ = false;
      chunk.remove_prefix(nl + 1);
    }
  }
  if (out_fd_ < 0 && !pending_.empty() && !dropping_line_) {
    take_line(pending_, out);
    pending_.clear();
  }
}

void runner::read_stderr() {
  char buf[read_chunk];
  while (err_fd_ >= 0) {
    const std::size_t n = read_pipe(err_fd_, buf, sizeof buf);
    if (n == 0) return;
    counters_.stderr_bytes += n;
    const std::size_t room = max_stderr_bytes - std::min(max_stderr_bytes, stderr_.size());
    stderr_.append(buf, std::min(room, n));
  }
}

void runner::take_line(std::string_view line, schemas::row_batch& out) {
  const line_kind kind = parser_.consume_line(line, out);
  if (state_ != runner_state::starting) return;
  if (kind == line_kind::attach_marker || kind == line_kind::row ||
      (kind == line_kind::attached && !expects_marker_))
    state_ = runner_state::running;
}

void runner::finish(bool stopped) {
  // The leader is not reaped yet, so its process group id cannot have been reused: whatever
  // bpftrace left in it goes now.
  ::kill(-pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  close_fds();
  if (stopped) {
    if (state_ != runner_state::failed) state_ = runner_state::exited;
    return;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    state_ = runner_state::exited;
    return;
  }
  state_ = runner_state::failed;
  error_text_ = failure_text(stderr_);
  if (error_text_.empty()) {
    error_text_ = WIFSIGNALED(status)
                      ? "bpftrace was killed by signal " + std::to_string(WTERMSIG(status))
                      : "bpftrace exited with status " + std::to_string(WEXITSTATUS(status));
  }
}

void runner::close_fds() {
  close_fd(out_fd_);
  close_fd(err_fd_);
  close_fd(pid_fd_);
}

}  // namespace wisp::bpftrace
