// Protocol parsing benchmark (issue 4, item 6): the user-space path of each protocol, from the
// socket tracer's chunks to table rows (data_stream reassembly, parse, stitch, row), on traffic
// recorded from real servers and clients (test/actors/protocols/*/fixtures), against a memcpy of
// the same bytes (the limit: the path has to look at every byte at least once).
//
// Every fixture connection is replayed as a new server-side connection, again and again, until
// --mb of traffic went through; timings are the best of --repeat runs, in one process.
//
// Usage: wisp_protocol_bench [--mb N] [--repeat R] [--write PATH]
//   --write: replace the "Protocol parsing" section of PATH (e.g. bench/README.md)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "actors/protocols/cql/protocol.hpp"
#include "actors/protocols/cql/row.hpp"
#include "actors/protocols/dns/protocol.hpp"
#include "actors/protocols/dns/row.hpp"
#include "actors/protocols/http/protocol.hpp"
#include "actors/protocols/http/row.hpp"
#include "actors/protocols/kafka/protocol.hpp"
#include "actors/protocols/kafka/row.hpp"
#include "actors/protocols/mysql/protocol.hpp"
#include "actors/protocols/mysql/row.hpp"
#include "actors/protocols/nats/protocol.hpp"
#include "actors/protocols/nats/row.hpp"
#include "actors/protocols/pgsql/protocol.hpp"
#include "actors/protocols/pgsql/row.hpp"
#include "actors/protocols/redis/protocol.hpp"
#include "actors/protocols/redis/row.hpp"
#include "bench/bench_util.hpp"
#include "schemas/tables.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace {

using namespace wisp;
using namespace wisp::protocols;

struct options {
  std::size_t mb = 256;
  int repeat = 3;
  std::string write_path;
};

[[noreturn]] void fail(const std::string& what) {
  std::cerr << "wisp_protocol_bench: " << what << "\n";
  std::exit(1);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) fail("flag " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--mb")
      o.mb = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--repeat")
      o.repeat = std::atoi(next().c_str());
    else if (a == "--write")
      o.write_path = next();
    else
      fail("unknown flag '" + a + "' (use --mb N, --repeat R, --write PATH)");
  }
  if (o.mb == 0 || o.repeat <= 0) fail("--mb and --repeat must be positive");
  return o;
}

/// The server-side chunks of every .trace fixture of one protocol.
std::vector<std::vector<data_chunk>> fixtures_of(const std::string& protocol) {
  const std::filesystem::path dir =
      std::filesystem::path{WISP_SOURCE_DIR} / "test/actors/protocols" / protocol / "fixtures";
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".trace") names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  std::vector<std::vector<data_chunk>> out;
  for (const auto& n : names) {
    auto reads = test::load_trace(protocol + "/fixtures/" + n);
    if (reads.empty()) fail("cannot load fixture " + n);
    out.push_back(test::to_chunks(reads, true));
  }
  if (out.empty()) fail("no fixtures in " + dir.string());
  return out;
}

std::size_t bytes_of(const std::vector<std::vector<data_chunk>>& conns) {
  std::size_t n = 0;
  for (const auto& c : conns)
    for (const auto& d : c) n += d.bytes.size();
  return n;
}

struct measurement {
  std::string protocol;
  std::size_t fixtures = 0;
  double mb = 0;
  std::size_t records = 0;
  double seconds = 0;
  double memcpy_seconds = 0;
};

/// Replays the connections `rounds` times through Tracker and Append (a record -> row).
template <class Tracker, class Append>
measurement measure(const std::string& protocol, const std::string& table, std::size_t target_mb,
                    int repeat, Append append) {
  const auto conns = fixtures_of(protocol);
  const std::size_t per_round = bytes_of(conns);
  const std::size_t rounds = std::max<std::size_t>(1, target_mb * 1024 * 1024 / per_round);
  const auto rel = schemas::find_table(table)->rel;
  const conn_meta meta = test::loopback_meta(schemas::trace_role::server, 8080);
  measurement m{protocol, conns.size(), static_cast<double>(per_round * rounds) / (1024.0 * 1024.0)};

  m.seconds = bench::best_seconds(repeat, [&] {
    std::size_t records = 0;
    std::vector<typename Tracker::record> out;
    auto batch = schemas::make_empty_batch(rel);
    for (std::size_t r = 0; r < rounds; ++r) {
      for (const auto& conn : conns) {
        Tracker t{{}, meta};
        for (const auto& c : conn) t.add(c);
        out.clear();
        t.process(test::now_ns, out);
        t.on_close({});
        t.process(test::now_ns, out);
        for (const auto& rec : out) append(batch, meta, rec);
        records += out.size();
        if (batch.num_rows() >= 1024) batch = schemas::make_empty_batch(rel);  // as a parser pushes
      }
    }
    m.records = records;
  });

  std::vector<char> sink(1 << 20);
  volatile char checksum = 0;
  m.memcpy_seconds = bench::best_seconds(repeat, [&] {
    for (std::size_t r = 0; r < rounds; ++r)
      for (const auto& conn : conns) {
        std::size_t at = 0;
        for (const auto& c : conn) {
          if (at + c.bytes.size() > sink.size()) at = 0;
          std::memcpy(sink.data() + at, c.bytes.data(), std::min(c.bytes.size(), sink.size()));
          at += c.bytes.size();
        }
        checksum = static_cast<char>(checksum + sink[at % sink.size()]);
      }
  });
  if (m.records == 0) fail(protocol + ": no records from the fixtures");
  return m;
}

std::string fmt(double v, int prec = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

std::string report(const options& o, const std::vector<measurement>& ms) {
  std::ostringstream s;
  s << "## Protocol parsing (recorded traffic, user space)\n\n"
    << "Measured with `build/bench/wisp_protocol_bench --mb " << o.mb << " --repeat " << o.repeat
    << "` (best of " << o.repeat << ", one thread): every fixture connection of the protocol "
       "replayed as a new server-side connection through data_stream, parse, stitch and the "
       "table row, against a memcpy of the same chunks.\n\n"
    << "| protocol | fixtures | MB | records | MB/s | records/s | memcpy MB/s | share of memcpy speed |\n"
    << "|---|---|---|---|---|---|---|---|\n";
  for (const auto& m : ms)
    s << "| " << m.protocol << " | " << m.fixtures << " | " << fmt(m.mb, 0) << " | " << m.records
      << " | " << fmt(m.mb / m.seconds) << " | " << fmt(static_cast<double>(m.records) / m.seconds / 1e6, 2)
      << " M | " << fmt(m.mb / m.memcpy_seconds, 0) << " | " << fmt(m.memcpy_seconds / m.seconds, 3)
      << " |\n";
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  std::vector<measurement> ms;
  ms.push_back(measure<http::tracker>("http", "http_events", o.mb, o.repeat,
                                      [](auto& b, const auto& m, const auto& r) { http::append_row(b, m, r); }));
  ms.push_back(measure<redis::tracker>("redis", "redis_events", o.mb, o.repeat,
                                       [](auto& b, const auto& m, const auto& r) { redis::append_row(b, m, r); }));
  ms.push_back(measure<pgsql::tracker>("pgsql", "pgsql_events", o.mb, o.repeat,
                                       [](auto& b, const auto& m, const auto& r) { pgsql::append_row(b, m, r); }));
  ms.push_back(measure<mysql::tracker>("mysql", "mysql_events", o.mb, o.repeat,
                                       [](auto& b, const auto& m, const auto& r) { mysql::append_row(b, m, r); }));
  ms.push_back(measure<dns::tracker>("dns", "dns_events", o.mb, o.repeat,
                                     [](auto& b, const auto& m, const auto& r) { dns::append_row(b, m, r); }));
  ms.push_back(measure<nats::tracker>("nats", "nats_events.beta", o.mb, o.repeat,
                                      [](auto& b, const auto& m, const auto& r) { nats::append_row(b, m, r); }));
  ms.push_back(measure<cql::tracker>("cql", "cql_events", o.mb, o.repeat,
                                     [](auto& b, const auto& m, const auto& r) { cql::append_row(b, m, r); }));
  ms.push_back(measure<kafka::tracker>("kafka", "kafka_events.beta", o.mb, o.repeat,
                                       [](auto& b, const auto& m, const auto& r) { kafka::append_row(b, m, r); }));
  const auto text = report(o, ms);
  std::cout << text;
  if (!o.write_path.empty() && !bench::write_section(o.write_path, "## Protocol parsing", text))
    fail("cannot write " + o.write_path);
  return 0;
}
