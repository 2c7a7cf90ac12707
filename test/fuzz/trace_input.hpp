#pragma once
// What every protocol fuzz target does with its input: read it as a .trace fixture (the format
// of test/actors/protocols/*/fixtures, so the fixtures are the seed corpus) with two extra tags,
// '}'/'{' a chunk whose tail was not copied (a gap) and ')'/'(' a chunk delivered after the next
// one (reordering); input that is not a trace is fed whole to both directions. Then drive a
// conn_tracker with the chunks over several rounds, close it and check it finished.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/protocols/common/conn_tracker.hpp"

namespace wisp::protocols::fuzz {

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

/// The entries of `in`, or the whole input once per direction.
inline std::vector<entry> entries_of(std::string_view in) {
  std::vector<entry> entries = split_trace(in);
  if (entries.empty()) entries = {{'>', in}, {'<', in}};
  return entries;
}

/// Concatenated bytes of each side: [0] client, [1] server.
inline std::pair<std::string, std::string> sides(const std::vector<entry>& entries) {
  std::pair<std::string, std::string> s;
  for (const entry& e : entries) (from_client(e.tag) ? s.first : s.second).append(e.bytes);
  return s;
}

/// Feeds the entries as a server-side tracker sees them, processing every second chunk, then
/// closes; traps unless the tracker finished.
template <class Tracker, class Record>
void drive(Tracker& t, const std::vector<entry>& entries, std::vector<Record>& records) {
  std::vector<data_chunk> chunks;
  std::uint64_t pos[2] = {0, 0};
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const entry& e = entries[i];
    data_chunk c;
    bool client = from_client(e.tag);
    c.dir = client ? direction::ingress : direction::egress;
    c.time_ns = static_cast<std::int64_t>(i + 1) * step_ns;
    c.pos = pos[client ? 0 : 1];
    c.bytes.assign(e.bytes);
    c.msg_size = static_cast<std::uint32_t>(e.bytes.size());
    if (e.tag == '}' || e.tag == '{') c.msg_size += static_cast<std::uint32_t>(e.bytes.size() % max_gap_extra);
    pos[client ? 0 : 1] += c.msg_size;
    chunks.push_back(std::move(c));
    if (i > 0 && (entries[i - 1].tag == ')' || entries[i - 1].tag == '(')) std::swap(chunks[i - 1], chunks[i]);
  }
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    t.add(chunks[i]);
    if (i % 2) t.process(static_cast<std::int64_t>(i) * step_ns, records);
  }
  t.on_close({});
  t.process(static_cast<std::int64_t>(chunks.size()) * step_ns, records);
  if (!t.finished()) __builtin_trap();
}

}  // namespace wisp::protocols::fuzz
