// bpftrace programs as table sources: which printfs are found, the columns their format gives,
// and a located error for every kind of program that cannot be one. The programs follow the
// column lists of Pixie's bundled scripts (facts §2.9); their text is written for these tests.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "actors/sources/bpftrace/program.hpp"
#include "actors/sources/bpftrace/scanner.hpp"

namespace wisp::bpftrace {
namespace {

using schemas::data_type;

struct column_case {
  std::string name;
  data_type type;
};

struct program_case {
  const char* label;
  std::string text;
  std::vector<column_case> columns;
};

const data_type i64 = data_type::int64;
const data_type str = data_type::string;
const data_type t64 = data_type::time64ns;

std::vector<program_case> good_programs() {
  return {
      {"exec_snoop",
       R"bt(#include <linux/sched.h>

tracepoint:syscalls:sys_enter_execve,
tracepoint:syscalls:sys_enter_execveat
{
  $task = (struct task_struct *)curtask;
  printf("time_:%llu pid:%d pid_start_time:%llu ppid:%d ppid_start_time:%llu filename:%s argv0:%s argv1:%s",
         nsecs, pid, $task->group_leader->start_time / 10000000,
         $task->parent->pid, $task->parent->group_leader->start_time / 10000000,
         str(args->filename), str(args->argv[0]), str(args->argv[1]));
}
)bt",
       {{"time_", t64},
        {"pid", i64},
        {"pid_start_time", i64},
        {"ppid", i64},
        {"ppid_start_time", i64},
        {"filename", str},
        {"argv0", str},
        {"argv1", str}}},
      {"nap_time",
       R"bt(tracepoint:syscalls:sys_enter_nanosleep
/ pid != 1 /
{
  $task = (struct task_struct *)curtask;
  printf("time_:%llu ppid:%d pcomm:%s pid:%d comm:%s",
    nsecs, $task->real_parent->pid, $task->real_parent->comm, pid, comm);
}
)bt",
       {{"time_", t64}, {"ppid", i64}, {"pcomm", str}, {"pid", i64}, {"comm", str}}},
      {"tcp_drops: BEGIN map of strings, comments, one printf",
       R"bt(// Comments may mention printf("not:%d", a call) without it counting.
/* Neither does a block comment: printf("x:%s y:%s", 1, 2) */
#include <net/sock.h>
BEGIN
{
  @tcp_states[1] = "ESTABLISHED";  // a string that is not a format
  @tcp_states[10] = "LISTEN";
}

tracepoint:skb:kfree_skb
{
  $sk = ((struct sk_buff *) args->skbaddr)->sk;
  $state = $sk->__sk_common.skc_state;
  printf("time_:%llu pid:%u pid_start_time:%llu src_ip:%s src_port:%d dst_ip:%s dst_port:%d state:%s",
    nsecs, pid, 0,
    ntop($sk->__sk_common.skc_rcv_saddr), $sk->__sk_common.skc_num,
    ntop($sk->__sk_common.skc_daddr), ($sk->__sk_common.skc_dport >> 8),
    @tcp_states[$state]);
}
)bt",
       {{"time_", t64},
        {"pid", i64},
        {"pid_start_time", i64},
        {"src_ip", str},
        {"src_port", i64},
        {"dst_ip", str},
        {"dst_port", i64},
        {"state", str}}},
      {"sync_snoop: the same printf in several probes",
       R"bt(tracepoint:syscalls:sys_enter_sync { printf("time_:%llu pid:%d comm:%s event:%s", nsecs, pid, comm, "sync"); }
tracepoint:syscalls:sys_enter_syncfs { printf("time_:%llu pid:%d comm:%s event:%s", nsecs, pid, comm, "syncfs"); }
tracepoint:syscalls:sys_enter_fsync { printf("time_:%llu pid:%d comm:%s event:%s", nsecs, pid, comm, probe); }
)bt",
       {{"time_", t64}, {"pid", i64}, {"comm", str}, {"event", str}}},
      {"socket_size with nested parentheses and a ternary in the arguments",
       R"bt(tracepoint:sock:inet_sock_set_state
{
  printf("time_:%llu tid:%d ssock:%llu src_ip:%s lport:%d dst_ip:%s dst_port:%d size:%d\n",
    nsecs, tid, (uint64)args->skaddr, ntop(args->family, args->saddr), args->sport,
    ntop(args->family, args->daddr), args->dport, (args->newstate == 1 ? (int64)(1 + (2 * 3)) : 0));
}
)bt",
       {{"time_", t64},
        {"tid", i64},
        {"ssock", i64},
        {"src_ip", str},
        {"lport", i64},
        {"dst_ip", str},
        {"dst_port", i64},
        {"size", i64}}},
      {"unnamed specifiers become Column_<i>, words without '%' are ignored",
       R"bt(BEGIN { printf("pid %d is %s, x:%x :%p ptr=%p\n", pid, comm, 1, 2, 3); })bt",
       {{"Column_0", i64}, {"Column_1", str}, {"x", i64}, {"Column_3", i64}, {"Column_4", i64}}},
      {"every conversion, length and padding bpftrace accepts",
       R"bt(BEGIN { printf("a:%-8d b:%05u c:%lx d:%llX e:%o f:%hhu g:%zd h:%10s i:%.3s j:%c k:%r",
   1, 2, 3, 4, 5, 6, 7, "x", "y", 65, buf("z", 1)); })bt",
       {{"a", i64},
        {"b", i64},
        {"c", i64},
        {"d", i64},
        {"e", i64},
        {"f", i64},
        {"g", i64},
        {"h", str},
        {"i", str},
        {"j", str},
        {"k", str}}},
      {"escapes in the format and in other strings",
       R"bt(BEGIN { printf("a:%d\tb:%s \"q\" \x41\101 c:%s\n", 1, "\"x\", \\", "(y)"); })bt",
       {{"a", i64}, {"b", str}, {"c", str}}},
      {"@printf and ->printf are not calls",
       R"bt(BEGIN { @printf = 1; $printf = 2; } tracepoint:a:b { $x = args->printf; printf("v:%d", @printf); })bt",
       {{"v", i64}}},
  };
}

TEST(BpftraceProgram, ColumnsOfPrograms) {
  for (const auto& c : good_programs()) {
    SCOPED_TRACE(c.label);
    auto p = program::parse(c.text);
    ASSERT_TRUE(p.has_value()) << to_string(p.error_value());
    const auto rel = p->relation();
    ASSERT_EQ(rel.columns.size(), c.columns.size());
    for (std::size_t i = 0; i < c.columns.size(); ++i) {
      EXPECT_EQ(rel.columns[i].name, c.columns[i].name) << "column " << i;
      EXPECT_EQ(rel.columns[i].type, c.columns[i].type) << "column " << i;
    }
    EXPECT_EQ(p->format().literals.size(), c.columns.size() + 1);
  }
}

TEST(BpftraceProgram, FormatKeepsLiteralsAndSpecifiers) {
  auto p = program::parse(R"bt(BEGIN { printf("t:%-6d| s:%10s|\n", 1, "x"); })bt");
  ASSERT_TRUE(p.has_value()) << to_string(p.error_value());
  const auto& f = p->format();
  EXPECT_EQ(f.text, "t:%-6d| s:%10s|\n");
  EXPECT_EQ(f.literals, (std::vector<std::string>{"t:", "| s:", "|\n"}));
  ASSERT_EQ(f.columns.size(), 2u);
  EXPECT_EQ(f.columns[0].spec.conv, conversion::signed_decimal);
  EXPECT_TRUE(f.columns[0].spec.left_justify);
  EXPECT_EQ(f.columns[0].spec.width, 6u);
  EXPECT_EQ(f.columns[1].spec.conv, conversion::string);
  EXPECT_FALSE(f.columns[1].spec.left_justify);
  EXPECT_EQ(f.columns[1].spec.width, 10u);
  EXPECT_EQ(f.columns[0].at, (source_pos{1, 19}));
  EXPECT_EQ(f.columns[1].at, (source_pos{1, 27}));
}

struct error_case {
  const char* label;
  std::string text;
  source_pos at;
};

std::vector<error_case> bad_programs() {
  return {
      {"no printf", "tracepoint:a:b { @x = count(); }", {1, 1}},
      {"printf only in a comment", "// printf(\"a:%d\", 1)\nBEGIN { }", {1, 1}},
      {"second format differs (a different name)",
       "BEGIN { printf(\"a:%d\", 1); }\ntracepoint:a:b {\n  printf(\"b:%d\", 2); }",
       {3, 10}},
      {"third format differs (a trailing newline)",
       "a:b { printf(\"a:%d\", 1); }\nc:d { printf(\"a:%d\", 1); }\ne:f { printf(\"a:%d\\n\", 1); }",
       {3, 14}},
      {"more arguments than specifiers", "BEGIN {\n  printf(\"a:%d b:%d\", 1, 2, 3); }", {2, 3}},
      {"fewer arguments than specifiers", "BEGIN { printf(\"a:%d b:%d\", 1); }", {1, 9}},
      {"argument count differs in the second printf",
       "a:b { printf(\"a:%d\", 1); }\n  c:d { printf(\"a:%d\"); }",
       {2, 9}},
      {"format without specifiers", "BEGIN { printf(\"hello\\n\"); }", {1, 17}},
      {"name with a dash", "BEGIN { printf(\"src-ip:%s\", \"x\"); }", {1, 20}},
      {"name with a dot after an escape", "BEGIN { printf(\"\\ta.b:%d\", 1); }", {1, 20}},
      {"name starting with a digit", "BEGIN { printf(\"ok:%d 9lives:%d\", 1, 2); }", {1, 23}},
      {"duplicate column", "BEGIN { printf(\"pid:%d x:%s pid:%d\", 1, \"a\", 2); }", {1, 33}},
      {"explicit name colliding with an unnamed column",
       "BEGIN { printf(\"%d Column_0:%d\", 1, 2); }",
       {1, 29}},
      {"time_ as a string", "BEGIN { printf(\"time_:%s\", \"x\"); }", {1, 23}},
      {"two specifiers in one word", "BEGIN { printf(\"a:%d/%d\", 1, 2); }", {1, 22}},
      {"unsupported conversion %f", "BEGIN { printf(\"a:%f\", 1); }", {1, 19}},
      {"unsupported conversion %i", "BEGIN { printf(\"a:%i\", 1); }", {1, 19}},
      {"literal %%", "BEGIN { printf(\"a:%d 100%%\", 1); }", {1, 25}},
      {"flag +", "BEGIN { printf(\"a:%+d\", 1); }", {1, 20}},
      {"format ends inside a specifier", "BEGIN { printf(\"a:%ll\", 1); }", {1, 19}},
      {"NUL byte in the format", "BEGIN { printf(\"a:%d\\0b:%d\", 1, 2); }", {1, 21}},
      {"format is not a string literal", "BEGIN { $f = \"a:%d\"; printf($f, 1); }", {1, 29}},
      {"unterminated string", "BEGIN { printf(\"a:%d, 1); }\n", {1, 16}},
      {"unterminated block comment", "BEGIN { /* printf(\"a:%d\", 1); }", {1, 9}},
      {"invalid escape", "BEGIN { printf(\"a:%d\\q\", 1); }", {1, 21}},
      {"unclosed printf call, caught at the block's '}'", "BEGIN { printf(\"a:%d\", (1 + 2); }", {1, 33}},
      {"unterminated printf call at the end", "BEGIN { printf(\"a:%d\", 1", {1, 9}},
      {"empty argument", "BEGIN { printf(\"a:%d b:%d\", 1, , 2); }", {1, 30}},
      {"mismatched bracket in an argument", "BEGIN { printf(\"a:%d\", @x[1)); }", {1, 28}},
      {"garbage between format and arguments", "BEGIN { printf(\"a:%d\" 1); }", {1, 23}},
  };
}

TEST(BpftraceProgram, LocatedErrors) {
  for (const auto& c : bad_programs()) {
    SCOPED_TRACE(c.label);
    auto p = program::parse(c.text);
    ASSERT_FALSE(p.has_value());
    EXPECT_EQ(p.error_value().at, c.at) << to_string(p.error_value());
    EXPECT_FALSE(p.error_value().message.empty());
  }
}

TEST(BpftraceProgram, ErrorText) {
  auto p = program::parse("BEGIN { printf(\"a:%f\", 1); }");
  ASSERT_FALSE(p.has_value());
  // The located form the user sees: "line:col: message".
  EXPECT_EQ(to_string(p.error_value()).substr(0, 5), "1:19:");
}

TEST(BpftraceScanner, ArgumentsAndPositions) {
  auto o = scan_program(
      "a:b { printf(\"x:%d y:%s\",\n   f(1, (2)), str(\"a,b)\") /* , */); }\nBEGIN\n{ }");
  ASSERT_TRUE(o.has_value()) << to_string(o.error_value());
  ASSERT_EQ(o->printfs.size(), 1u);
  const auto& call = o->printfs.front();
  EXPECT_EQ(call.at, (source_pos{1, 7}));
  EXPECT_EQ(call.format_at, (source_pos{1, 14}));
  EXPECT_EQ(call.args, (std::vector<std::string>{"f(1, (2))", "str(\"a,b)\") /* , */"}));
  EXPECT_EQ(call.arg_pos, (std::vector<source_pos>{{2, 4}, {2, 15}}));
  EXPECT_EQ(call.format_pos.size(), call.format.size() + 1);
  EXPECT_TRUE(o->has_begin);
  ASSERT_TRUE(o->begin_body.has_value());
}

TEST(BpftraceProgram, RunnableTextPrintsTheMarkerFirstInBegin) {
  const std::string with_begin = "BEGIN\n{\n  @n = 1;\n}\na:b { printf(\"v:%d\", 1); }\n";
  auto p = program::parse(with_begin);
  ASSERT_TRUE(p.has_value()) << to_string(p.error_value());
  EXPECT_TRUE(p->prints_attach_marker());
  const std::string run = p->runnable_text();
  const std::size_t marker = run.find(std::string{attach_marker});
  ASSERT_NE(marker, std::string::npos);
  EXPECT_LT(run.find('{'), marker);
  EXPECT_LT(marker, run.find("@n = 1"));
  // The user's lines keep their numbers: bpftrace's error locations still point at them.
  EXPECT_EQ(run.substr(run.find("@n")), with_begin.substr(with_begin.find("@n")));
  auto outline = scan_program(run);
  ASSERT_TRUE(outline.has_value());
  EXPECT_EQ(outline->printfs.size(), 2u);
}

TEST(BpftraceProgram, RunnableTextAppendsBeginWhenMissing) {
  const std::string text = "a:b { printf(\"v:%d\", 1); } // no newline at the end";
  auto p = program::parse(text);
  ASSERT_TRUE(p.has_value()) << to_string(p.error_value());
  const std::string run = p->runnable_text();
  EXPECT_EQ(run.substr(0, text.size()), text);
  EXPECT_EQ(run[text.size()], '\n');
  auto outline = scan_program(run);
  ASSERT_TRUE(outline.has_value());
  EXPECT_TRUE(outline->has_begin);
  ASSERT_EQ(outline->printfs.size(), 2u);
  EXPECT_EQ(outline->printfs[1].format, std::string{attach_marker} + "\n");
}

TEST(BpftraceProgram, UnrecognisedBeginFormIsLeftAlone) {
  const std::string text = "BEGIN, a:b { printf(\"v:%d\", 1); }";
  auto p = program::parse(text);
  ASSERT_TRUE(p.has_value()) << to_string(p.error_value());
  EXPECT_FALSE(p->prints_attach_marker());
  EXPECT_EQ(p->runnable_text(), text);
}

}  // namespace
}  // namespace wisp::bpftrace
