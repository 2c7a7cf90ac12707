// Writes the seed corpus of cluster_wire_fuzz: one encoded message of every kind, into the
// directory given as the only argument.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "schemas/cluster_wire.hpp"

using namespace wisp;
using namespace wisp::cluster_wire;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: cluster_wire_seeds DIR\n";
    return 2;
  }
  schemas::relation rel{{{"time_", schemas::data_type::time64ns, schemas::semantic_type::st_time_ns, ""},
                         {"upid", schemas::data_type::uint128, schemas::semantic_type::st_upid, ""},
                         {"ok", schemas::data_type::boolean, schemas::semantic_type::st_none, ""},
                         {"ratio", schemas::data_type::float64, schemas::semantic_type::st_none, ""},
                         {"path", schemas::data_type::string, schemas::semantic_type::st_none, ""}}};
  auto batch = schemas::make_empty_batch(rel);
  for (int i = 0; i < 2; ++i) {
    batch.columns[0].push_int(i);
    batch.columns[1].push_uint128({1, static_cast<std::uint64_t>(i)});
    batch.columns[2].push_bool(i == 0);
    batch.columns[3].push_float(0.5);
    batch.columns[4].push_string("/p");
  }
  const stream_id s{1, 2, "out"};
  const std::vector<std::string> seeds{
      encode(agent_message{0, register_request{0, "agent", "host", "6.1", {{"t", rel}}, "10.0.0.1", 1, true}}),
      encode(agent_message{3, heartbeat{1, 2, {{"bpf", "lost", 3}}, {{{3ull << 32, 1}, "tp", "RUNNING", "m", {"t"}}}}}),
      encode(agent_message{3, tracepoint_reply{4, "", table_info{"t", rel}, {{{3ull << 32, 1}, "tp", "FAILED", "m", {"t"}}}}}),
      encode(agent_message{3, batch_message{s, 0, batch}}),
      encode(agent_message{3, end_of_stream{s, 1, wire::status::exec_error, "e", {{"a", "b", 1}}}}),
      encode(broker_message{register_reply{3, "agent", ""}}),
      encode(broker_message{plan_fragment{1, 2, "plan bytes"}}),
      encode(broker_message{credit{s, 1}}),
      encode(broker_message{tracepoint_request{4, "mutation bytes"}}),
  };
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    const std::string file = std::string{argv[1]} + "/seed" + std::to_string(i);
    std::ofstream out(file, std::ios::binary);
    out << seeds[i];
    if (!out) {
      std::cerr << "cluster_wire_seeds: cannot write " << file << "\n";
      return 1;
    }
  }
  return 0;
}
