#include "actors/protocols/kafka/parse.hpp"

#include <algorithm>
#include <cstdint>

#include "actors/protocols/kafka/decode.hpp"

namespace wisp::protocols::kafka {
namespace {

constexpr std::size_t size_bytes = 4;
constexpr std::size_t min_request_bytes = 8;   // api_key, api_version, correlation_id
constexpr std::size_t min_response_bytes = 4;  // correlation_id

// ControlledShutdown v0 is the one request whose header (v0) has no client_id.
bool has_client_id(std::int16_t key, std::int16_t version) { return !(key == 7 && version == 0); }

struct request_header {
  std::int16_t api_key = -1;
  std::int16_t api_version = -1;
  std::int32_t correlation_id = 0;
  std::string_view client_id;
  std::size_t size = 0;  // header bytes
};

// The header of a request whose size field says `size` and whose first bytes are `body`
// (possibly fewer than size). nullopt if the bytes cannot be a request header; needs_more is set
// when they are a valid prefix.
std::optional<request_header> read_request_header(std::string_view body, bool& needs_more) {
  needs_more = false;
  reader r{body};
  request_header h;
  h.api_key = static_cast<std::int16_t>(r.sint(2));
  h.api_version = static_cast<std::int16_t>(r.sint(2));
  h.correlation_id = static_cast<std::int32_t>(r.sint(4));
  if (r.failed()) {
    needs_more = true;
    return std::nullopt;
  }
  if (h.api_key < 0 || h.api_key > api::max_key || h.api_version < 0 || h.api_version > api::max_version ||
      h.correlation_id < 0)
    return std::nullopt;
  if (has_client_id(h.api_key, h.api_version)) {
    if (r.remaining() < 2) {
      needs_more = true;
      return std::nullopt;
    }
    std::int64_t n = reader{body.substr(r.position())}.sint(2);
    if (n < -1) return std::nullopt;
    auto id = r.string(false);
    if (r.failed()) {
      needs_more = true;
      return std::nullopt;
    }
    h.client_id = id.value_or("");
  }
  if (flexible(h.api_key, h.api_version)) {
    r.skip_tagged_fields();
    if (r.failed()) {
      needs_more = true;
      return std::nullopt;
    }
  }
  h.size = r.position();
  return h;
}

std::int64_t read_size(std::string_view buf) { return reader{buf}.sint(4); }

}  // namespace

parse_result parse_message(message_type type, std::string_view buf, const parse_options& options, message& out) {
  if (buf.size() < size_bytes) return {parse_state::needs_more_data, 0};
  std::int64_t size = read_size(buf);
  std::size_t min = type == message_type::request ? min_request_bytes : min_response_bytes;
  if (size < 0 || static_cast<std::uint64_t>(size) < min) return {parse_state::invalid, 0};
  auto n = static_cast<std::size_t>(size);
  std::string_view body = buf.substr(size_bytes, n);
  if (type == message_type::request) {
    // Check the header before trusting the size, so that garbage is invalid, not oversize.
    bool needs_more = false;
    auto h = read_request_header(body, needs_more);
    // (body holds at most the message's bytes: a header running past them is invalid.)
    if (!h && (!needs_more || body.size() == n)) return {parse_state::invalid, 0};
    if (n > options.max_message_bytes) return {parse_state::oversize, size_bytes + n};
    if (!h || body.size() < n) return {parse_state::needs_more_data, 0};
    out = message{};
    out.type = type;
    out.api_key = h->api_key;
    out.api_version = h->api_version;
    out.correlation_id = h->correlation_id;
    out.client_id = std::string(h->client_id);
    std::string_view payload = body.substr(h->size);
    if (h->api_key == api::produce) {
      // acks sits after the transactional_id (v3+): 0 means no response will come.
      reader r{payload};
      if (h->api_version >= 3) (void)r.string(flexible(h->api_key, h->api_version));
      out.expects_response = r.sint(2) != 0 || r.failed();
    }
    out.body = decode_body(type, h->api_key, h->api_version, payload, false, max_json_bytes);
    return {parse_state::success, size_bytes + n};
  }
  if (n > options.max_message_bytes) return {parse_state::oversize, size_bytes + n};
  if (body.size() < n) return {parse_state::needs_more_data, 0};
  out = message{};
  out.type = type;
  out.correlation_id = static_cast<std::int32_t>(reader{body}.sint(4));
  std::string_view payload = body.substr(min_response_bytes);
  out.body_cut = payload.size() > options.max_payload_bytes;
  out.body = std::string(payload.substr(0, options.max_payload_bytes));
  return {parse_state::success, size_bytes + n};
}

std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start) {
  for (std::size_t i = start; i + size_bytes + min_response_bytes <= buf.size(); ++i) {
    std::string_view at = buf.substr(i);
    std::int64_t size = read_size(at);
    if (size < 0 || static_cast<std::uint64_t>(size) > default_max_message_bytes) continue;
    if (type == message_type::request) {
      bool needs_more = false;
      auto h = read_request_header(at.substr(size_bytes, static_cast<std::size_t>(size)), needs_more);
      if (h) return i;
    } else if (static_cast<std::size_t>(size) >= min_response_bytes && reader{at.substr(size_bytes)}.sint(4) >= 0) {
      return i;
    }
  }
  return no_frame_boundary;
}

std::optional<message_type> classify(std::string_view buf) {
  if (buf.size() < size_bytes) return std::nullopt;
  std::int64_t size = read_size(buf);
  if (size < static_cast<std::int64_t>(min_request_bytes)) return std::nullopt;
  bool needs_more = false;
  auto h = read_request_header(buf.substr(size_bytes, static_cast<std::size_t>(size)), needs_more);
  if (!h) return std::nullopt;
  // Read as a request header, a response often shows a valid key, version and correlation id
  // (its correlation id is small, its first body fields are zeros), but then an empty client_id:
  // clients name themselves (librdkafka "rdkafka", Java "producer-1", ...).
  bool printable = std::all_of(h->client_id.begin(), h->client_id.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  return printable && !h->client_id.empty() ? std::optional{message_type::request} : std::nullopt;
}

}  // namespace wisp::protocols::kafka
