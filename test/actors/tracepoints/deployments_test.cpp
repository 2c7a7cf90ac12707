// The tracepoint manager's logic without actors (actors/tracepoints/deployments): the tracepoint
// limit, table versions on a changed definition, the event-rate cap, TTL expiry and delete, with
// real bpftrace programs on a syscall tracepoint (no process target needed) and a uprobe target
// that matches no process. Needs root and bpftrace (skipped otherwise).
#include "actors/tracepoints/deployments.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

namespace wisp::tracepoints {
namespace {

using namespace std::chrono_literals;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Tables as the manager actor would keep them: created names, renames, rows appended.
struct recorded_tables {
  std::map<std::string, schemas::relation> tables;
  std::vector<std::pair<std::string, std::string>> renamed;  // (name, old version's name)
  std::map<std::string, std::size_t> rows;

  table_sink sink() {
    return {[this](const std::string& name, const schemas::relation& rel, const std::optional<std::string>& old) {
              if (old) {
                renamed.emplace_back(name, *old);
                tables[*old] = tables[name];
                rows[*old] = rows[name];
                rows[name] = 0;
              }
              tables[name] = rel;
            },
            [this](const std::string& name, schemas::row_batch b) { rows[name] += b.num_rows(); }};
  }
};

/// A bpftrace tracepoint that prints this test's getpid() calls.
pxl::tracepoint_mutation getpid_tracepoint(std::string name, std::string table, std::string column = "pid") {
  pxl::tracepoint_mutation m;
  m.name = std::move(name);
  m.table = std::move(table);
  m.ttl_ns = 60'000'000'000;
  m.programs.push_back({"tracepoint:syscalls:sys_enter_getpid /pid == " + std::to_string(::getpid()) +
                            "/ { printf(\"" + column + ":%d\\n\", pid); }",
                        "", "", ""});
  return m;
}

class deployments_test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (::access("/usr/bin/bpftrace", X_OK) != 0) GTEST_SKIP() << "bpftrace is not installed";
  }

  /// Polls until the upsert of `name` has an outcome.
  upsert_result wait_started(deployments& d, const std::string& name) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      for (auto& [n, r] : d.poll())
        if (n == name) return r;
      std::this_thread::sleep_for(50ms);
    }
    return {upsert_result::kind::failed, "timed out", ""};
  }

  static void call_getpid(int n) {
    for (int i = 0; i < n; ++i) (void)::syscall(SYS_getpid);
  }

  recorded_tables tables_;
};

TEST_F(deployments_test, the_tracepoint_limit_is_an_error_naming_it) {
  deployment_options o;
  o.max_tracepoints = 1;
  deployments d{o, tables_.sink()};
  auto first = d.upsert(getpid_tracepoint("one", "t1"), now_ns());
  ASSERT_EQ(first.what, upsert_result::kind::starting) << first.error;
  auto second = d.upsert(getpid_tracepoint("two", "t2"), now_ns());
  EXPECT_EQ(second.what, upsert_result::kind::failed);
  EXPECT_NE(second.error.find("the most this agent runs at once"), std::string::npos) << second.error;
  EXPECT_EQ(wait_started(d, "one").what, upsert_result::kind::done);
}

TEST_F(deployments_test, rows_arrive_and_a_changed_definition_makes_a_new_table_version) {
  deployments d{{}, tables_.sink()};
  ASSERT_EQ(d.upsert(getpid_tracepoint("tp", "pids"), now_ns()).what, upsert_result::kind::starting);
  ASSERT_EQ(wait_started(d, "tp").what, upsert_result::kind::done);
  call_getpid(5);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (tables_.rows["pids"] < 5 && std::chrono::steady_clock::now() < deadline) {
    (void)d.poll();
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(tables_.rows["pids"], 5U);

  // The same definition: nothing new. Another column name: a new version of "pids".
  EXPECT_EQ(d.upsert(getpid_tracepoint("tp", "pids"), now_ns()).what, upsert_result::kind::done);
  EXPECT_TRUE(tables_.renamed.empty());
  ASSERT_EQ(d.upsert(getpid_tracepoint("tp", "pids", "process"), now_ns()).what, upsert_result::kind::starting);
  ASSERT_EQ(wait_started(d, "tp").what, upsert_result::kind::done);
  ASSERT_EQ(tables_.renamed.size(), 1U);
  EXPECT_EQ(tables_.renamed[0], (std::pair<std::string, std::string>{"pids", "pids_v1"}));
  EXPECT_EQ(tables_.tables["pids"].columns.at(0).name, "process");
  EXPECT_EQ(tables_.tables["pids_v1"].columns.at(0).name, "pid");
  EXPECT_EQ(tables_.rows["pids_v1"], 5U);
}

TEST_F(deployments_test, over_the_event_rate_cap_the_tracepoint_is_detached_and_failed) {
  deployment_options o;
  o.max_events_per_second = 50;
  deployments d{o, tables_.sink()};
  auto start = now_ns();
  ASSERT_EQ(d.upsert(getpid_tracepoint("busy", "busy"), start).what, upsert_result::kind::starting);
  ASSERT_EQ(wait_started(d, "busy").what, upsert_result::kind::done);
  call_getpid(2000);
  std::this_thread::sleep_for(300ms);
  (void)d.poll();
  d.tick(start + 1'000'000'000);
  auto s = d.status();
  ASSERT_EQ(s.size(), 1U);
  EXPECT_EQ(s[0].state, tracepoint_state::failed);
  EXPECT_NE(s[0].message.find("over the cap of 50 events/s"), std::string::npos) << s[0].message;
}

TEST_F(deployments_test, ttl_expiry_and_delete) {
  deployments d{{}, tables_.sink()};
  auto m = getpid_tracepoint("short", "short");
  m.ttl_ns = 1'000'000'000;
  auto start = now_ns();
  ASSERT_EQ(d.upsert(m, start).what, upsert_result::kind::starting);
  ASSERT_EQ(wait_started(d, "short").what, upsert_result::kind::done);
  d.tick(start + 2'000'000'000);
  ASSERT_EQ(d.status().at(0).state, tracepoint_state::terminated);
  EXPECT_EQ(d.status().at(0).message, "TTL expired");
  EXPECT_EQ(d.remove("short"), "");
  EXPECT_TRUE(d.status().empty());
  EXPECT_NE(d.remove("short").find("no tracepoint named 'short'"), std::string::npos);
}

// A TTL longer than the clock can count (ttl='2500000h' and beyond) never ends, rather than
// wrapping round into the past and expiring at the next tick.
TEST_F(deployments_test, a_ttl_too_long_to_add_never_expires) {
  deployments d{{}, tables_.sink()};
  auto m = getpid_tracepoint("long", "long");
  m.ttl_ns = std::numeric_limits<std::int64_t>::max() - 1;
  auto start = now_ns();
  ASSERT_EQ(d.upsert(m, start).what, upsert_result::kind::starting);
  ASSERT_EQ(wait_started(d, "long").what, upsert_result::kind::done);
  d.tick(start + 3'600'000'000'000);
  EXPECT_EQ(d.status().at(0).state, tracepoint_state::running) << d.status().at(0).message;
  EXPECT_EQ(d.status().at(0).expires_ns, std::numeric_limits<std::int64_t>::max());
}

TEST_F(deployments_test, a_probe_whose_target_matches_no_process_fails_and_holds_nothing) {
  deployments d{{}, tables_.sink()};
  pxl::tracepoint_mutation m;
  m.name = "nobody";
  m.table = "nobody";
  m.symbol = "main";
  m.outputs.push_back({"x", pxl::trace_output::kind::latency, "", {}});
  m.target.what = pxl::trace_target::kind::process_exe;
  m.target.exe = "/bin/true";  // never running long enough to be found
  m.ttl_ns = 60'000'000'000;
  auto r = d.upsert(m, now_ns());
  EXPECT_EQ(r.what, upsert_result::kind::failed);
  EXPECT_NE(r.error.find("matches no running process"), std::string::npos) << r.error;
  ASSERT_EQ(d.status().size(), 1U);
  EXPECT_EQ(d.status()[0].state, tracepoint_state::failed);
  EXPECT_EQ(d.status()[0].processes, 0U);
  EXPECT_TRUE(tables_.tables.empty()) << "no table for a tracepoint that never ran";
}

}  // namespace
}  // namespace wisp::tracepoints
