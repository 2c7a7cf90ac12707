#include "actors/protocols/dns/parse.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "actors/protocols/common/be_reader.hpp"

namespace wisp::protocols::dns {
namespace {

// How far a walk over possibly incomplete bytes got.
enum class walk : std::uint8_t {
  complete,   // the whole item was there and is well-formed
  truncated,  // well-formed so far, the bytes ran out
  malformed,  // cannot be DNS whatever follows
};

constexpr unsigned char pointer_tag = 0xc0;
constexpr std::uint16_t pointer_offset_mask = 0x3fff;
constexpr std::size_t question_fixed_bytes = 4;  // type, class
constexpr std::size_t record_fixed_bytes = 10;   // type, class, TTL, RDLENGTH
constexpr std::size_t a_bytes = 4;
constexpr std::size_t aaaa_bytes = 16;

// Opcodes in use (RFC 6895 §2.2): QUERY, IQUERY (obsolete but legal), STATUS, NOTIFY, UPDATE.
constexpr bool known_opcode(unsigned op) { return op <= 2 || op == 4 || op == 5; }


// The name written at `at` of msg (msg starts with the header). On complete, next is the offset
// just past the name as written (after its first pointer or its final zero) and its labels are
// appended to *text unless text is null.
//
// A pointer refers to a name written earlier: it must go before the start of the piece of name
// it is found in (so pointers cannot loop), and what it leads to must end before the pointer
// itself. The name therefore depends only on bytes before its own end, as it must for a message
// to parse the same whatever follows it; running past that bound is malformed, not truncated.
walk read_name(std::string_view msg, std::size_t at, std::size_t& next, std::string* text) {
  std::size_t pos = at;
  std::size_t piece_start = at;
  std::size_t end = msg.size();  // after a pointer: that pointer's offset
  std::size_t wire = 0;
  std::size_t hops = 0;
  bool jumped = false;
  for (;;) {
    const walk out_of_bytes = jumped ? walk::malformed : walk::truncated;
    if (pos >= end) return out_of_bytes;
    auto len = static_cast<unsigned char>(msg[pos]);
    if ((len & pointer_tag) == pointer_tag) {
      if (pos + 1 >= end) return out_of_bytes;
      std::size_t target = load_be16(msg, pos) & pointer_offset_mask;
      if (target < header_bytes || target >= piece_start || ++hops > max_pointer_hops) return walk::malformed;
      if (!jumped) next = pos + 2;
      jumped = true;
      end = pos;
      pos = piece_start = target;
      continue;
    }
    if (len & pointer_tag) return walk::malformed;  // 0x40 and 0x80: extended label types, unused
    wire += 1 + std::size_t{len};
    if (wire > max_name_bytes) return walk::malformed;
    if (len == 0) {
      if (!jumped) next = pos + 1;
      return walk::complete;
    }
    if (pos + 1 + len > end) return out_of_bytes;
    if (text) {
      if (!text->empty()) text->push_back('.');
      text->append(msg.substr(pos + 1, len));
    }
    pos += 1 + std::size_t{len};
  }
}

std::string address_text(int family, std::string_view rdata) {
  std::array<unsigned char, aaaa_bytes> raw{};
  std::copy(rdata.begin(), rdata.end(), raw.begin());
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (inet_ntop(family, raw.data(), buf.data(), static_cast<socklen_t>(buf.size())) == nullptr) return {};
  return buf.data();
}

// Checks the RDATA at [at, at + len) of msg of an A, AAAA or CNAME record (in any section) and
// sets its addr or cname; other types' RDATA is opaque.
walk decode_rdata(std::string_view msg, std::size_t at, std::size_t len, answer& a) {
  switch (static_cast<rr_type>(a.type)) {
    case rr_type::a:
      if (len != a_bytes) return walk::malformed;
      a.addr = address_text(AF_INET, msg.substr(at, len));
      return walk::complete;
    case rr_type::aaaa:
      if (len != aaaa_bytes) return walk::malformed;
      a.addr = address_text(AF_INET6, msg.substr(at, len));
      return walk::complete;
    case rr_type::cname: {
      std::size_t next = 0;
      // The name must fill the RDATA exactly; running out of it is malformed, not truncated.
      walk w = read_name(msg.substr(0, at + len), at, next, &a.cname);
      return w == walk::complete && next == at + len ? walk::complete : walk::malformed;
    }
    default:
      return walk::complete;
  }
}

// Walks one message at the start of msg. On complete, size is its length; out (if not null)
// receives the header, the questions and the answer section.
walk walk_message(message_type type, std::string_view msg, std::size_t& size, message* out) {
  const bool capped = msg.size() > max_message_bytes;
  if (capped) msg = msg.substr(0, max_message_bytes);
  if (!plausible_header(type, msg)) return walk::malformed;
  if (msg.size() < header_bytes) return walk::truncated;
  header h{load_be16(msg, 0), load_be16(msg, 2), load_be16(msg, 4), load_be16(msg, 6), load_be16(msg, 8), load_be16(msg, 10)};
  if (out) out->hdr = h;
  const walk short_bytes = capped ? walk::malformed : walk::truncated;
  std::size_t pos = header_bytes;
  for (std::size_t i = 0; i < h.num_queries; ++i) {
    question q;
    std::size_t next = 0;
    walk w = read_name(msg, pos, next, out ? &q.name : nullptr);
    if (w != walk::complete) return w == walk::truncated ? short_bytes : w;
    if (next + question_fixed_bytes > msg.size()) return short_bytes;
    q.type = load_be16(msg, next);
    pos = next + question_fixed_bytes;
    if (out) out->queries.push_back(std::move(q));
  }
  const std::size_t records = std::size_t{h.num_answers} + h.num_auth + h.num_addl;
  for (std::size_t i = 0; i < records; ++i) {
    answer a;
    std::size_t next = 0;
    const bool in_answers = i < h.num_answers;
    walk w = read_name(msg, pos, next, out && in_answers ? &a.name : nullptr);
    if (w != walk::complete) return w == walk::truncated ? short_bytes : w;
    if (next + record_fixed_bytes > msg.size()) return short_bytes;
    a.type = load_be16(msg, next);
    const std::size_t rdlength = load_be16(msg, next + 8);
    pos = next + record_fixed_bytes;
    if (pos + rdlength > msg.size()) return short_bytes;
    if (decode_rdata(msg, pos, rdlength, a) != walk::complete) return walk::malformed;
    if (out && in_answers) out->answers.push_back(std::move(a));
    pos += rdlength;
  }
  size = pos;
  return walk::complete;
}

}  // namespace

bool plausible_header(message_type type, std::string_view hdr) {
  if (hdr.size() >= 4) {
    header h{0, load_be16(hdr, 2)};
    if (h.qr() != (type == message_type::response) || !known_opcode(h.opcode()) || h.z()) return false;
  }
  for (std::size_t at = 4; at + 2 <= std::min(hdr.size(), header_bytes); at += 2)
    if (load_be16(hdr, at) > max_section_records) return false;
  return true;
}

parse_result parse_message(message_type type, std::string_view buf, message& out) {
  walk tcp = walk::truncated;
  std::size_t tcp_len = 0;
  message m;
  if (buf.size() >= tcp_length_bytes) {
    tcp_len = load_be16(buf, 0);
    std::string_view body = buf.substr(tcp_length_bytes, tcp_len);
    std::size_t size = 0;
    tcp = tcp_len < header_bytes ? walk::malformed : walk_message(type, body, size, &m);
    // The length must be the message's: a walk that ends early, or runs out of a body that is
    // all there, means the length lies.
    if ((tcp == walk::complete && size != tcp_len) || (tcp == walk::truncated && body.size() == tcp_len))
      tcp = walk::malformed;
  }
  if (tcp == walk::complete) {
    m.tcp = true;
    out = std::move(m);
    return {parse_state::success, tcp_length_bytes + tcp_len};
  }
  m = message{};
  std::size_t size = 0;
  walk udp = walk_message(type, buf, size, &m);
  if (udp == walk::complete) {
    out = std::move(m);
    return {parse_state::success, size};
  }
  if (tcp == walk::truncated || udp == walk::truncated) return {parse_state::needs_more_data, 0};
  return {parse_state::invalid, 0};
}

std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start) {
  for (std::size_t at = start; at < buf.size(); ++at) {
    message m;
    if (parse_message(type, buf.substr(at), m).state != parse_state::invalid) return at;
  }
  return no_frame_boundary;
}

std::optional<message_type> classify(std::string_view buf) {
  for (message_type t : {message_type::request, message_type::response}) {
    message m;
    if (parse_message(t, buf, m).state == parse_state::success) return t;
  }
  return std::nullopt;
}

}  // namespace wisp::protocols::dns
