#include "actors/protocols/nats/row.hpp"

#include <string_view>

#include "actors/protocols/common/row.hpp"
#include "actors/protocols/common/truncate.hpp"
#include "schemas/nats_events.hpp"

namespace wisp::protocols::nats {
namespace {

std::string_view resp_text(const message& resp) {
  if (resp.command == ok_command) return "OK";
  if (resp.command == err_command) return "ERR";
  return {};
}

}  // namespace

using schemas::nats_events;

void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r) {
  append_canonical_columns<nats_events>(batch, meta, r.msg.timestamp_ns);
  auto& c = batch.columns;
  c[nats_events.col("cmd")].push_string(r.msg.command);
  c[nats_events.col("body")].push_string(truncate_text(r.msg.body, default_max_string_bytes));
  c[nats_events.col("resp")].push_string(resp_text(r.resp));
}

}  // namespace wisp::protocols::nats
