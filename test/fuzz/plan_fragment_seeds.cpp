// Writes the seed corpus of plan_fragment_fuzz: the fragments of a few compiled scripts (every
// node kind and expression kind a fragment holds, a partial aggregate), into the directory given
// as the only argument.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "pxl/compile.hpp"
#include "pxl/fragment_codec.hpp"

using namespace wisp;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: plan_fragment_seeds DIR\n";
    return 2;
  }
  const std::vector<std::string> scripts{
      "import px\n"
      "df = px.DataFrame(table='http_events', start_time='-5m')\n"
      "df = df[df.resp_status >= 400]\n"
      "df.ms = df.latency / 1000000.0\n"
      "df.p = px.substring(df.req_path, 1, 2)\n"
      "df.api = px.contains(df.req_path, 'api') or df.resp_status == 500\n"
      "df.size = px.Bytes(df.resp_body_size)\n"
      "df = df.groupby(['p', 'upid']).agg(n=('latency', px.count), m=('ms', px.mean), "
      "q=('latency', px.quantiles), a=('api', px.any), s=('size', px.sum), t=('time_', px.min))\n"
      "px.display(df, 'out')\n",
      "import px\n"
      "df = px.DataFrame(table='conn_stats', select=['time_', 'upid', 'bytes_sent'])\n"
      "df.big = df.bytes_sent > 1000\n"
      "df = df.head(5)\n"
      "px.display(df, 'head')\n",
  };
  int n = 0;
  for (const auto& script : scripts) {
    pxl::compile_options o;
    o.now_ns = 1'700'000'000'000'000'000;
    auto r = pxl::compile(script, o);
    if (!r.ok()) {
      std::cerr << "plan_fragment_seeds: " << pxl::to_string(r.diagnostics[0]) << "\n";
      return 1;
    }
    std::vector<pxl::plan> plans{r.plan};
    // The same plan with its aggregates partial (the agent half of a split aggregate).
    pxl::plan partial = r.plan;
    bool changed = false;
    for (auto& node : partial.nodes) {
      if (auto* a = std::get_if<pxl::aggregate_op>(&node.op)) {
        a->mode = pxl::aggregate_mode::partial;
        node.output = pxl::partial_aggregate_relation(*a, partial.find(node.parents.at(0))->output);
        changed = true;
      } else if (changed && !node.parents.empty()) {
        node.output = partial.find(node.parents.at(0))->output;
      }
    }
    if (changed) plans.push_back(partial);
    for (const auto& p : plans) {
      std::string error;
      auto bytes = pxl::encode_fragment(p, error);
      if (!bytes) {
        std::cerr << "plan_fragment_seeds: " << error << "\n";
        return 1;
      }
      const std::string file = std::string{argv[1]} + "/seed" + std::to_string(n++);
      std::ofstream out(file, std::ios::binary);
      out << *bytes;
      if (!out) {
        std::cerr << "plan_fragment_seeds: cannot write " << file << "\n";
        return 1;
      }
    }
  }
  return 0;
}
