// Reading bpftrace's output back: printf texts walked against their format (literals, integers
// of every conversion, padding, strings with spaces), the -f json records bpftrace prints, and
// lines that do not parse (counted and kept, never a crash).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "actors/sources/bpftrace/output.hpp"
#include "actors/sources/bpftrace/program.hpp"

namespace wisp::bpftrace {
namespace {

constexpr std::int64_t offset = 1'700'000'000'000'000'000;  // any wall-clock offset

printf_format format_of(const std::string& fmt, std::size_t args) {
  std::string text = "BEGIN { printf(\"" + fmt + "\"";
  for (std::size_t i = 0; i < args; ++i) text += ", 0";
  text += "); }";
  auto p = program::parse(text);
  EXPECT_TRUE(p.has_value()) << (p.has_value() ? "" : to_string(p.error_value()));
  return p->format();
}

struct parsed {
  output_parser parser;
  schemas::row_batch batch;
  explicit parsed(const printf_format& f) : parser(f, offset), batch(parser.make_batch()) {}
  bool take(std::string_view text) { return parser.consume_printf(text, batch); }
  std::int64_t i(std::size_t col, std::size_t row = 0) const {
    return batch.columns[col].ints()[row];
  }
  std::string s(std::size_t col, std::size_t row = 0) const {
    return std::string{batch.columns[col].strings().at(row)};
  }
};

TEST(BpftraceOutput, TypedValuesAndTime) {
  parsed p{format_of("time_:%llu pid:%d comm:%s", 3)};
  ASSERT_TRUE(p.take("time_:123456789 pid:4242 comm:bash"));
  EXPECT_EQ(p.i(0), 123456789 + offset);
  EXPECT_EQ(p.i(1), 4242);
  EXPECT_EQ(p.s(2), "bash");
  EXPECT_TRUE(schemas::matches(p.batch, to_relation(p.parser.format())));
  EXPECT_EQ(p.parser.counters().rows, 1u);
}

TEST(BpftraceOutput, TrailingNewlineIsPartOfTheFormat) {
  parsed p{format_of("x:%d\\n", 1)};
  EXPECT_TRUE(p.take("x:-7\n"));
  EXPECT_FALSE(p.take("x:-7"));
  EXPECT_EQ(p.i(0), -7);
}

TEST(BpftraceOutput, StringsWithSpacesEndAtTheNextLiteral) {
  parsed p{format_of("comm:%s pid:%d file:%s", 3)};
  ASSERT_TRUE(p.take("comm:my prog pid:5 file:/tmp/a b c"));
  EXPECT_EQ(p.s(0), "my prog");
  EXPECT_EQ(p.i(1), 5);
  EXPECT_EQ(p.s(2), "/tmp/a b c");
  ASSERT_TRUE(p.take("comm: pid:6 file:"));
  EXPECT_EQ(p.s(0, 1), "");
  EXPECT_EQ(p.s(2, 1), "");
}

TEST(BpftraceOutput, AStringMayHoldItsNextLiteralWhenOnlyOneSplitParses) {
  parsed p{format_of("a:%s b:%d", 2)};
  // " b:" appears twice; only the second split leaves an integer for b.
  ASSERT_TRUE(p.take("a:x b:y b:7"));
  EXPECT_EQ(p.s(0), "x b:y");
  EXPECT_EQ(p.i(1), 7);
}

TEST(BpftraceOutput, WhenSeveralSplitsParseTheEarliestWins) {
  parsed p{format_of("a:%s b:%s", 2)};
  ASSERT_TRUE(p.take("a:x b:y b:z"));
  EXPECT_EQ(p.s(0), "x");
  EXPECT_EQ(p.s(1), "y b:z");
}

TEST(BpftraceOutput, StringsMayHoldNewlines) {
  parsed p{format_of("stack:%s pid:%d", 2)};
  ASSERT_TRUE(p.take("stack:\n  f+1\n  g+2\n pid:3"));
  EXPECT_EQ(p.s(0), "\n  f+1\n  g+2\n");
  EXPECT_EQ(p.i(1), 3);
}

TEST(BpftraceOutput, IntegerConversions) {
  parsed p{format_of("d:%d u:%llu x:%x X:%lX o:%o p:%p q:%p", 7)};
  ASSERT_TRUE(p.take("d:-12 u:18446744073709551611 x:ff X:DEAD o:17 p:0x7ffc00 q:(nil)"));
  EXPECT_EQ(p.i(0), -12);
  EXPECT_EQ(p.i(1), -5);  // unsigned 64-bit values above INT64_MAX wrap, as in Pixie
  EXPECT_EQ(p.i(2), 0xff);
  EXPECT_EQ(p.i(3), 0xdead);
  EXPECT_EQ(p.i(4), 017);
  EXPECT_EQ(p.i(5), 0x7ffc00);
  EXPECT_EQ(p.i(6), 0);
}

TEST(BpftraceOutput, PaddingIsUndone) {
  // Texts as bpftrace 0.17 prints these specifiers (checked with the real tool).
  parsed p{format_of("a:%-6d| b:%5d| c:%05d| d:%10s| e:%-10s| f:%.2s|", 6)};
  ASSERT_TRUE(p.take("a:-5    | b:   -5| c:-0005| d:  bpftrace| e:bpftrace  | f:bp|"));
  EXPECT_EQ(p.i(0), -5);
  EXPECT_EQ(p.i(1), -5);
  EXPECT_EQ(p.i(2), -5);
  EXPECT_EQ(p.s(3), "bpftrace");
  EXPECT_EQ(p.s(4), "bpftrace");
  EXPECT_EQ(p.s(5), "bp");
  // A value longer than the width is not padded and is kept whole.
  ASSERT_TRUE(p.take("a:1234567| b:123456| c:123456| d: a b c d e f| e:abcdefghijk | f:ab|"));
  EXPECT_EQ(p.i(0, 1), 1234567);
  EXPECT_EQ(p.s(3, 1), " a b c d e f");
  EXPECT_EQ(p.s(4, 1), "abcdefghijk ");
}

TEST(BpftraceOutput, BadTextsAreCountedAndKept) {
  parsed p{format_of("time_:%llu pid:%d comm:%s", 3)};
  const std::vector<std::string> bad = {
      "",                                        // nothing
      "pid:1 comm:x",                            // wrong first literal
      "time_:1 pid:x comm:y",                    // not an integer
      "time_:1 pid:99999999999999999999 comm:y", // out of range
      "time_:-1 pid:1 comm:y",                   // unsigned with a sign
      "time_:1 pid:1",                           // missing literal
      "time_:1 pid:1 comm:",                     // fine: empty string (control)
      "time_:9223372036854775807 pid:1 comm:y",  // time_ + offset overflows
  };
  std::size_t accepted = 0;
  for (const auto& text : bad) accepted += p.take(text) ? 1 : 0;
  EXPECT_EQ(accepted, 1u);
  EXPECT_EQ(p.parser.counters().bad_lines, bad.size() - 1);
  EXPECT_EQ(p.parser.counters().rows, 1u);
  EXPECT_EQ(p.batch.num_rows(), 1u);
  EXPECT_TRUE(schemas::matches(p.batch, to_relation(p.parser.format())));
  ASSERT_EQ(p.parser.first_bad_lines().size(), bad.size() - 1);
  EXPECT_EQ(p.parser.first_bad_lines()[1].text, "pid:1 comm:x");
  for (const auto& b : p.parser.first_bad_lines()) EXPECT_FALSE(b.reason.empty()) << b.text;
}

TEST(BpftraceOutput, OnlyTheFirstBadLinesAreKept) {
  parsed p{format_of("v:%d", 1)};
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(p.take("nope " + std::to_string(i)));
  EXPECT_EQ(p.parser.counters().bad_lines, 50u);
  EXPECT_EQ(p.parser.first_bad_lines().size(), kept_bad_lines);
  EXPECT_EQ(p.parser.first_bad_lines().front().text, "nope 0");
}

TEST(BpftraceOutput, PathologicalSplitsAreBounded) {
  // Each string can end at any " _ "; nothing parses at the end, so every split would be
  // tried (about 200^6) if the step budget did not stop it.
  parsed p{format_of("%s _ %s _ %s _ %s _ %s _ %s _ z:%d", 7)};
  std::string text;
  for (int i = 0; i < 200; ++i) text += "x _ ";
  text += "z:no";
  EXPECT_FALSE(p.take(text));
  EXPECT_EQ(p.parser.counters().bad_lines, 1u);
}

TEST(BpftraceOutput, JsonRecords) {
  parsed p{format_of("time_:%llu comm:%s", 2)};
  auto& parser = p.parser;
  auto& batch = p.batch;
  EXPECT_EQ(parser.consume_line(R"({"type": "attached_probes", "data": {"probes": 3}})", batch),
            line_kind::attached);
  EXPECT_EQ(parser.counters().attached_probes, 3u);
  EXPECT_EQ(parser.consume_line(R"({"type": "printf", "data": "wisp:bpftrace-attached\n"})", batch),
            line_kind::attach_marker);
  EXPECT_EQ(parser.consume_line(R"({"type": "printf", "data": "time_:5 comm:a \"b\"\tc\\"})", batch),
            line_kind::row);
  EXPECT_EQ(p.s(1), "a \"b\"\tc\\");
  EXPECT_EQ(parser.consume_line(R"({"type": "lost_events", "data": {"events": 17}})", batch),
            line_kind::lost_events);
  EXPECT_EQ(parser.consume_line(R"({"type": "lost_events", "data": {"events": 3}})", batch),
            line_kind::lost_events);
  EXPECT_EQ(parser.counters().lost_events, 20u);
  EXPECT_EQ(parser.consume_line(R"({"type": "map", "data": {"@m": {"1": "x"}}})", batch),
            line_kind::message);
  EXPECT_EQ(parser.consume_line("", batch), line_kind::message);
  EXPECT_EQ(parser.consume_line(R"({"type": "printf", "data": "comm:x"})", batch), line_kind::bad);
  EXPECT_EQ(parser.consume_line(R"({"type": "printf", "data": 5})", batch), line_kind::bad);
  EXPECT_EQ(parser.consume_line(R"({"data": "time_:1 comm:x"})", batch), line_kind::bad);
  EXPECT_EQ(parser.consume_line("Attaching 1 probe...", batch), line_kind::bad);
  EXPECT_EQ(parser.consume_line(R"({"type": "printf", "data": "time_:1 comm:)", batch),
            line_kind::bad);
  EXPECT_EQ(parser.counters().lines, 12u);
  EXPECT_EQ(parser.counters().rows, 1u);
  EXPECT_EQ(parser.counters().bad_lines, 5u);
  EXPECT_EQ(batch.num_rows(), 1u);
}

TEST(BpftraceOutput, RandomLinesNeverBreakTheBatch) {
  parsed p{format_of("time_:%llu pid:%d comm:%s x:%-4x", 4)};
  std::mt19937 rng{5};
  const std::string alphabet = "time_:pid:comm:x: 0123456789abcdef-\"{}\\\n";
  for (int n = 0; n < 20000; ++n) {
    std::string line;
    const std::size_t len = rng() % 60;
    for (std::size_t i = 0; i < len; ++i) line.push_back(alphabet[rng() % alphabet.size()]);
    if (n % 3 == 0) line = "{\"type\": \"printf\", \"data\": \"" + line + "\"}";
    (void)p.parser.consume_line(line, p.batch);
  }
  const auto& c = p.parser.counters();
  EXPECT_EQ(c.lines, 20000u);
  EXPECT_EQ(c.rows + c.bad_lines + c.messages, c.lines);
  EXPECT_EQ(p.batch.num_rows(), c.rows);
  EXPECT_TRUE(schemas::matches(p.batch, to_relation(p.parser.format())));
}

TEST(BpftraceOutput, RealtimeOffsetIsWallClockMinusMonotonic) {
  timespec mono{};
  timespec real{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  const std::int64_t expected = (real.tv_sec - mono.tv_sec) * 1'000'000'000LL +
                                (real.tv_nsec - mono.tv_nsec);
  EXPECT_LT(std::llabs(realtime_offset_ns() - expected), 5'000'000LL);
}

}  // namespace
}  // namespace wisp::bpftrace
