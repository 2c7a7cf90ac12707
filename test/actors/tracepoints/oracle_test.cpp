// End-to-end correctness without BPF: resolve a probe on a real target, run the target under
// the ptrace oracle (which executes the fetch program as the BPF program will), decode the
// events, and compare every captured value with what the target printed for that call.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "actors/tracepoints/decode.hpp"
#include "actors/tracepoints/resolve.hpp"
#include "ptrace_oracle.hpp"
#include "schemas/row_batch.hpp"
#include "target_output.hpp"

namespace wisp::tracepoints::test {
namespace {

const std::string targets = TP_TARGETS;
constexpr int iterations = 3;

bool exists(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

// "a" -> argument, "$0.x" -> result; the column is named after the expression.
probe_request request_for(const std::string& binary, const std::string& symbol,
                          const std::vector<std::string>& exprs, bool latency) {
  probe_request r{binary, symbol, {}};
  for (const auto& e : exprs)
    r.captures.push_back({e, e[0] == '$' ? capture_request::kind::ret : capture_request::kind::arg, e});
  if (latency) r.captures.push_back({"latency", capture_request::kind::latency, ""});
  return r;
}

// The printed value of `key`, or of its members "key.m" as an object's JSON pieces.
void expect_value(const schemas::column& col, std::size_t row, const call_values& truth, const std::string& key) {
  SCOPED_TRACE("capture " + key + " row " + std::to_string(row));
  auto it = truth.find(key);
  if (col.type() == schemas::data_type::string && it == truth.end()) {  // an object
    const std::string json{col.strings().at(row)};
    int checked = 0;
    for (const auto& [k, v] : truth) {
      if (k.rfind(key + ".", 0) != 0) continue;
      const std::string member = k.substr(key.size() + 1);
      const bool numeric = !v.empty() && v.find_first_not_of("-0123456789") == std::string::npos;
      const std::string piece = "\"" + member + "\":" + (numeric ? v : (v == "true" || v == "false") ? v : "\"" + v + "\"");
      EXPECT_NE(json.find(piece), std::string::npos) << json << " lacks " << piece;
      ++checked;
    }
    EXPECT_GT(checked, 0) << "the target printed nothing for " << key;
    return;
  }
  ASSERT_NE(it, truth.end()) << "the target printed no " << key;
  const std::string& want = it->second;
  switch (col.type()) {
    case schemas::data_type::int64: {
      const std::int64_t got = col.ints().at(row);
      if (!want.empty() && want[0] == '-') EXPECT_EQ(got, std::strtoll(want.c_str(), nullptr, 10));
      else if (want == "true" || want == "false") EXPECT_EQ(got, want == "true" ? 1 : 0);
      else EXPECT_EQ(static_cast<std::uint64_t>(got), std::strtoull(want.c_str(), nullptr, 10));
      break;
    }
    case schemas::data_type::boolean:
      EXPECT_EQ(col.bools().at(row) != 0, want == "true" || want == "1");
      break;
    case schemas::data_type::float64: EXPECT_DOUBLE_EQ(col.floats().at(row), std::strtod(want.c_str(), nullptr)); break;
    case schemas::data_type::string: EXPECT_EQ(col.strings().at(row), want); break;
    default: FAIL() << "unexpected column type";
  }
}

// Resolves, runs, decodes and compares; `line` is the name the target prints for the function.
void check(const std::string& target, const std::string& symbol, const std::string& line,
           const std::vector<std::string>& exprs) {
  const std::string binary = targets + "/" + target;
  if (!exists(binary)) {
    GTEST_SKIP() << binary << " was not built (no toolchain)";
  }
  bool has_ret = false;
  for (const auto& e : exprs) has_ret = has_ret || e[0] == '$';
  auto probe = resolve(request_for(binary, symbol, exprs, has_ret));
  ASSERT_TRUE(probe) << probe.error_value().what;
  auto run = run_traced(*probe, {binary, std::to_string(iterations)});
  ASSERT_TRUE(run) << run.error_value().what;
  ASSERT_EQ(run->exit_code, 0) << run->output;

  const auto calls = lines_of(run->output, "call", line);
  const auto rets = lines_of(run->output, "ret", line);
  ASSERT_EQ(calls.size(), static_cast<std::size_t>(iterations)) << run->output;
  ASSERT_EQ(run->events.size(), calls.size()) << [&] {
    std::string s = "ret offsets:";
    for (auto o : probe->ret_offsets) s += " " + std::to_string(o);
    return s + "\n" + run->output;
  }();

  schemas::relation rel{capture_columns(probe->captures)};
  auto batch = schemas::make_empty_batch(rel);
  for (const auto& ev : run->events) {
    EXPECT_EQ(decode(probe->captures, ev.header, ev.payload, batch, 0), 0u) << "faulted reads";
    if (probe->lang == language::go) {
      EXPECT_EQ(ev.header.goid, 1) << "the main goroutine's id";
    }
  }
  ASSERT_EQ(batch.num_rows(), calls.size());
  for (std::size_t row = 0; row < calls.size(); ++row) {
    for (std::size_t c = 0; c < exprs.size(); ++c)
      expect_value(batch.columns[c], row, exprs[c][0] == '$' ? rets.at(row) : calls[row], exprs[c]);
    if (has_ret) {
      EXPECT_GT(batch.columns[exprs.size()].ints().at(row), 0) << "latency";
    }
  }
}

TEST(OracleC, ScalarsOfEverySizeAndSign) {
  for (const char* t : {"c_O0", "c_O2"}) {
    SCOPED_TRACE(t);
    check(t, "c_add", "c_add", {"a", "b", "c", "d", "flag", "e", "$0"});
  }
}

TEST(OracleC, StructsInRegistersPointersAndCharPointer) {
  for (const char* t : {"c_O0", "c_O2"}) {
    SCOPED_TRACE(t);
    check(t, "c_point", "c_point", {"p.x", "p.y", "pp.x", "pp.y", "name", "q.a", "q.b", "p", "$0"});
  }
}

TEST(OracleC, MemoryClassStructOnTheStack) {
  for (const char* t : {"c_O0", "c_O2"}) {
    SCOPED_TRACE(t);
    check(t, "c_order", "c_order",
          {"n", "o.id", "o.qty", "o.flags", "o.tag", "o.price", "o.note", "o.color", "po.id", "po.qty", "color"});
  }
}

TEST(OracleC, ResultsInRaxRdxAndThroughTheHiddenPointer) {
  for (const char* t : {"c_O0", "c_O2"}) {
    SCOPED_TRACE(t);
    check(t, "c_make", "c_make", {"x", "$0.x", "$0.y"});
    check(t, "c_make_order", "c_make_order", {"id", "note", "$0.id", "$0.qty", "$0.tag", "$0.price", "$0.note"});
  }
}

TEST(OracleC, StackArgumentsAfterSixRegisters) {
  for (const char* t : {"c_O0", "c_O2"}) {
    SCOPED_TRACE(t);
    check(t, "c_many", "c_many", {"a1", "a6", "a7", "a8", "$0"});
  }
}

TEST(OracleC, IntegerNextToAFloatArgument) {
  for (const char* t : {"c_O0", "c_O2"}) {
    SCOPED_TRACE(t);
    check(t, "c_scale", "c_scale", {"n"});
  }
}

TEST(OracleCpp, MethodThisAndStdStringMember) {
  for (const char* t : {"cpp_O0", "cpp_O2"}) {
    SCOPED_TRACE(t);
    check(t, "shop::cart::total", "total", {"this.count_", "this.owner_", "extra", "$0"});
  }
}

TEST(OracleCpp, OverloadsBySignatureStructByValueAndByPointer) {
  for (const char* t : {"cpp_O0", "cpp_O2"}) {
    SCOPED_TRACE(t);
    check(t, "shop::cart::add(shop::item)", "add1", {"it.id", "it.qty", "it", "$0"});
    check(t, "shop::cart::add(shop::item const*, int)", "add2", {"it.id", "it.qty", "times", "$0"});
  }
}

TEST(OracleCpp, StdStringByReferenceAndReturnedThroughHiddenPointer) {
  for (const char* t : {"cpp_O0", "cpp_O2"}) {
    SCOPED_TRACE(t);
    check(t, "shop::cart::greet", "greet", {"who", "$0"});
    check(t, "shop::describe", "describe", {"name", "it.id", "it.qty", "ip.id", "ip.qty", "$0"});
  }
}

TEST(OracleGo, PointerReceiverStructArgumentsAndMultipleResults) {
  check("go_target", "main.(*Checkout).Sum", "Sum",
        {"c.Name", "c.Count", "l.Units", "l.Nanos", "l.Currency", "r.Units", "r.Nanos", "l", "$0.Units",
         "$0.Nanos", "$0.Currency", "$0"});
}

TEST(OracleGo, ValueReceiver) { check("go_target", "main.Checkout.Total", "Total", {"c.Name", "c.Count", "scale", "$0"}); }

TEST(OracleGo, StringsByteSlicesAndThreeResults) {
  check("go_target", "main.Greet", "Greet", {"name", "data", "n", "$0", "$1", "$2"});
}

TEST(OracleGo, ArrayArgumentOnTheStackAndPointerArgument) {
  check("go_target", "main.Grid", "Grid", {"b", "m.Units", "m.Currency", "$0"});
}

TEST(OracleGo, StackAssignedArgumentsWhenRegistersRunOut) {
  check("go_target", "main.Many", "Many", {"a1", "a9", "a10", "f.On", "f.Small", "f.Mid", "f.Big", "$0"});
}

TEST(OracleGo, IntegerAfterAFloatArgument) { check("go_target", "main.Ratio", "Ratio", {"n"}); }

TEST(OracleRust, ScalarsAndStrSlice) {
  check("rust_target", "rust_target::rs_add", "rs_add", {"a", "b", "flag", "$0"});
  check("rust_target", "rust_target::rs_point", "rs_point", {"p.x", "p.y", "name", "scale", "$0"});
}

}  // namespace
}  // namespace wisp::tracepoints::test
