#include "actors/protocols/cql/parse.hpp"

#include <algorithm>
#include <cstdint>

#include "actors/protocols/common/be_reader.hpp"
#include "actors/protocols/cql/body.hpp"
#include "actors/protocols/cql/segment.hpp"

namespace wisp::protocols::cql {
namespace {

std::uint8_t u8(std::string_view b, std::size_t i) { return static_cast<std::uint8_t>(b[i]); }

std::uint32_t body_length(std::string_view b) { return load_be32(b, 5); }

// Checks the bytes of a header present so far; a valid prefix passes.
bool plausible_prefix(message_type type, std::string_view b) {
  if (b.empty()) return true;
  std::uint8_t v = u8(b, 0);
  bool resp = v & response_bit;
  std::uint8_t version = v & ~response_bit;
  if (resp != (type == message_type::response) || version < min_version || version > max_version) return false;
  if (b.size() > 1 && (u8(b, 1) & ~known_flags)) return false;
  if (b.size() > 4) {
    std::uint8_t op = u8(b, 4);
    if (!(resp ? is_response_op(op) : is_request_op(op))) return false;
  }
  // Only the server pushes on a negative stream id, and only EVENTs.
  if (b.size() > 4 && resp && u8(b, 2) & 0x80 && u8(b, 4) != static_cast<std::uint8_t>(opcode::event)) return false;
  if (b.size() >= header_bytes && body_length(b) > hard_max_frame_bytes) return false;
  return true;
}

}  // namespace

bool is_request_op(std::uint8_t op) {
  switch (static_cast<opcode>(op)) {
    case opcode::startup:
    case opcode::options:
    case opcode::query:
    case opcode::prepare:
    case opcode::execute:
    case opcode::register_:
    case opcode::batch:
    case opcode::auth_response: return true;
    default: return false;
  }
}

bool is_response_op(std::uint8_t op) {
  switch (static_cast<opcode>(op)) {
    case opcode::error:
    case opcode::ready:
    case opcode::authenticate:
    case opcode::supported:
    case opcode::result:
    case opcode::event:
    case opcode::auth_challenge:
    case opcode::auth_success: return true;
    default: return false;
  }
}

bool plausible_header(message_type type, std::string_view buf) {
  return buf.size() >= header_bytes && plausible_prefix(type, buf.substr(0, header_bytes));
}

parse_result parse_message(message_type type, std::string_view buf, const parse_options& options, message& out) {
  if (!plausible_prefix(type, buf.substr(0, header_bytes))) return {parse_state::invalid, 0};
  if (buf.size() < header_bytes) return {parse_state::needs_more_data, 0};
  std::size_t length = body_length(buf);
  std::size_t total = header_bytes + length;
  if (length > options.max_frame_bytes) return {parse_state::oversize, total};
  if (buf.size() < total) return {parse_state::needs_more_data, 0};

  message m;
  m.type = type;
  m.version = u8(buf, 0) & ~response_bit;
  m.flags = u8(buf, 1);
  m.stream = static_cast<std::int16_t>(load_be16(buf, 2));
  m.op = static_cast<opcode>(u8(buf, 4));
  std::optional<std::string> body = render_body(m, buf.substr(header_bytes, length));
  // A body that does not decode as its opcode's form: these 9 bytes were not a header.
  if (!body) return {parse_state::invalid, 0};
  m.body = truncate_text(*body, options.max_body_text_bytes);
  out = std::move(m);
  return {parse_state::success, total};
}

parse_result parse(message_type type, std::string_view buf, const parse_options& options, std::vector<message>& out) {
  segment_header h;
  header_read seg = read_segment_header(buf, h);
  if (seg == header_read::ok) {
    parse_result r = parse_segment(type, buf, options, out);
    if (r.state != parse_state::invalid) return r;
  }
  message m;
  parse_result r = parse_message(type, buf, options, m);
  // Too few bytes to tell whether a segment header starts here.
  if (r.state == parse_state::invalid && seg == header_read::partial) return {parse_state::needs_more_data, 0};
  if (r.state == parse_state::success) {
    m.wire_size = r.consumed;
    out.push_back(std::move(m));
  }
  return r;
}

std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start) {
  // After a segment whose header checks out but whose payload does not (bad CRC32, cut frames),
  // its payload's frames are not searched: the segment is skipped whole.
  segment_header h;
  if (start > 0 && read_segment_header(buf, h) == header_read::ok) start = std::max(start, h.wire_bytes());
  for (std::size_t i = start; i + segment_header_bytes <= buf.size(); ++i) {
    std::string_view at = buf.substr(i);
    if (plausible_header(type, at) || plausible_segment(type, at)) return i;
  }
  return no_frame_boundary;
}

std::optional<message_type> classify(std::string_view buf) {
  for (message_type t : {message_type::request, message_type::response})
    if (plausible_header(t, buf)) return t;
  return classify_segment(buf);
}

}  // namespace wisp::protocols::cql
