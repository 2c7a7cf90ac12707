#pragma once
// The agent <-> broker messages as C++ values, and their FlatBuffers encoding (schemas/cluster.fbs).
// Decoding checks the size, the Verifier, the identifier and the version before anything is read,
// then validates what a verifier cannot (enum ranges, batch columns): a malformed, oversize or
// wrong-version buffer is a `decode_error`, never a crash. Pure functions; any thread.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "schemas/relation.hpp"
#include "schemas/row_batch.hpp"
#include "schemas/wire.hpp"

namespace wisp::cluster_wire {

inline constexpr std::uint32_t cluster_version = 1;
/// The largest message the decoder accepts by default (the sockets' ZMQ_MAXMSGSIZE too).
inline constexpr std::size_t max_message_bytes = static_cast<std::size_t>(wire::max_message_bytes);

// --- agent -> broker ---------------------------------------------------------------------------

struct table_info {
  std::string name;
  schemas::relation rel;
  bool operator==(const table_info&) const = default;
};

struct register_request {
  std::uint32_t requested_asid = 0;  // 0: any
  std::string agent_id;
  std::string hostname;
  std::string kernel_release;
  std::vector<table_info> tables;
  std::string ip_address;
  std::int64_t start_time_ns = 0;
  bool kernel_headers_installed = false;
};

/// One of the agent's tracepoints, as px.GetTracepointStatus shows it.
struct tracepoint_info {
  schemas::uint128 id;
  std::string name;
  std::string state;  // "RUNNING", "FAILED", ... (Pixie's names)
  std::string message;
  std::vector<std::string> tables;
  bool operator==(const tracepoint_info&) const = default;
};

struct heartbeat {
  std::int64_t time_ns = 0;
  std::uint64_t sequence = 0;
  std::vector<wire::loss_counter> losses;
  std::vector<tracepoint_info> tracepoints;
};

/// One stream of batches: a sink of a plan fragment of a query.
struct stream_id {
  std::uint64_t query_id = 0;
  std::uint32_t fragment_id = 0;
  std::string sink;
  auto operator<=>(const stream_id&) const = default;
};

struct batch_message {
  stream_id stream;
  std::uint64_t sequence = 0;
  schemas::row_batch batch;
};

struct end_of_stream {
  stream_id stream;
  std::uint64_t batches = 0;
  wire::status code = wire::status::ok;
  std::string error;
  std::vector<wire::loss_counter> losses;
};

/// The outcome of a tracepoint_request on one agent.
struct tracepoint_reply {
  std::uint64_t request_id = 0;
  std::string error;  // empty: deployed (or deleted)
  std::optional<table_info> table;  // the tracepoint's table, when one was deployed
  std::vector<tracepoint_info> tracepoints;  // all of the agent's, after the mutation
};

/// The broker's summary of one agent's tracepoint_reply (or of its absence).
struct tracepoint_outcome {
  std::uint32_t asid = 0;
  std::string hostname;
  std::string error;  // empty: carried out there
};

using agent_payload = std::variant<register_request, heartbeat, batch_message, end_of_stream, tracepoint_reply>;

struct agent_message {
  std::uint32_t asid = 0;  // 0 until registered
  agent_payload payload;
};

// --- broker -> agent ---------------------------------------------------------------------------

struct register_reply {
  std::uint32_t asid = 0;  // 0 when refused
  std::string agent_id;
  std::string error;  // empty: accepted
};

/// An opaque serialized plan fragment (the planner defines its content).
struct plan_fragment {
  std::uint64_t query_id = 0;
  std::uint32_t fragment_id = 0;
  std::string plan;
};

/// The receiver consumed batches 0 .. consumed-1 of the stream.
struct credit {
  stream_id stream;
  std::uint64_t consumed = 0;
};

/// One tracepoint mutation, compiled by the broker: opaque bytes (pxl/mutation_codec.hpp).
struct tracepoint_request {
  std::uint64_t request_id = 0;
  std::string mutation;
};

using broker_payload = std::variant<register_reply, plan_fragment, credit, tracepoint_request>;

struct broker_message {
  broker_payload payload;
};

// --- codec -------------------------------------------------------------------------------------

enum class decode_errc : std::uint8_t {
  oversize,       // larger than the limit
  malformed,      // failed the FlatBuffers Verifier or the identifier check
  wrong_version,  // a version this build does not speak
  invalid,        // verified, but a field is out of range or missing
};

const char* to_string(decode_errc code);

struct decode_error {
  decode_errc code = decode_errc::malformed;
  std::string detail;  // one line: what is wrong, where
};

std::string encode(const agent_message& m);
std::string encode(const broker_message& m);

/// nullopt and the reason in `err` when `bytes` is not a valid message of this version.
[[nodiscard]] std::optional<agent_message> decode_agent(std::string_view bytes, decode_error& err,
                                                        std::size_t max_bytes = max_message_bytes);
[[nodiscard]] std::optional<broker_message> decode_broker(std::string_view bytes, decode_error& err,
                                                          std::size_t max_bytes = max_message_bytes);

}  // namespace wisp::cluster_wire
