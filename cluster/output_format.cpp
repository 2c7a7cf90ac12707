#include "cluster/output_format.hpp"

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <ostream>

#include "schemas/json.hpp"

namespace wisp::cluster {

using schemas::data_type;
using schemas::semantic_type;

namespace {

constexpr std::size_t max_table_cell_chars = 64;
constexpr std::int64_t ns_per_s = 1'000'000'000;

/// Six significant digits, for the table.
std::string format_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

/// The shortest text that reads back as the same double, for json and csv: they carry values,
/// not a view of them (1312857 ns is 1.312857 ms, not 1.31286).
std::string exact_double(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

enum class style { raw, human };

/// One value as text. `raw` is what json/csv carry; `human` is what the table shows.
std::string cell(const schemas::column_info& info, const schemas::column& c, std::size_t row, style s) {
  switch (c.type()) {
    case data_type::boolean:
      return c.bools()[row] ? "true" : "false";
    case data_type::int64: {
      const auto v = c.ints()[row];
      if (s == style::human) {
        if (info.semantic == semantic_type::st_duration_ns) return humanize_duration_ns(v);
        if (info.semantic == semantic_type::st_bytes) return humanize_bytes(v);
      }
      return std::to_string(v);
    }
    case data_type::time64ns:
      return format_time_rfc3339(c.ints()[row]);
    case data_type::uint128:
      return schemas::to_string(c.uint128s()[row]);
    case data_type::float64: {
      const auto v = c.floats()[row];
      if (s == style::human && info.semantic == semantic_type::st_percent)
        return format_double(v * 100.0) + "%";
      if (s == style::human && info.semantic == semantic_type::st_duration_ns)
        return humanize_duration_ns(static_cast<std::int64_t>(v));
      if (s == style::human && info.semantic == semantic_type::st_bytes)
        return humanize_bytes(static_cast<std::int64_t>(v));
      return s == style::raw ? exact_double(v) : format_double(v);
    }
    case data_type::string:
    case data_type::unknown:
      break;
  }
  return std::string{c.strings().at(row)};
}

std::string shorten_for_table(std::string s) {
  for (auto& ch : s)
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  if (s.size() > max_table_cell_chars) {
    s.resize(max_table_cell_chars - 3);
    s += "...";
  }
  return s;
}

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

bool is_json_number(data_type t) {
  return t == data_type::int64 || t == data_type::float64 || t == data_type::boolean;
}

void render_json(std::ostream& out, const result_table& t) {
  for (const auto& b : t.batches) {
    for (std::size_t r = 0; r < b.num_rows(); ++r) {
      out << "{\"_tableName_\":\"" << schemas::json_escape(t.name) << '"';
      for (std::size_t i = 0; i < t.rel.columns.size(); ++i) {
        const auto& info = t.rel.columns[i];
        out << ",\"" << schemas::json_escape(info.name) << "\":";
        auto v = cell(info, b.columns[i], r, style::raw);
        if (is_json_number(info.type) && v != "nan" && v != "-nan" && v != "inf" && v != "-inf")
          out << v;
        else
          out << '"' << schemas::json_escape(v) << '"';
      }
      out << "}\n";
    }
  }
}

void render_csv(std::ostream& out, const result_table& t) {
  for (std::size_t i = 0; i < t.rel.columns.size(); ++i)
    out << (i ? "," : "") << csv_quote(t.rel.columns[i].name);
  out << '\n';
  for (const auto& b : t.batches)
    for (std::size_t r = 0; r < b.num_rows(); ++r) {
      for (std::size_t i = 0; i < t.rel.columns.size(); ++i)
        out << (i ? "," : "") << csv_quote(cell(t.rel.columns[i], b.columns[i], r, style::raw));
      out << '\n';
    }
}

void render_table(std::ostream& out, const result_table& t) {
  const auto ncols = t.rel.columns.size();
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> width(ncols);
  for (std::size_t i = 0; i < ncols; ++i) width[i] = t.rel.columns[i].name.size();
  for (const auto& b : t.batches)
    for (std::size_t r = 0; r < b.num_rows(); ++r) {
      auto& row = rows.emplace_back();
      for (std::size_t i = 0; i < ncols; ++i) {
        row.push_back(shorten_for_table(cell(t.rel.columns[i], b.columns[i], r, style::human)));
        width[i] = std::max(width[i], row.back().size());
      }
    }
  out << "Table ID: " << t.name << '\n';
  auto line = [&](const auto& get) {
    out << ' ';
    for (std::size_t i = 0; i < ncols; ++i) {
      const std::string& s = get(i);
      out << ' ' << s << std::string(width[i] - s.size(), ' ') << ' ';
    }
    out << '\n';
  };
  std::vector<std::string> header;
  for (const auto& c : t.rel.columns) {
    auto h = c.name;
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char ch) { return std::toupper(ch); });
    header.push_back(h);
  }
  line([&](std::size_t i) -> const std::string& { return header[i]; });
  for (const auto& row : rows) line([&](std::size_t i) -> const std::string& { return row[i]; });
  out << '\n';
}

}  // namespace

std::optional<output_format> parse_output_format(std::string_view s) {
  if (s == "table") return output_format::table;
  if (s == "json") return output_format::json;
  if (s == "csv") return output_format::csv;
  return std::nullopt;
}

void render(std::ostream& out, const result_table& t, output_format f) {
  switch (f) {
    case output_format::json: return render_json(out, t);
    case output_format::csv: return render_csv(out, t);
    case output_format::table: return render_table(out, t);
  }
}

std::string humanize_duration_ns(std::int64_t ns) {
  struct unit {
    double scale;
    const char* name;
  };
  static constexpr unit units[] = {{1e9 * 3600, "h"}, {1e9 * 60, "min"}, {1e9, "s"},
                                   {1e6, "ms"},       {1e3, "\xC2\xB5s"}, {1, "ns"}};
  const double v = static_cast<double>(ns);
  for (const auto& u : units)
    if (std::fabs(v) >= u.scale || u.scale == 1) {
      char buf[48];
      std::snprintf(buf, sizeof buf, u.scale == 1 ? "%.0f %s" : "%.2f %s", v / u.scale, u.name);
      return buf;
    }
  return std::to_string(ns) + " ns";
}

std::string humanize_bytes(std::int64_t bytes) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  std::size_t u = 0;
  while (std::fabs(v) >= 1024 && u + 1 < std::size(units)) {
    v /= 1024;
    ++u;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string format_time_rfc3339(std::int64_t ns) {
  std::int64_t secs = ns / ns_per_s;
  std::int64_t frac = ns % ns_per_s;
  if (frac < 0) {
    frac += ns_per_s;
    --secs;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09" PRId64 "Z", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

}  // namespace wisp::cluster
