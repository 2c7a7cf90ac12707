// Runs Debian's bpftrace on the running kernel: rows from a syscall tracepoint that this test
// triggers a known number of times, bpftrace's own compile and attach errors, and a stop() that
// leaves no process and no descriptor. Needs root and bpftrace; skipped (never passed) otherwise.
#include <dirent.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <set>
#include <string>

#include "actors/sources/bpftrace/runner.hpp"

namespace wisp::bpftrace {
namespace {

constexpr int start_timeout_ms = 30'000;
constexpr int row_timeout_ms = 10'000;
constexpr int poll_ms = 50;

std::int64_t wall_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::size_t open_fds() {
  std::size_t n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return 0;
  while (readdir(d) != nullptr) ++n;
  closedir(d);
  return n;
}

bool process_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

class BpftraceRunner : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to run bpftrace";
    if (::access("/usr/bin/bpftrace", X_OK) != 0 && ::system("command -v bpftrace >/dev/null") != 0)
      GTEST_SKIP() << "bpftrace is not installed (apt-get install bpftrace)";
  }

  static program parse(const std::string& text) {
    auto p = program::parse(text);
    EXPECT_TRUE(p.has_value()) << (p.has_value() ? "" : to_string(p.error_value()));
    return std::move(*p);
  }

  static std::unique_ptr<runner> start(const program& p) {
    auto r = runner::start(p, {});
    EXPECT_TRUE(r.has_value()) << (r.has_value() ? "" : r.error_value().what);
    return r.has_value() ? std::move(*r) : nullptr;
  }
};

TEST_F(BpftraceRunner, RowsOfKnownNanosleepCalls) {
  // No pid filter in the program: other processes' nanosleeps may arrive too, and the test
  // must find exactly its own among them.
  const program p = parse(R"bt(
tracepoint:syscalls:sys_enter_nanosleep
{
  printf("time_:%llu pid:%d tid:%d comm:%s nsec:%lld",
         nsecs, pid, tid, comm, ((struct __kernel_timespec *)args->rqtp)->tv_nsec);
}
)bt");
  auto r = start(p);
  ASSERT_NE(r, nullptr);
  auto batch = r->make_batch();
  ASSERT_EQ(r->wait_started(start_timeout_ms, batch), runner_state::running)
      << to_string(r->state()) << ": " << r->error_text();

  constexpr int calls = 7;
  std::set<std::int64_t> sent;
  const std::int64_t before = wall_ns();
  for (int i = 0; i < calls; ++i) {
    timespec ts{0, 1000 + i};  // distinct 1 µs sleeps, made as the raw syscall (glibc would
    sent.insert(ts.tv_nsec);   // use clock_nanosleep)
    ASSERT_EQ(::syscall(SYS_nanosleep, &ts, nullptr), 0);
  }
  const std::int64_t after = wall_ns();

  const pid_t self = ::getpid();
  auto own_rows = [&] {
    std::size_t n = 0;
    for (std::size_t i = 0; i < batch.num_rows(); ++i) n += batch.columns[1].ints()[i] == self;
    return n;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(row_timeout_ms);
  while (own_rows() < calls && std::chrono::steady_clock::now() < deadline)
    ASSERT_EQ(r->poll(poll_ms, batch), runner_state::running) << r->error_text();
  // bpftrace writes each event as it reads it; a few more polls would show any extra row.
  for (int i = 0; i < 4; ++i) (void)r->poll(poll_ms, batch);
  ASSERT_EQ(own_rows(), static_cast<std::size_t>(calls));

  std::string comm;
  std::getline(std::ifstream{"/proc/self/comm"}, comm);
  std::set<std::int64_t> seen;
  for (std::size_t i = 0; i < batch.num_rows(); ++i) {
    if (batch.columns[1].ints()[i] != self) continue;
    const std::int64_t t = batch.columns[0].ints()[i];
    // Monotonic-to-wall conversion is exact up to the offset's measurement (microseconds).
    EXPECT_GE(t, before - 5'000'000);
    EXPECT_LE(t, after + 5'000'000);
    EXPECT_EQ(batch.columns[2].ints()[i], static_cast<std::int64_t>(::gettid()));
    EXPECT_EQ(batch.columns[3].strings().at(i), comm);
    seen.insert(batch.columns[4].ints()[i]);
  }
  EXPECT_EQ(seen, sent);
  EXPECT_EQ(r->output().bad_lines, 0u) << r->first_bad_lines().front().text;
  EXPECT_EQ(r->output().rows, batch.num_rows());
  EXPECT_GT(r->counters().stdout_bytes, 0u);
  EXPECT_EQ(r->output().attached_probes, 2u);  // the tracepoint and the runner's BEGIN
  EXPECT_TRUE(schemas::matches(batch, p.relation()));
  r->stop();
  EXPECT_EQ(r->state(), runner_state::exited);
}

TEST_F(BpftraceRunner, ProgramThatExitsByItself) {
  const program p = parse(R"bt(BEGIN
{
  printf("n:%d s:%s\n", 41, "first row");
  printf("n:%d s:%s\n", 42, "second row");
  exit();
}
)bt");
  auto r = start(p);
  ASSERT_NE(r, nullptr);
  auto batch = r->make_batch();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(start_timeout_ms);
  while (r->state() == runner_state::starting || r->state() == runner_state::running) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    r->poll(poll_ms, batch);
  }
  EXPECT_EQ(r->state(), runner_state::exited) << r->error_text();
  ASSERT_EQ(batch.num_rows(), 2u);
  EXPECT_EQ(batch.columns[0].ints()[0], 41);
  EXPECT_EQ(batch.columns[1].strings().at(1), "second row");
  EXPECT_TRUE(process_gone(r->pid()));
}

TEST_F(BpftraceRunner, CompileErrorsAreBpftracesOwnText) {
  struct compile_error {
    const char* label;
    std::string text;
    std::string location;  // bpftrace's location in the user's program, passed through
    std::string words;
  };
  const compile_error cases[] = {
      {"syntax error", "tracepoint:syscalls:sys_enter_getpid\n{\n  printf(\"a:%d\", pid) +;\n}\n",
       "stdin:3:", "syntax error"},
      {"unknown tracepoint",
       "tracepoint:syscalls:sys_enter_no_such_call { printf(\"a:%d\", pid); }", "stdin:1:",
       "sys_enter_no_such_call"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto r = start(parse(c.text));
    ASSERT_NE(r, nullptr);
    auto batch = r->make_batch();
    EXPECT_EQ(r->wait_started(start_timeout_ms, batch), runner_state::failed);
    const std::string& err = r->error_text();
    EXPECT_NE(err.find(c.location), std::string::npos) << err;
    EXPECT_NE(err.find(c.words), std::string::npos) << err;
    EXPECT_EQ(err.find("RLIMIT_MEMLOCK"), std::string::npos) << err;
    EXPECT_EQ(batch.num_rows(), 0u);
    EXPECT_TRUE(process_gone(r->pid()));
  }
}

TEST_F(BpftraceRunner, AttachFailureIsNeverReportedRunning) {
  // bpftrace prints "Attaching 2 probes..." and only then fails to attach the kprobe: the
  // runner waits for BEGIN's marker, which bpftrace runs after every probe attached.
  if (::access("/sys/kernel/tracing/kprobe_events", F_OK) == 0)
    GTEST_SKIP() << "this kernel has kprobes; the attach failure needs a kernel without";
  const program p = parse("kprobe:do_nanosleep { printf(\"a:%d\", pid); }");
  auto r = start(p);
  ASSERT_NE(r, nullptr);
  auto batch = r->make_batch();
  EXPECT_EQ(r->wait_started(start_timeout_ms, batch), runner_state::failed);
  EXPECT_EQ(r->output().attached_probes, 2u);
  EXPECT_NE(r->error_text().find("kprobe:do_nanosleep"), std::string::npos) << r->error_text();
}

TEST_F(BpftraceRunner, StopLeavesNoProcessAndNoDescriptor) {
  const std::size_t fds_before = open_fds();
  const program p = parse("tracepoint:syscalls:sys_enter_getppid { printf(\"a:%d\", pid); }");
  pid_t pid = -1;
  {
    auto r = start(p);
    ASSERT_NE(r, nullptr);
    pid = r->pid();
    auto batch = r->make_batch();
    ASSERT_EQ(r->wait_started(start_timeout_ms, batch), runner_state::running) << r->error_text();
    EXPECT_GT(open_fds(), fds_before);
    r->stop();
    EXPECT_TRUE(process_gone(pid));
    EXPECT_EQ(r->fds(), (std::array<int, 3>{-1, -1, -1}));
    EXPECT_EQ(r->state(), runner_state::exited);
    r->stop();  // idempotent
  }
  EXPECT_EQ(open_fds(), fds_before);

  // The destructor alone does the same.
  {
    auto r = start(p);
    ASSERT_NE(r, nullptr);
    pid = r->pid();
    auto batch = r->make_batch();
    ASSERT_EQ(r->wait_started(start_timeout_ms, batch), runner_state::running) << r->error_text();
  }
  EXPECT_TRUE(process_gone(pid));
  EXPECT_EQ(open_fds(), fds_before);
}

TEST_F(BpftraceRunner, MissingExecutableIsAnError) {
  const program p = parse("BEGIN { printf(\"a:%d\", 1); }");
  auto r = runner::start(p, {.bpftrace_path = "/nonexistent/bpftrace"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error_value().errno_value, ENOENT);
}

}  // namespace
}  // namespace wisp::bpftrace
