#include "actors/protocols/http/row.hpp"

#include <algorithm>
#include <array>

#include "schemas/http_events.hpp"
#include "schemas/json.hpp"

namespace wisp::protocols::http {
namespace {

using schemas::http_events;

constexpr int hex_base = 16;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iless(const std::string& a, const std::string& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return lower(x) < lower(y); });
}

}  // namespace

content_type detect_content_type(const message& resp) {
  std::optional<std::string_view> ct = resp.find_header("Content-Type");
  if (!ct) return content_type::unknown;
  if (icontains(*ct, "application/grpc")) return content_type::grpc;
  if (icontains(*ct, "json")) return content_type::json;
  return content_type::unknown;
}

std::string headers_to_json(const std::vector<header>& headers, std::size_t max_bytes) {
  std::vector<const header*> sorted;
  sorted.reserve(headers.size());
  for (const header& h : headers) sorted.push_back(&h);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const header* a, const header* b) { return iless(a->name, b->name); });
  std::string out = "{";
  std::string member;
  for (const header* h : sorted) {
    member.clear();
    if (out.size() > 1) member.push_back(',');
    schemas::append_json_string(member, h->name);
    member.push_back(':');
    schemas::append_json_string(member, h->value);
    if (out.size() + member.size() + 1 > max_bytes) break;  // +1 for the closing brace
    out.append(member);
  }
  out.push_back('}');
  return out;
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * hex_base + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string request_body_column(const message& req, const row_options& options) {
  std::optional<std::string_view> ct = req.find_header("Content-Type");
  if (ct && icontains(*ct, "application/x-www-form-urlencoded")) {
    return truncate_column(url_decode(req.body), options.max_body_bytes);
  }
  return truncate_column(req.body, options.max_body_bytes);
}

std::string response_body_column(const message& resp, const row_options& options) {
  std::optional<std::string_view> ct = resp.find_header("Content-Type");
  if (!ct) {
    if (resp.body_size == 0) return {};
    return std::string{removed_unknown_body};
  }
  if (!icontains(*ct, "json") && !icontains(*ct, "text/")) return std::string{removed_non_text_body};
  return truncate_column(resp.body, options.max_body_bytes);
}

void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r,
                const row_options& options) {
  append_canonical_columns<http_events>(batch, meta, r.resp.timestamp_ns);
  auto& c = batch.columns;
  c[http_events.col("major_version")].push_int(http1_major_version);
  c[http_events.col("minor_version")].push_int(r.resp.minor_version);
  c[http_events.col("content_type")].push_int(static_cast<std::int64_t>(detect_content_type(r.resp)));
  c[http_events.col("req_headers")].push_string(headers_to_json(r.req.headers, options.max_headers_json_bytes));
  c[http_events.col("req_method")].push_string(r.req.method);
  c[http_events.col("req_path")].push_string(r.req.path);
  c[http_events.col("req_body")].push_string(request_body_column(r.req, options));
  c[http_events.col("req_body_size")].push_int(static_cast<std::int64_t>(r.req.body_size));
  c[http_events.col("resp_headers")].push_string(headers_to_json(r.resp.headers, options.max_headers_json_bytes));
  c[http_events.col("resp_status")].push_int(r.resp.status);
  c[http_events.col("resp_message")].push_string(r.resp.reason);
  c[http_events.col("resp_body")].push_string(response_body_column(r.resp, options));
  c[http_events.col("resp_body_size")].push_int(static_cast<std::int64_t>(r.resp.body_size));
  c[http_events.col("latency")].push_int(r.resp.timestamp_ns - r.req.timestamp_ns);
}

}  // namespace wisp::protocols::http
