#pragma once
// Tracepoint mutations (facts §2.8): what a script's `pxtrace.UpsertTracepoint` and
// `pxtrace.DeleteTracepoint` calls ask the tracepoint manager to do. The compiler collects them
// while it evaluates the script; the broker deploys them before it runs the query part.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pxl/diagnostic.hpp"
#include "schemas/types.hpp"

namespace wisp::pxl {

/// The processes a tracepoint goes into.
struct trace_target {
  enum class kind : std::uint8_t {
    kernel,          // pxtrace.kprobe(): the node itself (bpftrace programs)
    process_pid,     // pxtrace.Process(pid=N)
    process_exe,     // pxtrace.Process(exe='/path'): every process running that executable
    upid,            // a UPID (px.uint128('...'))
    pod_process,     // pxtrace.PodProcess(pod_name, container_name, process_name)
    label_selector,  // pxtrace.LabelSelector(labels, namespace, container_name, process_name)
    shared_object,   // pxtrace.SharedObject(name, upid)
  };
  kind what = kind::kernel;
  std::int64_t pid = 0;
  std::string exe;
  schemas::uint128 upid{};
  std::string pod;        // "namespace/pod" (a prefix is allowed)
  std::string container;
  std::string process;    // a regular expression over the command line
  std::vector<std::pair<std::string, std::string>> labels;
  std::string namespace_name;
  std::string shared_object;  // library name, with upid

  friend bool operator==(const trace_target&, const trace_target&) = default;
};

/// One output column of a probe function: `{'name': pxtrace.ArgExpr('a.b')}`.
struct trace_output {
  enum class kind : std::uint8_t { arg, ret, latency };
  std::string column;
  kind what = kind::arg;
  std::string expr;  // "a.b", "$0.Units"; empty for latency
  source_location loc;
  friend bool operator==(const trace_output& a, const trace_output& b) {
    return a.column == b.column && a.what == b.what && a.expr == b.expr;  // not the place
  }
};

/// A bpftrace program with TraceProgram's deployment selectors (empty: no condition).
struct trace_program {
  std::string text;
  std::string min_kernel;  // "x.y.z"
  std::string max_kernel;
  std::string host_name;
  friend bool operator==(const trace_program&, const trace_program&) = default;
};

struct tracepoint_mutation {
  enum class kind : std::uint8_t { upsert, remove };
  kind what = kind::upsert;
  std::string name;
  // upsert only:
  std::string table;
  std::string symbol;                   // a probe function's symbol (uprobe tracepoints)
  std::vector<trace_output> outputs;    // its columns
  std::vector<trace_program> programs;  // bpftrace tracepoints
  trace_target target;
  std::int64_t ttl_ns = 0;
  source_location loc;  // the UpsertTracepoint / DeleteTracepoint call

  /// Same definition: an upsert of it only resets the TTL (the TTL and place are not part).
  bool same_definition(const tracepoint_mutation& o) const {
    return table == o.table && symbol == o.symbol && outputs == o.outputs &&
           programs == o.programs && target == o.target;
  }
};

/// Go-style duration ("10m", "1h30m", "90s", "500ms"): positive nanoseconds, or nullopt.
std::optional<std::int64_t> parse_ttl(std::string_view text);

/// "Process(exe='/usr/bin/x')", "kprobe()", ...: the target as the script wrote it.
std::string to_string(const trace_target& t);

/// One line describing the mutation, for --explain and tests.
std::string to_string(const tracepoint_mutation& m);

}  // namespace wisp::pxl
