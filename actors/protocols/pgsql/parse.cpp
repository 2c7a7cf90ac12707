#include "actors/protocols/pgsql/parse.hpp"

#include "actors/protocols/common/be_reader.hpp"
#include "actors/protocols/pgsql/payload.hpp"

namespace wisp::protocols::pgsql {
namespace {

// Request codes of the untagged messages (protocol-message-formats).
constexpr std::uint32_t ssl_request_code = 80877103;
constexpr std::uint32_t gssenc_request_code = 80877104;
constexpr std::uint32_t cancel_request_code = 80877102;
constexpr std::uint32_t protocol_major_shift = 16;
constexpr std::uint32_t protocol_major_v3 = 3;
constexpr std::size_t untagged_header_bytes = 8;  // length + code
constexpr std::uint32_t cancel_request_bytes = 16;
constexpr std::uint32_t length_bytes = 4;
constexpr std::uint32_t ready_for_query_bytes = 5;
constexpr std::uint32_t backend_key_min_bytes = 12;
constexpr std::uint32_t backend_key_max_bytes = 12 + 256;  // protocol 3.2 allows keys up to 256 bytes
constexpr std::size_t classify_max_messages = 16;


// Whether a length field fits the message type: several messages have exactly one size.
bool length_fits(message_type type, char t, std::uint32_t len) {
  if (len < length_bytes || len > max_length_field) return false;
  if (type == message_type::request) {
    switch (t) {
      case tag::sync:
      case tag::flush:
      case tag::terminate:
      case tag::copy_done:
        return len == length_bytes;
      default:
        return true;
    }
  }
  switch (t) {
    case tag::parse_complete:
    case tag::bind_complete:
    case tag::close_complete:
    case tag::no_data:
    case tag::empty_query_response:
    case tag::portal_suspended:
    case tag::copy_done:
      return len == length_bytes;
    case tag::ready_for_query:
      return len == ready_for_query_bytes;
    case tag::backend_key_data:
      return len >= backend_key_min_bytes && len <= backend_key_max_bytes;
    default:
      return true;
  }
}

enum class header_check : std::uint8_t { ok, partial, bad };

// A regular message header at the start of buf: a tag of this direction and a fitting length.
header_check check_header(message_type type, std::string_view buf, std::uint32_t& len) {
  if (buf.empty()) return header_check::partial;
  if (!is_tag(type, buf[0])) return header_check::bad;
  if (buf.size() < header_bytes) return header_check::partial;
  len = load_be32(buf.substr(1));
  return length_fits(type, buf[0], len) ? header_check::ok : header_check::bad;
}

// The kind and length of an untagged (startup-family) message, from its 8-byte header.
std::optional<message_kind> untagged_kind(std::uint32_t len, std::uint32_t code) {
  if (code == ssl_request_code && len == untagged_header_bytes) return message_kind::ssl_request;
  if (code == gssenc_request_code && len == untagged_header_bytes) return message_kind::gssenc_request;
  if (code == cancel_request_code && len == cancel_request_bytes) return message_kind::cancel_request;
  if ((code >> protocol_major_shift) == protocol_major_v3 && len > untagged_header_bytes &&
      len <= max_startup_bytes) {
    return message_kind::startup;
  }
  return std::nullopt;
}

header_check check_untagged(std::string_view buf) {
  // Lengths are at most max_startup_bytes: the two high bytes are zero.
  for (std::size_t i = 0; i < 2 && i < buf.size(); ++i)
    if (buf[i] != '\0') return header_check::bad;
  if (buf.size() < untagged_header_bytes) return header_check::partial;
  return untagged_kind(load_be32(buf), load_be32(buf.substr(length_bytes))) ? header_check::ok : header_check::bad;
}

parse_result parse_untagged(std::string_view buf, message& out) {
  header_check h = check_untagged(buf);
  if (h == header_check::bad) return {parse_state::invalid, 0};
  if (h == header_check::partial) return {parse_state::needs_more_data, 0};
  std::uint32_t len = load_be32(buf);
  if (buf.size() < len) return {parse_state::needs_more_data, 0};
  out = message{};
  out.kind = *untagged_kind(len, load_be32(buf.substr(length_bytes)));
  out.payload.assign(buf.substr(length_bytes, len - length_bytes));
  // Startup parameters are NUL-terminated pairs ending with an empty name.
  if (out.kind == message_kind::startup && out.payload.back() != '\0') return {parse_state::invalid, 0};
  return {parse_state::success, len};
}

parse_result parse_regular(message_type type, std::string_view buf, const parse_options& options,
                           message& out) {
  std::uint32_t len = 0;
  header_check h = check_header(type, buf, len);
  if (h == header_check::bad) return {parse_state::invalid, 0};
  if (h == header_check::partial) return {parse_state::needs_more_data, 0};
  std::size_t total = std::size_t{len} + 1;
  if (total > options.max_message_bytes) return {parse_state::oversize, total};
  if (buf.size() < total) return {parse_state::needs_more_data, 0};
  std::string_view payload = buf.substr(header_bytes, len - length_bytes);
  out = message{};
  out.tag = buf[0];
  if (out.tag == tag::copy_data) return {parse_state::success, total};
  if (type == message_type::response && out.tag == tag::data_row) {
    std::optional<std::string> row = render_data_row(payload, options.max_row_text_bytes);
    if (!row) return {parse_state::invalid, 0};
    out.payload = std::move(*row);
    return {parse_state::success, total};
  }
  out.payload.assign(payload);
  return {parse_state::success, total};
}

bool is_encryption_reply(char c) { return c == 'S' || c == 'N' || c == 'G'; }

}  // namespace

parse_result parse_request(std::string_view buf, const parse_options& options, message& out) {
  if (buf.empty()) return {parse_state::needs_more_data, 0};
  if (buf[0] == '\0') return parse_untagged(buf, out);
  return parse_regular(message_type::request, buf, options, out);
}

parse_result parse_response(std::string_view buf, const response_hint& hint,
                            const parse_options& options, message& out) {
  if (buf.empty()) return {parse_state::needs_more_data, 0};
  if (hint.encryption_reply_due && is_encryption_reply(buf[0])) {
    out = message{};
    out.kind = message_kind::encryption_reply;
    out.tag = buf[0];
    return {parse_state::success, 1};
  }
  return parse_regular(message_type::response, buf, options, out);
}

parse_result parse_message(message_type type, std::string_view buf, const response_hint& hint,
                           const parse_options& options, message& out) {
  return type == message_type::request ? parse_request(buf, options, out)
                                       : parse_response(buf, hint, options, out);
}

std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start,
                                std::size_t max_message_bytes) {
  for (std::size_t i = start; i < buf.size(); ++i) {
    std::string_view rest = buf.substr(i);
    if (type == message_type::request && rest[0] == '\0') {
      if (check_untagged(rest) != header_check::bad) return i;
      continue;
    }
    std::uint32_t len = 0;
    header_check h = check_header(type, rest, len);
    if (h == header_check::partial) return i;
    if (h == header_check::bad || std::size_t{len} + 1 > max_message_bytes) continue;
    // One header is two bytes of evidence; the next message's header must fit too.
    std::size_t next = std::size_t{len} + 1;
    if (next >= rest.size()) return i;
    std::uint32_t next_len = 0;
    if (check_header(type, rest.substr(next), next_len) != header_check::bad) return i;
  }
  return no_frame_boundary;
}

std::optional<message_type> classify(std::string_view buf) {
  std::size_t pos = 0;
  for (std::size_t k = 0; k < classify_max_messages && pos < buf.size(); ++k) {
    std::string_view rest = buf.substr(pos);
    if (rest[0] == '\0') {
      if (check_untagged(rest) == header_check::ok) return message_type::request;
      return std::nullopt;
    }
    if (rest.size() < header_bytes) return std::nullopt;
    bool frontend = is_tag(message_type::request, rest[0]);
    bool backend = is_tag(message_type::response, rest[0]);
    std::uint32_t len = load_be32(rest.substr(1));
    if (frontend && !backend) {
      return length_fits(message_type::request, rest[0], len) ? std::optional{message_type::request} : std::nullopt;
    }
    if (backend && !frontend) {
      return length_fits(message_type::response, rest[0], len) ? std::optional{message_type::response} : std::nullopt;
    }
    if (!frontend || len < length_bytes || len > max_length_field) return std::nullopt;
    pos += std::size_t{len} + 1;
  }
  return std::nullopt;
}

}  // namespace wisp::protocols::pgsql
