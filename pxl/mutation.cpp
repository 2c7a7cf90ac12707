#include "pxl/mutation.hpp"

#include <cctype>
#include <limits>

namespace wisp::pxl {

std::optional<std::int64_t> parse_ttl(std::string_view text) {
  struct unit {
    std::string_view name;
    std::int64_t ns;
  };
  // Longest names first so that "ms" is not read as "m" followed by "s".
  static constexpr unit units[] = {{"ns", 1},          {"us", 1'000},          {"ms", 1'000'000},
                                   {"h", 3'600'000'000'000}, {"m", 60'000'000'000}, {"s", 1'000'000'000}};
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    std::int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (n > std::numeric_limits<std::int64_t>::max() / 10) return std::nullopt;
      n = n * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start) return std::nullopt;
    const unit* u = nullptr;
    for (const auto& candidate : units)
      if (text.substr(i).starts_with(candidate.name)) {
        u = &candidate;
        break;
      }
    if (u == nullptr) return std::nullopt;
    i += u->name.size();
    if (n > (std::numeric_limits<std::int64_t>::max() - total) / u->ns) return std::nullopt;
    total += n * u->ns;
  }
  if (total <= 0) return std::nullopt;
  return total;
}

std::string to_string(const trace_target& t) {
  using k = trace_target::kind;
  switch (t.what) {
    case k::kernel: return "kprobe()";
    case k::process_pid: return "Process(pid=" + std::to_string(t.pid) + ")";
    case k::process_exe: return "Process(exe='" + t.exe + "')";
    case k::upid: return "UPID " + schemas::to_string(t.upid);
    case k::pod_process:
      return "PodProcess('" + t.pod + "', '" + t.container + "', '" + t.process + "')";
    case k::label_selector: {
      std::string s = "LabelSelector({";
      for (std::size_t i = 0; i < t.labels.size(); ++i)
        s += (i ? ", '" : "'") + t.labels[i].first + "': '" + t.labels[i].second + "'";
      return s + "}, '" + t.namespace_name + "')";
    }
    case k::shared_object: return "SharedObject('" + t.shared_object + "')";
  }
  return "?";
}

std::string to_string(const tracepoint_mutation& m) {
  if (m.what == tracepoint_mutation::kind::remove) return "DeleteTracepoint('" + m.name + "')";
  std::string s = "UpsertTracepoint('" + m.name + "', table '" + m.table + "', ";
  if (!m.symbol.empty()) {
    s += "probe '" + m.symbol + "' [";
    for (std::size_t i = 0; i < m.outputs.size(); ++i) {
      const auto& o = m.outputs[i];
      s += (i ? ", " : "") + o.column + "=";
      switch (o.what) {
        case trace_output::kind::arg: s += "ArgExpr('" + o.expr + "')"; break;
        case trace_output::kind::ret: s += "RetExpr('" + o.expr + "')"; break;
        case trace_output::kind::latency: s += "FunctionLatency()"; break;
      }
    }
    s += "]";
  } else {
    s += std::to_string(m.programs.size()) + " bpftrace program(s)";
  }
  return s + ", " + to_string(m.target) + ", ttl " + std::to_string(m.ttl_ns / 1'000'000'000) + "s)";
}

}  // namespace wisp::pxl
