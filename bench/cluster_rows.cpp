#include "bench/cluster_rows.hpp"

#include <random>
#include <string>

namespace wisp::bench {

namespace {

constexpr int n_services = 12;
constexpr int paths_per_service = 30;

schemas::column_info col(const char* name, schemas::data_type t) {
  return {name, t, schemas::semantic_type::st_none, ""};
}

}  // namespace

schemas::relation http_rows_relation() {
  using schemas::data_type;
  return schemas::relation{{col("time_", data_type::time64ns), col("service", data_type::string),
                            col("req_path", data_type::string), col("req_method", data_type::string),
                            col("resp_status", data_type::int64), col("resp_body_size", data_type::int64),
                            col("latency", data_type::int64)}};
}

std::size_t http_row_groups() { return static_cast<std::size_t>(n_services) * paths_per_service; }

std::vector<schemas::row_batch_ptr> make_http_rows(std::size_t rows, std::size_t batch_rows, std::uint64_t seed) {
  const auto rel = http_rows_relation();
  std::mt19937_64 rng{seed};
  std::vector<std::string> services, paths;
  for (int i = 0; i < n_services; ++i) services.push_back("ns-" + std::to_string(i % 3) + "/svc-" + std::to_string(i));
  for (int i = 0; i < paths_per_service; ++i) paths.push_back("/api/v1/resource" + std::to_string(i) + "/items");
  const std::vector<std::string> methods{"GET", "GET", "GET", "POST", "PUT", "DELETE"};
  const std::vector<std::int64_t> statuses{200, 200, 200, 200, 201, 204, 304, 404, 500, 503};
  std::lognormal_distribution<double> latency{13.0, 1.0};  // median ~0.44 ms
  // A few hot services and paths, long tails.
  std::vector<double> sw, pw;
  for (int i = 0; i < n_services; ++i) sw.push_back(1.0 / (i + 1));
  for (int i = 0; i < paths_per_service; ++i) pw.push_back(1.0 / (i + 1));
  std::discrete_distribution<int> service_dist{sw.begin(), sw.end()}, path_dist{pw.begin(), pw.end()};

  std::vector<schemas::row_batch_ptr> out;
  std::int64_t t = 1'700'000'000'000'000'000 + static_cast<std::int64_t>(seed);
  for (std::size_t done = 0; done < rows;) {
    const std::size_t n = std::min(batch_rows, rows - done);
    auto b = schemas::make_empty_batch(rel);
    for (std::size_t i = 0; i < n; ++i) {
      t += 1000;
      b.columns[0].push_int(t);
      b.columns[1].push_string(services[static_cast<std::size_t>(service_dist(rng))]);
      b.columns[2].push_string(paths[static_cast<std::size_t>(path_dist(rng))]);
      b.columns[3].push_string(methods[rng() % methods.size()]);
      b.columns[4].push_int(statuses[rng() % statuses.size()]);
      b.columns[5].push_int(static_cast<std::int64_t>(rng() % 16384));
      b.columns[6].push_int(static_cast<std::int64_t>(latency(rng)));
    }
    out.push_back(std::make_shared<const schemas::row_batch>(std::move(b)));
    done += n;
  }
  return out;
}

schemas::row_batch_ptr http_batch_of_bytes(std::size_t target_bytes) {
  // Measure a sample's bytes per row, then make one batch of the rows that fit.
  const auto sample = make_http_rows(1024, 1024, 1).front();
  const auto per_row = std::max<std::size_t>(1, sample->byte_size() / sample->num_rows());
  return make_http_rows(std::max<std::size_t>(1, target_bytes / per_row), target_bytes, 1).front();
}

}  // namespace wisp::bench
