#include "test/actors/protocols/trace_fixture.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <utility>

namespace wisp::protocols::test {

std::vector<trace_read> load_trace(std::string_view relative) {
  std::string path = std::string{WISP_SOURCE_DIR} + "/test/actors/protocols/" + std::string{relative};
  std::ifstream in{path, std::ios::binary};
  std::string all{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  std::vector<trace_read> reads;
  std::size_t pos = 0;
  while (pos < all.size()) {
    std::size_t nl = all.find('\n', pos);
    if (nl == std::string::npos || nl < pos + 3) return {};
    char tag = all[pos];
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(all.data() + pos + 2, all.data() + nl, n);
    if (ec != std::errc{} || (tag != '>' && tag != '<') || nl + 1 + n + 1 > all.size()) return {};
    reads.push_back({tag == '>', all.substr(nl + 1, n)});
    pos = nl + 1 + n + 1;
  }
  return reads;
}

std::string side_bytes(const std::vector<trace_read>& reads, bool from_client) {
  std::string out;
  for (const trace_read& r : reads)
    if (r.from_client == from_client) out += r.bytes;
  return out;
}

std::vector<data_chunk> to_chunks(const std::vector<trace_read>& reads, bool server_side) {
  std::vector<data_chunk> chunks;
  std::uint64_t pos[2] = {0, 0};
  for (std::size_t i = 0; i < reads.size(); ++i) {
    data_chunk c;
    bool ingress = reads[i].from_client == server_side;
    c.dir = ingress ? direction::ingress : direction::egress;
    c.time_ns = fixture_start_ns + static_cast<std::int64_t>(i) * fixture_step_ns;
    c.protocol = WISP_PROTO_HTTP;
    std::uint64_t& p = pos[ingress ? 1 : 0];
    c.pos = p;
    c.msg_size = static_cast<std::uint32_t>(reads[i].bytes.size());
    c.bytes = reads[i].bytes;
    p += reads[i].bytes.size();
    chunks.push_back(std::move(c));
  }
  return chunks;
}

conn_meta loopback_meta(schemas::trace_role role, std::int64_t local_port) {
  conn_meta m;
  m.role = role;
  m.local = {"127.0.0.1", local_port};
  m.remote = {"127.0.0.1", fixture_remote_port};
  return m;
}

data_chunk chunk(direction d, std::uint64_t pos, std::string bytes, std::int64_t ts) {
  data_chunk c;
  c.dir = d;
  c.pos = pos;
  c.time_ns = ts;
  c.msg_size = static_cast<std::uint32_t>(bytes.size());
  c.bytes = std::move(bytes);
  return c;
}

std::vector<std::vector<data_chunk>> split_rounds(const std::string& req, const std::string& resp,
                                                  std::size_t k) {
  // The bytes [from, to) of s, clamped to s.
  auto piece = [](const std::string& s, std::size_t from, std::size_t to, direction d, std::int64_t ts) {
    std::size_t at = std::min(from, s.size());
    return chunk(d, at, s.substr(at, std::min(to, s.size()) - at), ts);
  };
  return {{piece(req, 0, k, direction::ingress, 1)},
          {piece(req, k, req.size(), direction::ingress, 2), piece(resp, 0, k, direction::egress, 3)},
          {piece(resp, k, resp.size(), direction::egress, 4)}};
}

}  // namespace wisp::protocols::test
