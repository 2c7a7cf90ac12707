#pragma once
// This process's ASID (design §4: upid = (asid, pid, process start time)): 0 until the broker
// assigns one to this agent (standalone nodes keep 0, as px.asid() answers there). Set by the
// agent's gateway when it registers; read by everything that makes or checks UPIDs (the socket
// tracer's rows, tracepoint tables, px.asid(), the metadata functions). Any thread.

#include <cstdint>

namespace wisp::schemas {

std::uint32_t node_asid();
void set_node_asid(std::uint32_t asid);

}  // namespace wisp::schemas
