// libFuzzer target over the HTTP/1.x parser, stitcher, row builder and the data_stream/
// conn_tracker underneath them.
//
// Input: the .trace format of test/actors/protocols/http/fixtures (so the fixtures are the seed
// corpus), with two extra tags: '}'/'{' is a chunk whose tail was not copied (a gap) and
// ')'/'(' is a chunk delivered after the next one (reordering). Input that is not a trace is
// fed whole to both directions.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/http/parse.hpp"
#include "actors/protocols/http/protocol.hpp"
#include "actors/protocols/http/row.hpp"
#include "schemas/http_events.hpp"

namespace {

using namespace wisp::protocols;

constexpr std::size_t max_gap_extra = 700;
constexpr std::int64_t step_ns = 1000;

struct entry {
  char tag;
  std::string_view bytes;
};

std::vector<entry> split_trace(std::string_view in) {
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

bool from_client(char tag) { return tag == '>' || tag == '}' || tag == ')'; }

void parse_all(message_type type, std::string_view buf, bool eos) {
  http::response_hint hints[] = {{false, eos}, {true, eos}};
  for (const auto& hint : hints) {
    std::string_view v = buf;
    while (!v.empty()) {
      http::message m;
      parse_result r = http::parse_message(type, v, hint, {}, m);
      if (r.state == parse_state::success || r.state == parse_state::ignored) {
        if (r.consumed == 0 || r.consumed > v.size()) __builtin_trap();
        if (m.body.size() > http::default_body_limit_bytes || m.body.size() > m.body_size) __builtin_trap();
        v.remove_prefix(r.consumed);
        continue;
      }
      if (r.state == parse_state::needs_more_data) break;
      std::size_t at = http::find_frame_boundary(type, v, 1);
      if (at == no_frame_boundary) break;
      if (at == 0 || at > v.size()) __builtin_trap();
      v.remove_prefix(at);
    }
  }
  (void)http::classify(buf);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in{reinterpret_cast<const char*>(data), size};
  std::vector<entry> entries = split_trace(in);
  if (entries.empty()) entries = {{'>', in}, {'<', in}};

  std::string sides[2];
  for (const entry& e : entries) sides[from_client(e.tag) ? 0 : 1].append(e.bytes);
  parse_all(message_type::request, sides[0], false);
  parse_all(message_type::response, sides[1], true);

  conn_meta meta;
  meta.role = size % 2 ? wisp::schemas::trace_role::unknown : wisp::schemas::trace_role::server;
  tracker_options opts;
  opts.stream.max_retained_bytes = 4096;  // exercise the memory bounds with small inputs
  http::tracker t{{}, meta, trace_both_sides, opts};
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
  std::vector<http::record> records;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    t.add(chunks[i]);
    if (i % 2) t.process(static_cast<std::int64_t>(i) * step_ns, records);
  }
  t.on_close({});
  t.process(static_cast<std::int64_t>(chunks.size()) * step_ns, records);
  if (!t.finished()) __builtin_trap();

  auto batch = wisp::schemas::make_empty_batch(wisp::schemas::to_relation(wisp::schemas::http_events));
  for (const http::record& r : records) http::append_row(batch, t.meta(), r);
  if (!wisp::schemas::matches(batch, wisp::schemas::to_relation(wisp::schemas::http_events))) __builtin_trap();
  return 0;
}
