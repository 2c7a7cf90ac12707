#pragma once
// The plan-fragment codec: the typed plan an agent runs, as the bytes of cluster.fbs
// PlanFragment.plan (schema: schemas/plan.fbs, identifier "WSPF").
//
// A fragment holds memory sources, maps, filters, limits, full or partial aggregates and result
// sinks; expressions are columns, literals and UDF calls. Anything else is refused by both ends.
//
// The bytes come from another process, so decoding trusts nothing but their shape: after the
// FlatBuffers Verifier (identifier, size, depth), every node is checked (unique ids, parents
// that are earlier nodes and as many as the kind takes, the limits below) and typed again with
// the types pass (types.hpp resolve_node) against the agent's own table catalog and function
// registry, which derives every output relation; the column indexes, types and group indexes
// the bytes state must then agree with what it derived. Every failure is one line naming the
// node ("node 4 (map): ..."). The result is a typed plan that exec::make_operator and
// exec::run_plan accept.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pxl/options.hpp"
#include "pxl/plan.hpp"

namespace wisp::pxl {

class function_registry;

/// Incompatible changes of plan.fbs bump it; a fragment of another version is refused.
inline constexpr std::uint32_t fragment_version = 1;

/// Limits on a fragment (both ends): far above any compiled script's needs.
struct fragment_limits {
  static constexpr std::size_t max_bytes = 4u << 20;
  static constexpr std::size_t max_nodes = 1024;
  static constexpr std::size_t max_expression_depth = 128;
  static constexpr std::size_t max_call_args = 64;
  static constexpr std::size_t max_columns = 4096;  // map outputs, groups, aggregates, source columns
};

/// The fragment's bytes, or nullopt and a one-line reason in `error` when `p` holds something a
/// fragment cannot (another node kind, a final aggregate, a metadata expression, an untyped
/// node) or exceeds fragment_limits.
[[nodiscard]] std::optional<std::string> encode_fragment(const plan& p, std::string& error);

/// The typed plan in `bytes`, checked as described above against `tables` (the agent's) and
/// `functions`; nullopt and a one-line reason in `error` otherwise.
[[nodiscard]] std::optional<plan> decode_fragment(std::string_view bytes, const function_registry& functions,
                                                  const table_catalog& tables, std::string& error);

}  // namespace wisp::pxl
