#pragma once
// Shared by the protocol fuzz targets: turns fuzzer input into the data_chunks a socket tracer
// would deliver, and drives a conn_tracker over them.
//
// Input: the .trace format of test/actors/protocols/*/fixtures (so the fixtures are the seed
// corpus), with two extra tags: '}'/'{' is a chunk whose tail was not copied (a gap) and
// ')'/'(' is a chunk delivered after the next one (reordering). Input that is not a trace is
// fed whole to both directions.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/protocols/common/conn_tracker.hpp"
#include "schemas/relation.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::fuzz {

inline constexpr std::size_t max_gap_extra = 700;
inline constexpr std::int64_t step_ns = 1000;

struct entry {
  char tag;
  std::string_view bytes;
};

inline std::vector<entry> split_trace(std::string_view in) {
  std::vector<entry> out;
  std::size_t pos = 0;
  while (pos < in.size()) {
    std::size_t nl = in.find('\n', pos);
    if (nl == std::string_view::npos || nl < pos + 3 || in[pos + 1] != ' ') return {};
    std::size_t n = 0;
    for (std::size_t i = pos + 2; i < nl; ++i) {
      if (in[i] < '0' || in[i] > '9' || n > in.size()) return {};
      n = n * 10 + static_cast<std::size_t>(in[i] - '0');
    }
    if (n > in.size() - nl - 1) return {};
    out.push_back({in[pos], in.substr(nl + 1, n)});
    pos = nl + 1 + n + 1;
  }
  return out;
}

inline bool from_client(char tag) { return tag == '>' || tag == '}' || tag == ')'; }

/// The input's entries: a trace, or the whole input as one read each way.
inline std::vector<entry> entries_of(std::string_view in) {
  std::vector<entry> entries = split_trace(in);
  if (entries.empty()) entries = {{'>', in}, {'<', in}};
  return entries;
}

/// Concatenated bytes of each side: [0] client, [1] server.
inline std::pair<std::string, std::string> sides(const std::vector<entry>& entries) {
  std::pair<std::string, std::string> out;
  for (const entry& e : entries) (from_client(e.tag) ? out.first : out.second).append(e.bytes);
  return out;
}

/// The opening every protocol target shares: reads the input's entries and hands each side's
/// bytes to parse_side(type, bytes), the client's as requests, the server's as responses.
/// Returns the entries, for the tracker half (drive_into_rows).
template <class ParseSide>
std::vector<entry> parse_sides(const std::uint8_t* data, std::size_t size, ParseSide parse_side) {
  std::vector<entry> entries = entries_of({reinterpret_cast<const char*>(data), size});
  auto [client, server] = sides(entries);
  parse_side(protocols::message_type::request, std::string_view{client});
  parse_side(protocols::message_type::response, std::string_view{server});
  return entries;
}

/// Server-side chunks, with the gaps and reorderings the tags ask for.
inline std::vector<protocols::data_chunk> chunks_of(const std::vector<entry>& entries) {
  std::vector<protocols::data_chunk> chunks;
  std::uint64_t pos[2] = {0, 0};
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const entry& e = entries[i];
    protocols::data_chunk c;
    bool client = from_client(e.tag);
    c.dir = client ? protocols::direction::ingress : protocols::direction::egress;
    c.time_ns = static_cast<std::int64_t>(i + 1) * step_ns;
    c.pos = pos[client ? 0 : 1];
    c.bytes.assign(e.bytes);
    c.msg_size = static_cast<std::uint32_t>(e.bytes.size());
    if (e.tag == '}' || e.tag == '{') c.msg_size += static_cast<std::uint32_t>(e.bytes.size() % max_gap_extra);
    pos[client ? 0 : 1] += c.msg_size;
    chunks.push_back(std::move(c));
    if (i > 0 && (entries[i - 1].tag == ')' || entries[i - 1].tag == '(')) std::swap(chunks[i - 1], chunks[i]);
  }
  return chunks;
}

/// Parses `buf` frame after frame: `parse(rest)` returns a parse_result (and checks its frame);
/// after an invalid one, `boundary(rest)` (searching from offset 1) says where to go on. Traps
/// on a result that would make no progress or point outside the buffer.
template <class Parse, class Boundary>
void walk_frames(std::string_view buf, Parse parse, Boundary boundary) {
  std::string_view v = buf;
  while (!v.empty()) {
    protocols::parse_result r = parse(v);
    if (r.state == protocols::parse_state::success || r.state == protocols::parse_state::ignored) {
      if (r.consumed == 0 || r.consumed > v.size()) __builtin_trap();
      v.remove_prefix(r.consumed);
      continue;
    }
    if (r.state == protocols::parse_state::needs_more_data) break;
    std::size_t at = boundary(v);
    if (at == protocols::no_frame_boundary) break;
    if (at == 0 || at > v.size()) __builtin_trap();
    v.remove_prefix(at);
  }
}

/// Small stream bounds, so the memory limits are exercised by small inputs.
inline protocols::tracker_options small_bounds() {
  protocols::tracker_options opts;
  opts.stream.max_retained_bytes = 4096;
  return opts;
}

/// Feeds the chunks (processing every second one), closes, and traps unless the tracker
/// finished.
template <class Tracker, class Record>
void drive(Tracker& t, const std::vector<protocols::data_chunk>& chunks, std::vector<Record>& records) {
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    t.add(chunks[i]);
    if (i % 2) t.process(static_cast<std::int64_t>(i) * step_ns, records);
  }
  t.on_close({});
  t.process(static_cast<std::int64_t>(chunks.size()) * step_ns, records);
  if (!t.finished()) __builtin_trap();
}

/// The tracker half every protocol target shares: a Tracker with role server or unknown (by the
/// input's size), tracing both sides with small stream bounds and the parser options given, is
/// driven over the input's chunks; each record becomes a row of Table through append(batch, meta,
/// record), and the batch must match Table's relation.
template <class Tracker, const auto& Table, class ParserOptions, class Append>
void drive_into_rows(const std::vector<entry>& entries, std::size_t size, const ParserOptions& parser_options,
                     Append append) {
  protocols::conn_meta meta;
  meta.role = size % 2 ? schemas::trace_role::unknown : schemas::trace_role::server;
  Tracker t{{}, meta, protocols::trace_both_sides, small_bounds(), parser_options};
  std::vector<typename Tracker::record> records;
  drive(t, chunks_of(entries), records);
  auto rel = schemas::to_relation(Table);
  auto batch = schemas::make_empty_batch(rel);
  for (const auto& r : records) append(batch, t.meta(), r);
  if (!schemas::matches(batch, rel)) __builtin_trap();
}

}  // namespace wisp::fuzz
