// Writes the seed corpus of mutation_fuzz: encoded tracepoint mutations (an uprobe with every
// output kind, each target kind, bpftrace programs, a delete) into the directory given as the
// only argument.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "pxl/mutation_codec.hpp"

using namespace wisp::pxl;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: mutation_seeds DIR\n";
    return 2;
  }
  std::vector<tracepoint_mutation> seeds;
  tracepoint_mutation up;
  up.name = "checkout";
  up.table = "checkout_table";
  up.symbol = "main.(*Checkout).Sum";
  up.outputs = {{"a", trace_output::kind::arg, "l.Units", {3, 5}},
                {"r", trace_output::kind::ret, "$0", {4, 5}},
                {"lat", trace_output::kind::latency, "", {5, 5}}};
  up.ttl_ns = 600'000'000'000;
  up.loc = {9, 1};
  for (auto kind : {trace_target::kind::process_pid, trace_target::kind::process_exe, trace_target::kind::upid,
                    trace_target::kind::pod_process, trace_target::kind::label_selector,
                    trace_target::kind::shared_object}) {
    up.target = {};
    up.target.what = kind;
    up.target.pid = 42;
    up.target.exe = "/bin/x";
    up.target.upid = {(1ull << 32) | 42, 7};
    up.target.pod = "ns/pod";
    up.target.labels = {{"app", "web"}};
    up.target.shared_object = "libssl";
    seeds.push_back(up);
  }
  tracepoint_mutation bt;
  bt.name = "naps";
  bt.table = "nap_table";
  bt.programs = {{"tracepoint:syscalls:sys_enter_nanosleep { printf(\"%d\\n\", pid); }", "5.19", "", "node-a"}};
  bt.ttl_ns = 1;
  seeds.push_back(bt);
  tracepoint_mutation del;
  del.what = tracepoint_mutation::kind::remove;
  del.name = "old";
  seeds.push_back(del);
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    std::string error;
    auto bytes = encode_mutation(seeds[i], error);
    const std::string file = std::string{argv[1]} + "/seed" + std::to_string(i);
    std::ofstream out(file, std::ios::binary);
    if (bytes) out << *bytes;
    if (!bytes || !out) {
      std::cerr << "mutation_seeds: cannot write " << file << ": " << error << "\n";
      return 1;
    }
  }
  return 0;
}
