#include "actors/protocols/dns/row.hpp"

#include <string_view>

#include "actors/protocols/common/row.hpp"
#include "actors/protocols/common/truncate.hpp"
#include "schemas/dns_events.hpp"
#include "schemas/json.hpp"

namespace wisp::protocols::dns {
namespace {

using schemas::dns_events;

// `"key":` inside the object `out` is building.
void append_key(std::string& out, std::string_view key) {
  if (out.back() != '{') out.push_back(',');
  schemas::append_json_string(out, key);
  out.push_back(':');
}

void append_field(std::string& out, std::string_view key, unsigned value) {
  append_key(out, key);
  out.append(std::to_string(value));
}

void append_field(std::string& out, std::string_view key, std::string_view value) {
  append_key(out, key);
  schemas::append_json_string(out, value);
}

}  // namespace

std::string header_json(const header& h) {
  std::string out = "{";
  append_field(out, "txid", h.txid);
  append_field(out, "qr", h.qr());
  append_field(out, "opcode", h.opcode());
  append_field(out, "aa", h.aa());
  append_field(out, "tc", h.tc());
  append_field(out, "rd", h.rd());
  append_field(out, "ra", h.ra());
  append_field(out, "ad", h.ad());
  append_field(out, "cd", h.cd());
  append_field(out, "rcode", h.rcode());
  append_field(out, "num_queries", h.num_queries);
  append_field(out, "num_answers", h.num_answers);
  append_field(out, "num_auth", h.num_auth);
  append_field(out, "num_addl", h.num_addl);
  out.push_back('}');
  return out;
}

std::string queries_json(const message& m) {
  std::string out = R"({"queries":[)";
  for (std::size_t i = 0; i < m.queries.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('{');
    append_field(out, "name", m.queries[i].name);
    append_field(out, "type", type_name(m.queries[i].type));
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

std::string answers_json(const message& m) {
  std::string out = R"({"answers":[)";
  for (std::size_t i = 0; i < m.answers.size(); ++i) {
    const answer& a = m.answers[i];
    if (i > 0) out.push_back(',');
    out.push_back('{');
    append_field(out, "name", a.name);
    append_field(out, "type", type_name(a.type));
    if (!a.addr.empty()) append_field(out, "addr", a.addr);
    if (!a.cname.empty()) append_field(out, "cname", a.cname);
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r) {
  append_canonical_columns<dns_events>(batch, meta, r.resp.timestamp_ns);
  auto& c = batch.columns;
  c[dns_events.col("req_header")].push_string(header_json(r.req.hdr));
  c[dns_events.col("req_body")].push_string(truncate_text(queries_json(r.req), default_max_string_bytes));
  c[dns_events.col("resp_header")].push_string(header_json(r.resp.hdr));
  c[dns_events.col("resp_body")].push_string(truncate_text(answers_json(r.resp), default_max_string_bytes));
  c[dns_events.col("latency")].push_int(r.resp.timestamp_ns - r.req.timestamp_ns);
}

}  // namespace wisp::protocols::dns
