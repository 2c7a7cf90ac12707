#include "actors/protocols/mysql/parse.hpp"

#include <limits>

namespace wisp::protocols::mysql {
namespace {

std::size_t le24(std::string_view b, std::size_t at) {
  auto u = [&](std::size_t i) { return static_cast<std::size_t>(static_cast<std::uint8_t>(b[at + i])); };
  return u(0) | (u(1) << 8) | (u(2) << 16);
}

std::uint8_t byte_at(std::string_view b, std::size_t at) { return static_cast<std::uint8_t>(b[at]); }

// OK and ERR packets carry a short human-readable text at most.
constexpr std::size_t max_status_bytes = 0xffff;

constexpr std::size_t any_length = std::numeric_limits<std::size_t>::max();

// Whether the packet header at `at` (and its first payload byte, which must be in buf) can start
// a client packet.
bool plausible_request(std::string_view buf, std::size_t at, std::size_t max_packet_bytes) {
  std::size_t len = le24(buf, at);
  if (byte_at(buf, at + 3) != 0) return false;
  return len > 0 && plausible_command(byte_at(buf, at + header_bytes), len, max_packet_bytes);
}

// Whether the header at `at` (with one payload byte in buf) can start an answer.
bool plausible_answer_start(std::string_view buf, std::size_t at) {
  std::size_t len = le24(buf, at);
  std::uint8_t seq = byte_at(buf, at + 3);
  std::uint8_t first = byte_at(buf, at + header_bytes);
  if (seq == 0) return first == greeting_header && len >= min_greeting_bytes && len <= max_handshake_bytes;
  if (seq != 1 || len == 0) return false;
  switch (first) {
    case ok_header: return len >= 7 && len <= max_status_bytes;
    case err_header: return len >= 3 && len <= max_status_bytes;
    case eof_header: return len == 5;
    // A column count, possibly followed by a metadata-follows byte.
    case 0xfc: return len == 3 || len == 4;
    default: return first <= 0xfa && (len == 1 || len == 2);
  }
}

}  // namespace

parse_result parse_packet(message_type type, std::string_view buf, const parse_options& options,
                          packet& out) {
  if (buf.size() < header_bytes) return {parse_state::needs_more_data, 0};
  std::size_t first_len = le24(buf, 0);
  std::uint8_t seq = byte_at(buf, 3);
  if (type == message_type::request) {
    if (seq == 0) {
      if (first_len == 0) return {parse_state::invalid, 0};
      if (buf.size() < header_bytes + 1) return {parse_state::needs_more_data, 0};
      // A text command longer than a piece continues; its total is bounded below.
      if (!plausible_command(byte_at(buf, header_bytes), first_len, any_length)) return {parse_state::invalid, 0};
    } else if (first_len > max_handshake_bytes) {
      return {parse_state::invalid, 0};
    }
  }
  // Walk the pieces' headers: the total is known, and bounded, before anything is copied.
  std::size_t end = 0;
  std::size_t total = 0;
  std::uint8_t last_seq = seq;
  for (;;) {
    if (buf.size() < end + header_bytes) return {parse_state::needs_more_data, 0};
    std::size_t len = le24(buf, end);
    last_seq = byte_at(buf, end + 3);
    total += len;
    end += header_bytes + len;
    if (total > options.max_packet_bytes) return {parse_state::oversize, end};
    if (len < max_piece_payload) break;
  }
  if (buf.size() < end) return {parse_state::needs_more_data, 0};
  out.seq = seq;
  out.last_seq = last_seq;
  out.payload.clear();
  out.payload.reserve(total);
  for (std::size_t at = 0; at < end;) {
    std::size_t len = le24(buf, at);
    out.payload.append(buf.substr(at + header_bytes, len));
    at += header_bytes + len;
  }
  return {parse_state::success, end};
}

std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start,
                                std::size_t max_packet_bytes) {
  for (std::size_t i = start; i + header_bytes < buf.size(); ++i) {
    bool ok = type == message_type::request ? plausible_request(buf, i, max_packet_bytes)
                                            : plausible_answer_start(buf, i);
    if (!ok) continue;
    // If the next header is in the buffer, it must fit too.
    std::size_t next = i + header_bytes + le24(buf, i);
    if (next + header_bytes <= buf.size()) {
      std::uint8_t next_seq = byte_at(buf, next + 3);
      bool fits = type == message_type::request ? next_seq == 0 : (next_seq == 1 || next_seq == 2);
      if (!fits) continue;
    }
    return i;
  }
  return no_frame_boundary;
}

std::optional<message_type> classify(std::string_view buf) {
  if (buf.size() < header_bytes + 1) return std::nullopt;
  std::size_t len = le24(buf, 0);
  std::uint8_t seq = byte_at(buf, 3);
  std::uint8_t first = byte_at(buf, header_bytes);
  if (seq == 0) {
    if (first == greeting_header && len >= min_greeting_bytes) return message_type::response;
    if (plausible_request(buf, 0, any_length)) return message_type::request;
    return std::nullopt;
  }
  if (seq != 1) return std::nullopt;
  if (plausible_answer_start(buf, 0)) return message_type::response;
  // A login request: capabilities, max packet size, charset, 23 filler bytes, user name...
  if (len >= min_greeting_bytes && len <= max_handshake_bytes) return message_type::request;
  return std::nullopt;
}

bool is_greeting(const packet& p) {
  return p.seq == 0 && p.first_byte() == greeting_header && p.payload.size() >= min_greeting_bytes;
}

}  // namespace wisp::protocols::mysql
