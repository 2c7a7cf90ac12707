#pragma once
// Events of the generic uprobe program back into column values: one event (wisp_dt_event
// header and payload) -> one row of the user's columns, laid out by the resolved probe's
// capture_layouts. Values whose read faulted become 0 / "" (and are counted). Bounds are
// checked against the payload actually received: a short or corrupt event never reads past it.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "actors/tracepoints/probe.hpp"
#include "bpf/dyntrace.h"
#include "schemas/relation.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::tracepoints {

/// The user's columns (name and type), in capture order: the tail of the output relation.
std::vector<schemas::column_info> capture_columns(const std::vector<capture_layout>& captures);

/// Appends one value per capture to batch.columns[first_column ...] (which must have the types
/// of capture_columns). Returns how many captures were faulted (unread).
std::size_t decode(const std::vector<capture_layout>& captures, const wisp_dt_event& event,
                   std::span<const std::uint8_t> payload, schemas::row_batch& batch,
                   std::size_t first_column);

}  // namespace wisp::tracepoints
