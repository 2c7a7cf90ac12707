#pragma once
// Runs one bpftrace program as a child process and turns its printf output into rows.
//
// start() mounts tracefs if needed (bpf::ensure_tracefs), then starts
// `bpftrace -B none -f json -e <program.runnable_text()>` in its own process group, with stdout
// and stderr on non-blocking pipes. The owner (the tracepoint manager actor) either polls fds()
// itself and calls read_available(), or calls poll() with a timeout. State:
//   starting -> running   on the attach marker printed by BEGIN (program.hpp), or, when the
//                         program's BEGIN could not carry it, on bpftrace's attached_probes
//                         record; also on the first row
//   starting|running -> exited  when bpftrace ends with status 0 (the program called exit())
//   starting|running -> failed  otherwise; error_text() holds bpftrace's own messages from
//                         stderr (compile errors with their "stdin:LINE:COL" locations,
//                         attach errors), without its harmless RLIMIT_MEMLOCK notice
// stop() (and the destructor) ends the whole process group and reaps bpftrace; no zombie and no
// descriptor is left behind. One owner thread; not thread-safe.

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/sources/bpftrace/output.hpp"
#include "actors/sources/bpftrace/program.hpp"
#include "bpf/error.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::bpftrace {

struct runner_options {
  /// The bpftrace executable; empty: "bpftrace" found on PATH.
  std::string bpftrace_path;
  /// How long stop() lets bpftrace exit after SIGTERM before it sends SIGKILL.
  int stop_grace_ms = 2000;
};

enum class runner_state : std::uint8_t { starting, running, exited, failed };
std::string_view to_string(runner_state s);

struct runner_counters {
  std::uint64_t stdout_bytes = 0;
  std::uint64_t stderr_bytes = 0;
  std::uint64_t overlong_lines = 0;  // stdout lines over max_line_bytes, dropped (and counted bad)
};

/// Longest stdout line kept; bpftrace's printf records are far shorter.
inline constexpr std::size_t max_line_bytes = 1 << 20;
/// stderr kept for error_text(); the rest is counted only.
inline constexpr std::size_t max_stderr_bytes = 64 << 10;

class runner {
 public:
  /// Errors: tracefs missing and not mountable, bpftrace not found or not executable, the
  /// program too long for a command-line argument, pipe or spawn failures. A program bpftrace
  /// rejects is not an error here: the runner starts and then fails with bpftrace's text.
  [[nodiscard]] static bpf::expected<std::unique_ptr<runner>> start(const program& prog,
                                                                    const runner_options& opts);

  runner(const runner&) = delete;
  runner& operator=(const runner&) = delete;
  ~runner();

  /// stdout, stderr and a pidfd of bpftrace (-1 once closed): poll them for POLLIN, then call
  /// read_available().
  std::array<int, 3> fds() const { return {out_fd_, err_fd_, pid_fd_}; }

  /// Reads what is available without blocking, appends rows to `out` (which must have the
  /// program's columns, e.g. from make_batch()) and updates the state.
  runner_state read_available(schemas::row_batch& out);
  /// Waits up to timeout_ms for output or the end of bpftrace, then read_available().
  runner_state poll(int timeout_ms, schemas::row_batch& out);
  /// poll() until the state leaves `starting` or timeout_ms passed.
  runner_state wait_started(int timeout_ms, schemas::row_batch& out);

  /// Ends bpftrace's process group (SIGTERM, then SIGKILL after the grace time) and reaps it.
  /// Output still unread is dropped. Idempotent; the state becomes exited unless it had failed.
  void stop();

  runner_state state() const { return state_; }
  /// Why bpftrace failed (its stderr text), or empty.
  const std::string& error_text() const { return error_text_; }
  /// Everything bpftrace wrote to stderr so far (up to max_stderr_bytes), warnings included.
  const std::string& stderr_text() const { return stderr_; }
  pid_t pid() const { return pid_; }

  schemas::row_batch make_batch() const { return parser_.make_batch(); }
  const output_counters& output() const { return parser_.counters(); }
  const runner_counters& counters() const { return counters_; }
  const std::vector<bad_line>& first_bad_lines() const { return parser_.first_bad_lines(); }

 private:
  runner(const program& prog, const runner_options& opts);

  void read_stdout(schemas::row_batch& out);
  void read_stderr();
  void take_line(std::string_view line, schemas::row_batch& out);
  /// After bpftrace ended: kills what is left of its group, reaps it and sets the final state.
  void finish(bool stopped);
  void close_fds();
  bool reaped() const { return reaped_; }

  output_parser parser_;
  bool expects_marker_;
  runner_options opts_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int pid_fd_ = -1;
  runner_state state_ = runner_state::starting;
  std::string pending_;      // a partial stdout line
  bool dropping_line_ = false;  // inside an overlong line, up to its '\n'
  std::string stderr_;
  std::string error_text_;
  runner_counters counters_;
};

}  // namespace wisp::bpftrace
