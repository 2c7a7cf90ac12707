// PxL engine benchmark (issue 3, item 9). Builds an http_events-shaped table in memory and runs
// three queries three ways, on the same rows, in one process:
//   - Wisp: the PxL script compiled by pxl::compile and run by exec::run_plan (the operator
//     logic the operator actors run, here in one thread);
//   - SQLite (Debian's libsqlite3, in-memory database, the same rows, an index on the join key);
//   - a hand-written single-pass C++ loop over the same columns (the practical limit).
// Each timing is the best of --repeat runs; results of the three are checked against each other,
// so a fast wrong answer fails the run.
//
// Usage: wisp_pxl_bench [--rows N] [--repeat R] [--write PATH] [--no-sqlite] [--only Q]
//   --write: replace the "PxL engine" section of PATH (e.g. bench/README.md)
//   --no-sqlite: skip SQLite (to profile the engine)
//   --only Q: run one query, q1, q1q, q2 or q3 (to profile it)

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/exec/memory.hpp"
#include "actors/exec/run_plan.hpp"
#include "bench/bench_util.hpp"
#include "pxl/compile.hpp"
#include "schemas/tables.hpp"

namespace {

using namespace wisp;

constexpr std::size_t batch_rows = 65536;
constexpr int n_paths = 200;
constexpr int n_services = 20;
// The columns of http_events the queries touch, plus a few more so that rows have its shape.
const std::vector<std::string> bench_columns{"time_",      "upid",       "remote_addr",
                                             "remote_port", "req_method", "req_path",
                                             "resp_status", "resp_body_size", "latency"};

struct options {
  std::size_t rows = 10'000'000;
  int repeat = 3;
  std::string write_path;
  bool sqlite = true;  // --no-sqlite: Wisp and the hand loop only (for profiling)
  std::string only;    // --only: one query (for profiling)
};

[[noreturn]] void fail(const std::string& what) {
  std::cerr << "wisp_pxl_bench: " << what << "\n";
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
    if (a == "--rows") {
      o.rows = std::strtoull(next().c_str(), nullptr, 10);
    } else if (a == "--repeat") {
      o.repeat = std::atoi(next().c_str());
    } else if (a == "--write") {
      o.write_path = next();
    } else if (a == "--no-sqlite") {
      o.sqlite = false;
    } else if (a == "--only") {
      o.only = next();
      if (o.only != "q1" && o.only != "q1q" && o.only != "q2" && o.only != "q3")
        fail("--only takes q1, q1q, q2 or q3, not '" + o.only + "'");
    } else {
      fail("unknown flag '" + a +
           "' (use --rows N, --repeat R, --write PATH, --no-sqlite, --only Q)");
    }
  }
  if (o.rows == 0 || o.repeat <= 0) fail("--rows and --repeat must be positive");
  if (!o.write_path.empty() && (!o.sqlite || !o.only.empty()))
    fail("--write needs every query and the SQLite comparison");
  return o;
}

std::string path_name(int i) { return "/api/v1/resource" + std::to_string(i) + "/items"; }
std::string service_name(int i) { return "svc-" + std::to_string(i); }

// ---- the data ----

struct dataset {
  schemas::relation events_rel;
  schemas::relation services_rel;
  exec::table_provider tables;
};

schemas::relation events_relation() {
  const auto* t = schemas::find_table("http_events");
  if (t == nullptr) fail("no http_events schema");
  schemas::relation r;
  for (const auto& name : bench_columns) r.columns.push_back(t->rel.columns.at(*t->rel.index_of(name)));
  return r;
}

dataset make_data(std::size_t rows) {
  dataset d;
  d.events_rel = events_relation();
  auto col = [&](std::string_view n) { return *d.events_rel.index_of(n); };
  const std::size_t c_time = col("time_"), c_upid = col("upid"), c_addr = col("remote_addr"),
                    c_port = col("remote_port"), c_method = col("req_method"),
                    c_path = col("req_path"), c_status = col("resp_status"),
                    c_size = col("resp_body_size"), c_lat = col("latency");
  std::mt19937_64 rng{42};
  std::vector<std::string> paths;
  for (int i = 0; i < n_paths; ++i) paths.push_back(path_name(i));
  const std::vector<std::string> methods{"GET", "GET", "GET", "POST", "PUT", "DELETE"};
  const std::vector<std::int64_t> statuses{200, 200, 200, 200, 201, 204, 304, 404, 500, 503};
  std::vector<std::string> addrs;
  for (int i = 0; i < 64; ++i) addrs.push_back("10.0." + std::to_string(i / 8) + "." + std::to_string(i % 8 + 1));
  std::lognormal_distribution<double> latency{13.0, 1.0};  // median ~0.44 ms
  // Zipf-like path popularity: a few hot paths, a long tail.
  std::vector<double> weights;
  for (int i = 0; i < n_paths; ++i) weights.push_back(1.0 / (i + 1));
  std::discrete_distribution<int> path_dist{weights.begin(), weights.end()};

  auto& events = d.tables["http_events"];
  events.rel = d.events_rel;
  std::int64_t t = 1'700'000'000'000'000'000;
  for (std::size_t done = 0; done < rows;) {
    const std::size_t n = std::min(batch_rows, rows - done);
    auto b = schemas::make_empty_batch(d.events_rel);
    for (std::size_t i = 0; i < n; ++i) {
      t += 1000;
      b.columns[c_time].push_int(t);
      b.columns[c_upid].push_uint128({rng() % 16, 1000 + rng() % 16});
      b.columns[c_addr].push_string(addrs[rng() % addrs.size()]);
      b.columns[c_port].push_int(static_cast<std::int64_t>(30000 + rng() % 30000));
      b.columns[c_method].push_string(methods[rng() % methods.size()]);
      b.columns[c_path].push_string(paths[static_cast<std::size_t>(path_dist(rng))]);
      b.columns[c_status].push_int(statuses[rng() % statuses.size()]);
      b.columns[c_size].push_int(static_cast<std::int64_t>(rng() % 4096));
      b.columns[c_lat].push_int(static_cast<std::int64_t>(latency(rng)));
    }
    events.batches.push_back(std::make_shared<const schemas::row_batch>(std::move(b)));
    done += n;
  }

  d.services_rel.columns = {{"path", schemas::data_type::string, schemas::semantic_type::st_none, ""},
                            {"service", schemas::data_type::string, schemas::semantic_type::st_none, ""}};
  auto& services = d.tables["services"];
  services.rel = d.services_rel;
  auto b = schemas::make_empty_batch(d.services_rel);
  for (int i = 0; i < n_paths; ++i) {
    b.columns[0].push_string(path_name(i));
    b.columns[1].push_string(service_name(i % n_services));
  }
  services.batches.push_back(std::make_shared<const schemas::row_batch>(std::move(b)));
  return d;
}

// ---- results, compared across engines ----

/// Group key -> count, mean latency and (when computed) p50. The hand loop gives the exact
/// order statistics around the median, [p50_lo, p50_hi]: the sketch answers the value at rank
/// floor(0.5 (n - 1)) within 1%, exact mode interpolates between it and the next one.
struct group_result {
  std::int64_t count = 0;
  double mean = 0;
  double p50 = -1;  // -1: not computed
  double p50_lo = -1, p50_hi = -1;
};
using result = std::map<std::string, group_result>;

void check_same(const std::string& query, const std::string& a_name, const result& a,
                const std::string& b_name, const result& b) {
  if (a.size() != b.size())
    fail(query + ": " + a_name + " has " + std::to_string(a.size()) + " groups, " + b_name + " " +
         std::to_string(b.size()));
  for (const auto& [k, x] : a) {
    auto it = b.find(k);
    if (it == b.end()) fail(query + ": group '" + k + "' missing from " + b_name);
    const auto& y = it->second;
    if (x.count != y.count || std::abs(x.mean - y.mean) > 1e-6 * std::max(1.0, std::abs(x.mean)))
      fail(query + ": group '" + k + "' differs between " + a_name + " and " + b_name);
    if (x.p50 >= 0 && y.p50_lo >= 0 && (x.p50 < 0.99 * y.p50_lo - 1 || x.p50 > 1.01 * y.p50_hi + 1))
      fail(query + ": p50 of '" + k + "' is " + std::to_string(x.p50) + ", outside 1% of the exact [" +
           std::to_string(y.p50_lo) + ", " + std::to_string(y.p50_hi) + "]");
  }
}

// ---- Wisp ----

struct pxl_query {
  pxl::plan plan;
};

pxl_query compile_query(const dataset& d, const std::string& text, std::size_t max_rows) {
  pxl::compile_options o;
  o.file = "bench.pxl";
  o.now_ns = std::numeric_limits<std::int64_t>::max() / 2;
  o.max_output_rows_per_table = static_cast<std::int64_t>(max_rows);
  o.tables.find = [&d](std::string_view name) -> std::optional<schemas::relation> {
    if (name == "http_events") return d.events_rel;
    if (name == "services") return d.services_rel;
    return std::nullopt;
  };
  o.tables.names = [] { return std::vector<std::string>{"http_events", "services"}; };
  auto r = pxl::compile(text, o);
  if (!r.ok()) fail("compile: " + pxl::to_string(r.diagnostics.front()));
  return {std::move(r.plan)};
}

/// Runs the plan and, as wispd does when a query ends, gives freed memory back to the kernel.
exec::run_result run_query(const dataset& d, const pxl_query& q) {
  auto r = exec::run_plan(q.plan, d.tables);
  if (!r.ok()) fail("run: " + r.error);
  exec::release_query_memory();
  return r;
}

/// Groups of a result table: key columns joined by '|', then count and mean columns.
result groups_of(const exec::result_table& t, const std::vector<std::string>& keys,
                 const std::string& p50_json_col = "") {
  result out;
  std::vector<std::size_t> kc;
  for (const auto& k : keys) kc.push_back(*t.rel.index_of(k));
  const auto cn = *t.rel.index_of("n"), cm = *t.rel.index_of("mean");
  std::optional<std::size_t> cq;
  if (!p50_json_col.empty()) cq = t.rel.index_of(p50_json_col);
  for (const auto& b : t.batches) {
    for (std::size_t i = 0; i < b->num_rows(); ++i) {
      std::string key;
      for (auto c : kc) key += std::string{b->columns[c].strings().at(i)} + "|";
      auto& g = out[key];
      g.count = b->columns[cn].ints()[i];
      g.mean = b->columns[cm].floats()[i];
      if (cq) {
        auto q = b->columns[*cq].strings().at(i);
        auto at = q.find("\"p50\":");
        if (at == std::string_view::npos) fail("quantiles result without p50: " + std::string{q});
        g.p50 = std::strtod(std::string{q.substr(at + 6)}.c_str(), nullptr);
      }
    }
  }
  return out;
}

// ---- SQLite ----

struct sqlite_db {
  sqlite3* db = nullptr;
  ~sqlite_db() { sqlite3_close(db); }
  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string e = err ? err : "?";
      sqlite3_free(err);
      fail("sqlite: " + e + " in: " + sql);
    }
  }
};

void load_sqlite(sqlite_db& s, const dataset& d) {
  if (sqlite3_open(":memory:", &s.db) != SQLITE_OK) fail("sqlite: cannot open an in-memory database");
  s.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;");
  s.exec("CREATE TABLE http_events (time_ INTEGER, upid_high INTEGER, upid_low INTEGER, "
         "remote_addr TEXT, remote_port INTEGER, req_method TEXT, req_path TEXT, "
         "resp_status INTEGER, resp_body_size INTEGER, latency INTEGER)");
  s.exec("CREATE TABLE services (path TEXT PRIMARY KEY, service TEXT)");
  s.exec("BEGIN");
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(s.db, "INSERT INTO http_events VALUES (?,?,?,?,?,?,?,?,?,?)", -1, &ins, nullptr);
  auto col = [&](std::string_view n) { return *d.events_rel.index_of(n); };
  const std::size_t c_time = col("time_"), c_upid = col("upid"), c_addr = col("remote_addr"),
                    c_port = col("remote_port"), c_method = col("req_method"),
                    c_path = col("req_path"), c_status = col("resp_status"),
                    c_size = col("resp_body_size"), c_lat = col("latency");
  auto text = [&](int i, std::string_view v) {
    sqlite3_bind_text(ins, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  };
  for (const auto& b : d.tables.at("http_events").batches) {
    for (std::size_t i = 0; i < b->num_rows(); ++i) {
      sqlite3_bind_int64(ins, 1, b->columns[c_time].ints()[i]);
      sqlite3_bind_int64(ins, 2, static_cast<std::int64_t>(b->columns[c_upid].uint128s()[i].high));
      sqlite3_bind_int64(ins, 3, static_cast<std::int64_t>(b->columns[c_upid].uint128s()[i].low));
      text(4, b->columns[c_addr].strings().at(i));
      sqlite3_bind_int64(ins, 5, b->columns[c_port].ints()[i]);
      text(6, b->columns[c_method].strings().at(i));
      text(7, b->columns[c_path].strings().at(i));
      sqlite3_bind_int64(ins, 8, b->columns[c_status].ints()[i]);
      sqlite3_bind_int64(ins, 9, b->columns[c_size].ints()[i]);
      sqlite3_bind_int64(ins, 10, b->columns[c_lat].ints()[i]);
      if (sqlite3_step(ins) != SQLITE_DONE) fail(std::string{"sqlite insert: "} + sqlite3_errmsg(s.db));
      sqlite3_reset(ins);
    }
  }
  sqlite3_finalize(ins);
  for (int i = 0; i < n_paths; ++i)
    s.exec("INSERT INTO services VALUES ('" + path_name(i) + "', '" + service_name(i % n_services) + "')");
  s.exec("COMMIT");
}

/// Runs a grouped query: key columns first (text), then count, then mean.
result sqlite_groups(sqlite_db& s, const std::string& sql, std::size_t nkeys) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(s.db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    fail(std::string{"sqlite prepare: "} + sqlite3_errmsg(s.db));
  result out;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    std::string key;
    for (std::size_t k = 0; k < nkeys; ++k)
      key += std::string{reinterpret_cast<const char*>(sqlite3_column_text(st, static_cast<int>(k)))} + "|";
    auto& g = out[key];
    g.count = sqlite3_column_int64(st, static_cast<int>(nkeys));
    g.mean = sqlite3_column_double(st, static_cast<int>(nkeys + 1));
  }
  if (rc != SQLITE_DONE) fail(std::string{"sqlite step: "} + sqlite3_errmsg(s.db));
  sqlite3_finalize(st);
  return out;
}

// ---- hand-written loops ----

struct key_hash {
  std::size_t operator()(const std::pair<std::string_view, std::string_view>& k) const noexcept {
    return std::hash<std::string_view>{}(k.first) * 31 + std::hash<std::string_view>{}(k.second);
  }
};

result hand_q1(const dataset& d, bool with_p50) {
  const auto& rel = d.events_rel;
  const auto c_path = *rel.index_of("req_path"), c_method = *rel.index_of("req_method"),
             c_status = *rel.index_of("resp_status"), c_lat = *rel.index_of("latency");
  struct acc {
    std::int64_t n = 0;
    double sum = 0;
    std::vector<std::int64_t> values;
  };
  std::unordered_map<std::pair<std::string_view, std::string_view>, acc, key_hash> groups;
  for (const auto& b : d.tables.at("http_events").batches) {
    const auto& path = b->columns[c_path].strings();
    const auto& method = b->columns[c_method].strings();
    const auto& status = b->columns[c_status].ints();
    const auto& lat = b->columns[c_lat].ints();
    for (std::size_t i = 0; i < lat.size(); ++i) {
      if (status[i] >= 500) continue;
      auto& g = groups[{path.at(i), method.at(i)}];
      ++g.n;
      g.sum += static_cast<double>(lat[i]);
      if (with_p50) g.values.push_back(lat[i]);
    }
  }
  result out;
  for (auto& [k, g] : groups) {
    auto& r = out[std::string{k.first} + "|" + std::string{k.second} + "|"];
    r.count = g.n;
    r.mean = g.sum / static_cast<double>(g.n);
    if (with_p50) {
      // The order statistics at rank floor(0.5 (n - 1)) and the next one.
      auto& v = g.values;
      const auto lo = (v.size() - 1) / 2;
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
      r.p50_lo = static_cast<double>(v[lo]);
      r.p50_hi = lo + 1 < v.size()
                     ? static_cast<double>(*std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end()))
                     : r.p50_lo;
    }
  }
  return out;
}

result hand_q2(const dataset& d) {
  std::unordered_map<std::string_view, std::string_view> service_of;
  const auto& svc = *d.tables.at("services").batches.front();
  for (std::size_t i = 0; i < svc.num_rows(); ++i)
    service_of.emplace(svc.columns[0].strings().at(i), svc.columns[1].strings().at(i));
  const auto c_path = *d.events_rel.index_of("req_path"), c_lat = *d.events_rel.index_of("latency");
  std::unordered_map<std::string_view, std::pair<std::int64_t, double>> groups;
  for (const auto& b : d.tables.at("http_events").batches) {
    const auto& path = b->columns[c_path].strings();
    const auto& lat = b->columns[c_lat].ints();
    for (std::size_t i = 0; i < lat.size(); ++i) {
      auto it = service_of.find(path.at(i));
      if (it == service_of.end()) continue;
      auto& g = groups[it->second];
      ++g.first;
      g.second += static_cast<double>(lat[i]);
    }
  }
  result out;
  for (const auto& [k, g] : groups) out[std::string{k} + "|"] = {g.first, g.second / static_cast<double>(g.first), -1};
  return out;
}

/// What a client of the projection does with the rows it gets: reads every value (the SQLite
/// client sums the same three values). Columns: time_, latency, req_path, in this order.
struct projection_read {
  std::size_t rows = 0;
  std::uint64_t sum = 0;  // wraps around: compared, not interpreted
};

void read_rows(const schemas::column& time, const schemas::column& lat, const schemas::column& path,
               projection_read& out) {
  const auto& t = time.ints();
  const auto& l = lat.ints();
  const auto& offsets = path.strings().offsets();
  for (std::size_t i = 0; i < t.size(); ++i)
    out.sum += static_cast<std::uint64_t>(t[i]) + static_cast<std::uint64_t>(l[i]) +
               (offsets[i + 1] - offsets[i]);
  out.rows += t.size();
}

/// The projection by hand: one pass over the stored columns, reading the three values per row.
projection_read hand_q3(const dataset& d) {
  const auto c_time = *d.events_rel.index_of("time_"), c_lat = *d.events_rel.index_of("latency"),
             c_path = *d.events_rel.index_of("req_path");
  projection_read r;
  for (const auto& b : d.tables.at("http_events").batches)
    read_rows(b->columns[c_time], b->columns[c_lat], b->columns[c_path], r);
  return r;
}

// ---- timing and report ----

struct row_report {
  std::string query;
  double wisp_s = 0, sqlite_s = -1, hand_s = 0;
};

std::string fmt(double v, int prec = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

std::string report(const options& o, const std::vector<row_report>& rows, double load_s) {
  std::ostringstream s;
  s << "## PxL engine (10M-row http_events-shaped table)\n\n"
    << "Measured with `build/bench/wisp_pxl_bench --rows " << o.rows << " --repeat " << o.repeat
    << "` (best of " << o.repeat << ", one thread; SQLite in memory, loaded in " << fmt(load_s, 1)
    << " s, not timed). Results of the three are checked against each other in the run.\n\n"
    << "| query | Wisp rows/s | Wisp s | SQLite s | Wisp / SQLite speed | hand loop s | Wisp / hand loop speed |\n"
    << "|---|---|---|---|---|---|---|\n";
  for (const auto& r : rows) {
    s << "| " << r.query << " | " << fmt(static_cast<double>(o.rows) / r.wisp_s / 1e6, 1) << " M | "
      << fmt(r.wisp_s, 3) << " | " << (r.sqlite_s < 0 ? "n/a" : fmt(r.sqlite_s, 3)) << " | "
      << (r.sqlite_s < 0 ? "n/a" : "**" + fmt(r.sqlite_s / r.wisp_s, 1) + "x**") << " | "
      << fmt(r.hand_s, 3) << " | **" << fmt(r.hand_s / r.wisp_s, 2) << "** |\n";
  }
  s << "\nGoals: at least 20x SQLite and at least 0.3 of the hand-written loop. SQLite has no quantile\n"
       "aggregate, so the quantiles query is compared with the hand loop only (exact p50 by\n"
       "nth_element per group; Wisp's sketch is checked to be within 1%).\n";
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  exec::keep_freed_memory_during_queries();  // as wispd does
  std::cerr << "generating " << o.rows << " rows...\n";
  const dataset d = make_data(o.rows);
  sqlite_db db;
  double load_s = 0;
  if (o.sqlite) {
    std::cerr << "loading SQLite...\n";
    load_s = bench::best_seconds(1, [&] { load_sqlite(db, d); });
  }

  const std::string q1 =
      "import px\ndf = px.DataFrame(table='http_events')\ndf = df[df.resp_status < 500]\n"
      "df = df.groupby(['req_path', 'req_method']).agg(n=('latency', px.count), mean=('latency', px.mean))\n"
      "px.display(df, 'q1')\n";
  const std::string q1q =
      "import px\ndf = px.DataFrame(table='http_events')\ndf = df[df.resp_status < 500]\n"
      "df = df.groupby(['req_path', 'req_method']).agg(n=('latency', px.count), mean=('latency', px.mean),\n"
      "    q=('latency', px.quantiles))\npx.display(df, 'q1q')\n";
  const std::string q2 =
      "import px\ndf = px.DataFrame(table='http_events')\nsvc = px.DataFrame(table='services')\n"
      "df = df.merge(svc, how='inner', left_on='req_path', right_on='path', suffixes=['', '_s'])\n"
      "df = df.groupby('service').agg(n=('latency', px.count), mean=('latency', px.mean))\n"
      "px.display(df, 'q2')\n";
  const std::string q3 =
      "import px\ndf = px.DataFrame(table='http_events')\npx.display(df[['time_', 'latency', 'req_path']], 'q3')\n";

  std::vector<row_report> rows;
  auto run = [&](const char* name) { return o.only.empty() || o.only == name; };
  if (run("q1")) {
    auto plan = compile_query(d, q1, o.rows);
    result wisp_r, sql_r, hand_r;
    row_report r{"filter + group by 2 keys + count, mean"};
    r.wisp_s = bench::best_seconds(o.repeat, [&] { wisp_r = groups_of(run_query(d, plan).tables.at(0), {"req_path", "req_method"}); });
    if (o.sqlite) {
      r.sqlite_s = bench::best_seconds(o.repeat, [&] {
        sql_r = sqlite_groups(db, "SELECT req_path, req_method, count(*), avg(latency) FROM http_events "
                                  "WHERE resp_status < 500 GROUP BY req_path, req_method", 2);
      });
      check_same("q1", "wisp", wisp_r, "sqlite", sql_r);
    }
    r.hand_s = bench::best_seconds(o.repeat, [&] { hand_r = hand_q1(d, false); });
    check_same("q1", "wisp", wisp_r, "hand", hand_r);
    rows.push_back(r);
  }
  if (run("q1q")) {
    auto plan = compile_query(d, q1q, o.rows);
    result wisp_r, hand_r;
    row_report r{"... + quantiles"};
    r.wisp_s = bench::best_seconds(o.repeat, [&] {
      wisp_r = groups_of(run_query(d, plan).tables.at(0), {"req_path", "req_method"}, "q");
    });
    r.hand_s = bench::best_seconds(o.repeat, [&] { hand_r = hand_q1(d, true); });
    check_same("q1 quantiles", "wisp", wisp_r, "hand", hand_r);
    rows.push_back(r);
  }
  if (run("q2")) {
    auto plan = compile_query(d, q2, o.rows);
    result wisp_r, sql_r, hand_r;
    row_report r{"join with a 200-row table + group by"};
    r.wisp_s = bench::best_seconds(o.repeat, [&] { wisp_r = groups_of(run_query(d, plan).tables.at(0), {"service"}); });
    if (o.sqlite) {
      r.sqlite_s = bench::best_seconds(o.repeat, [&] {
        sql_r = sqlite_groups(db, "SELECT s.service, count(*), avg(e.latency) FROM http_events e "
                                  "JOIN services s ON e.req_path = s.path GROUP BY s.service", 1);
      });
      check_same("q2", "wisp", wisp_r, "sqlite", sql_r);
    }
    r.hand_s = bench::best_seconds(o.repeat, [&] { hand_r = hand_q2(d); });
    check_same("q2", "wisp", wisp_r, "hand", hand_r);
    rows.push_back(r);
  }
  if (run("q3")) {
    auto plan = compile_query(d, q3, o.rows);
    projection_read wisp_r, sql_r, hand_r;
    row_report r{"projection of 3 columns (all rows out, every value read)"};
    r.wisp_s = bench::best_seconds(o.repeat, [&] {
      const auto result = run_query(d, plan);
      const auto& t = result.tables.at(0);
      wisp_r = {};
      for (const auto& b : t.batches) read_rows(b->columns[0], b->columns[1], b->columns[2], wisp_r);
    });
    if (o.sqlite) r.sqlite_s = bench::best_seconds(o.repeat, [&] {
      sqlite3_stmt* st = nullptr;
      sqlite3_prepare_v2(db.db, "SELECT time_, latency, req_path FROM http_events", -1, &st, nullptr);
      sql_r = {};
      while (sqlite3_step(st) == SQLITE_ROW) {
        sql_r.sum += static_cast<std::uint64_t>(sqlite3_column_int64(st, 0)) +
                     static_cast<std::uint64_t>(sqlite3_column_int64(st, 1)) +
                     static_cast<std::uint64_t>(sqlite3_column_bytes(st, 2));
        ++sql_r.rows;
      }
      sqlite3_finalize(st);
    });
    r.hand_s = bench::best_seconds(o.repeat, [&] { hand_r = hand_q3(d); });
    if (!o.sqlite) sql_r = hand_r;
    if (wisp_r.rows != o.rows || sql_r.rows != o.rows || hand_r.rows != o.rows ||
        wisp_r.sum != hand_r.sum || sql_r.sum != hand_r.sum)
      fail("q3: results differ: rows wisp " + std::to_string(wisp_r.rows) + ", sqlite " +
           std::to_string(sql_r.rows) + ", hand " + std::to_string(hand_r.rows) +
           "; value sums wisp " + std::to_string(wisp_r.sum) + ", sqlite " + std::to_string(sql_r.sum) +
           ", hand " + std::to_string(hand_r.sum));
    rows.push_back(r);
  }

  const auto text = report(o, rows, load_s);
  std::cout << text;
  if (!o.write_path.empty() && !bench::write_section(o.write_path, "## PxL engine", text))
    fail("cannot write " + o.write_path);
  return 0;
}
