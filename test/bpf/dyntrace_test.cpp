// Loads the generic dynamic-tracing program into the running kernel and attaches it to a real
// process (dyntrace_target.c) with hand-written fetch programs, checking every op against the
// values the target passed. The resolver that writes such programs from DWARF is tested in
// test/actors/tracepoints. Needs root and BTF (skipped otherwise).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bpf/dyntrace_loader.hpp"
#include "bpf/environment.hpp"

namespace wisp::bpf {
namespace {

using namespace std::chrono_literals;
constexpr int calls = 40;

/// The target, stopped before its calls: its functions' file offsets, read from what it printed
/// and from /proc/PID/maps.
class target_process {
 public:
  target_process() {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0)
      return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[1]);
      ::close(out[0]);
      std::string n = std::to_string(calls);
      ::execl(WISP_DYNTRACE_TARGET, WISP_DYNTRACE_TARGET, n.c_str(), nullptr);
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = ::fdopen(out[0], "r");
    char name[64];
    unsigned long long addr = 0;
    for (int i = 0; i < 3 && std::fscanf(stdout_, "%63s %llx", name, &addr) == 2; ++i)
      offsets_[name] = file_offset(addr);
  }
  ~target_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (stdout_)
      std::fclose(stdout_);
    if (stdin_ >= 0)
      ::close(stdin_);
  }
  int pid() const { return pid_; }
  std::uint64_t offset(const std::string& fn) const { return offsets_.at(fn); }
  bool ready() const { return offsets_.size() == 3; }

  /// Lets the target make its calls and waits for it to exit; returns its "done" line.
  std::string run() {
    (void)!::write(stdin_, "go\n", 3);
    char line[128] = {};
    while (std::fgets(line, sizeof line, stdout_) && std::strncmp(line, "done", 4) != 0) {
    }
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return line;
  }

 private:
  std::uint64_t file_offset(std::uint64_t addr) const {
    std::ifstream maps("/proc/" + std::to_string(pid_) + "/maps");
    std::string line;
    while (std::getline(maps, line)) {
      unsigned long long lo, hi, off;
      if (std::sscanf(line.c_str(), "%llx-%llx %*s %llx", &lo, &hi, &off) == 3 && addr >= lo &&
          addr < hi)
        return addr - lo + off;
    }
    return 0;
  }

  int pid_ = -1;
  int stdin_ = -1;
  FILE* stdout_ = nullptr;
  std::map<std::string, std::uint64_t> offsets_;
};

struct event {
  wisp_dt_event hdr;
  std::vector<std::uint8_t> payload;
  template <class T>
  T at(std::size_t off) const {
    T v{};
    std::memcpy(&v, payload.data() + off, sizeof v);
    return v;
  }
  std::string str(std::size_t off) const {
    auto n = at<std::uint16_t>(off);
    return {reinterpret_cast<const char*>(payload.data() + off + 2), n};
  }
};

wisp_dt_op op(wisp_dt_opcode code, std::uint8_t dst, std::uint8_t src, std::uint8_t size = 0,
              std::int32_t off = 0, std::uint16_t out = 0, std::uint16_t max = 0,
              std::uint8_t cap = 0) {
  return wisp_dt_make_op(code, dst, src, size, off, out, max, cap);
}

constexpr std::uint8_t rax = 0, rsi = 4, rdi = 5;

class dyntrace_test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root";
    if (!check_kernel_btf())
      GTEST_SKIP() << "no kernel BTF";
    auto l = dyntrace_loader::start();
    ASSERT_TRUE(l) << l.error_value().what;
    loader_ = std::move(l.value());
    ASSERT_TRUE(target_.ready()) << "the target did not print its addresses";
  }

  uprobe_link attach(std::uint32_t slot, wisp_dt_site site, const std::string& fn, int pid) {
    auto link = loader_->attach(slot, site, WISP_DYNTRACE_TARGET, target_.offset(fn), pid);
    EXPECT_TRUE(link) << link.error_value().what;
    return link ? std::move(link.value()) : uprobe_link{};
  }

  /// Runs the target's calls and collects the events of `slot` that arrive.
  std::vector<event> run_and_collect(std::uint32_t slot, std::size_t want) {
    EXPECT_NE(target_.run().find("done"), std::string::npos);
    std::vector<event> got;
    auto deadline = std::chrono::steady_clock::now() + 5s;
    dyntrace_sink sink = [&](const wisp_dt_event& h, std::span<const std::uint8_t> p) {
      if (h.slot == slot)
        got.push_back({h, {p.begin(), p.end()}});
    };
    while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
      auto n = loader_->poll(50, sink);
      EXPECT_TRUE(n) << n.error_value().what;
    }
    auto n = loader_->poll(0, sink);  // anything beyond `want` is a failure the caller sees
    EXPECT_TRUE(n);
    return got;
  }

  std::unique_ptr<dyntrace_loader> loader_;
  target_process target_;
};

TEST_F(dyntrace_test, arguments_return_value_and_latency_of_every_call) {
  wisp_dt_program p{};
  p.flags = WISP_DT_HAS_RETURN;
  p.payload_len = 24;
  p.entry[0] = op(WISP_DT_OP_REG, 0, rdi);
  p.entry[1] = op(WISP_DT_OP_STORE, 0, 0, 8, 0, 0);
  p.entry[2] = op(WISP_DT_OP_REG, 1, rsi);
  p.entry[3] = op(WISP_DT_OP_STORE, 0, 1, 8, 0, 8);
  p.n_entry = 4;
  p.ret[0] = op(WISP_DT_OP_REG, 2, rax);
  p.ret[1] = op(WISP_DT_OP_STORE, 0, 2, 8, 0, 16);
  p.n_return = 2;
  ASSERT_TRUE(loader_->set_program(3, p));
  auto entry = attach(3, WISP_DT_SITE_ENTRY, "dt_add", target_.pid());
  auto ret = attach(3, WISP_DT_SITE_URETPROBE, "dt_add", target_.pid());

  auto events = run_and_collect(3, calls);
  ASSERT_EQ(events.size(), std::size_t{calls});
  for (int i = 0; i < calls; ++i) {
    const auto& e = events[static_cast<std::size_t>(i)];
    EXPECT_EQ(e.at<long>(0), i);
    EXPECT_EQ(e.at<long>(8), 1000 + i);
    EXPECT_EQ(e.at<long>(16), 1000 + 2 * i) << "return value of call " << i;
    EXPECT_GT(e.hdr.return_ns, e.hdr.entry_ns);
    EXPECT_EQ(e.hdr.faults, 0U);
    EXPECT_EQ(e.hdr.goid, -1);
  }
  auto c = loader_->counters(3);
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)[WISP_DT_CNT_CALLS], std::uint64_t{calls});
  EXPECT_EQ((*c)[WISP_DT_CNT_EVENTS], std::uint64_t{calls});
  EXPECT_EQ((*c)[WISP_DT_CNT_UNMATCHED_RETURN], 0U);
}

TEST_F(dyntrace_test, strings_struct_members_through_pointers_and_faults) {
  // dt_greet(const char* who, const struct pair* p): who as a C string (NULL on every third
  // call), p->a, p->b, p->name copied whole and as b bytes; p is NULL on every fourth call.
  wisp_dt_program p{};
  p.payload_len = 34 + 8 + 4 + 16 + 18;
  int k = 0;
  p.entry[k++] = op(WISP_DT_OP_REG, 0, rdi);
  p.entry[k++] = op(WISP_DT_OP_STR, 0, 0, 0, 0, 0, 34, 0);
  p.entry[k++] = op(WISP_DT_OP_REG, 1, rsi);
  p.entry[k++] = op(WISP_DT_OP_LOAD, 2, 1, 8, 0, 0, 0, 1);
  p.entry[k++] = op(WISP_DT_OP_STORE, 0, 2, 8, 0, 34);
  p.entry[k++] = op(WISP_DT_OP_LOAD, 2, 1, 4, 8, 0, 0, 2);
  p.entry[k++] = op(WISP_DT_OP_STORE, 0, 2, 4, 0, 42);
  p.entry[k++] = op(WISP_DT_OP_COPY, 0, 1, 0, 12, 46, 16, 3);
  p.entry[k++] = op(WISP_DT_OP_LOAD, 3, 1, 4, 8, 0, 0, 4);
  p.entry[k++] = op(WISP_DT_OP_BYTES, 3, 1, 0, 12, 62, 18, 4);
  p.n_entry = static_cast<std::uint8_t>(k);
  ASSERT_TRUE(loader_->set_program(5, p));
  auto entry = attach(5, WISP_DT_SITE_ENTRY, "dt_greet", -1);  // every process

  auto events = run_and_collect(5, calls);
  ASSERT_EQ(events.size(), std::size_t{calls});
  for (int i = 0; i < calls; ++i) {
    const auto& e = events[static_cast<std::size_t>(i)];
    SCOPED_TRACE("call " + std::to_string(i));
    EXPECT_EQ(e.hdr.return_ns, 0U);
    EXPECT_EQ(e.str(0), i % 3 == 0 ? "" : "hello");
    if (i % 4 == 0) {
      EXPECT_EQ(e.hdr.faults, 0x1EU) << "reads through the NULL struct pointer fault";
      EXPECT_EQ(e.at<long>(34), 0);
      EXPECT_EQ(e.str(62), "");
      continue;
    }
    EXPECT_EQ(e.hdr.faults, 0U);
    std::string name = "name-" + std::to_string(i);
    EXPECT_EQ(e.at<long>(34), 7L * i);
    EXPECT_EQ(e.at<int>(42), i % 10);
    EXPECT_STREQ(reinterpret_cast<const char*>(e.payload.data() + 46), name.c_str());
    std::string name_field = name + std::string(16 - name.size(), '\0');  // zero-initialized
    EXPECT_EQ(e.str(62), name_field.substr(0, static_cast<std::size_t>(i % 10)));
  }
  auto c = loader_->counters(5);
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)[WISP_DT_CNT_FAULTS], std::uint64_t{(calls + 3) / 4});
}

TEST_F(dyntrace_test, latency_covers_the_call) {
  wisp_dt_program p{};
  p.flags = WISP_DT_HAS_RETURN;
  ASSERT_TRUE(loader_->set_program(7, p));
  auto entry = attach(7, WISP_DT_SITE_ENTRY, "dt_sleep", target_.pid());
  auto ret = attach(7, WISP_DT_SITE_URETPROBE, "dt_sleep", target_.pid());
  auto events = run_and_collect(7, 1);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_GE(events[0].hdr.return_ns - events[0].hdr.entry_ns, 20'000'000U)
      << "dt_sleep sleeps 20 ms";
}

TEST_F(dyntrace_test, another_pid_and_an_empty_slot_see_nothing) {
  wisp_dt_program p{};
  p.payload_len = 8;
  p.entry[0] = op(WISP_DT_OP_REG, 0, rdi);
  p.entry[1] = op(WISP_DT_OP_STORE, 0, 0, 8, 0, 0);
  p.n_entry = 2;
  ASSERT_TRUE(loader_->set_program(9, p));
  auto other = attach(9, WISP_DT_SITE_ENTRY, "dt_add", static_cast<int>(::getpid()));
  auto empty = attach(11, WISP_DT_SITE_ENTRY, "dt_greet", target_.pid());
  auto events = run_and_collect(9, 0);
  EXPECT_TRUE(events.empty()) << "attached to this test's pid, not the target's";
  auto c = loader_->counters(11);
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)[WISP_DT_CNT_NO_PROGRAM], std::uint64_t{calls});
}

TEST_F(dyntrace_test, bad_attach_and_bad_program_are_errors) {
  auto link = loader_->attach(1, WISP_DT_SITE_ENTRY, "/nonexistent/binary", 0x1000, -1);
  ASSERT_FALSE(link);
  EXPECT_NE(link.error_value().what.find("/nonexistent/binary"), std::string::npos);
  wisp_dt_program p{};
  p.payload_len = WISP_DT_PAYLOAD + 1;
  EXPECT_FALSE(loader_->set_program(1, p));
  EXPECT_FALSE(loader_->set_program(WISP_DT_MAX_SLOTS, wisp_dt_program{}));
}

}  // namespace
}  // namespace wisp::bpf
