#pragma once
// dns::record -> one dns_events row (schemas/dns_events.hpp), with Pixie's column meanings
// (facts §1.2): time_ is the response's time; req_header and resp_header the headers as JSON
// objects {"txid","qr","opcode","aa","tc","rd","ra","ad","cd","rcode","num_queries",
// "num_answers","num_auth","num_addl"} of numbers; req_body {"queries":[{"name","type"}]};
// resp_body {"answers":[{"name","type","addr"|"cname"}]} (addr for A and AAAA, cname for
// CNAME, neither for other types); latency. Bodies are cut at default_max_string_bytes.

#include <string>

#include "actors/protocols/common/socket_events.hpp"
#include "actors/protocols/dns/stitch.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::protocols::dns {

/// The header JSON object.
std::string header_json(const header& h);
/// req_body: the questions.
std::string queries_json(const message& m);
/// resp_body: the answer section.
std::string answers_json(const message& m);

/// Appends one row. `batch` must have dns_events' columns (schemas::make_empty_batch).
void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r);

}  // namespace wisp::protocols::dns
