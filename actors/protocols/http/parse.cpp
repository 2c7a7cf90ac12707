#include "actors/protocols/http/parse.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

namespace wisp::protocols::http {
namespace {

constexpr std::array<std::string_view, 9> methods{"GET",   "HEAD",    "POST",  "PUT",  "DELETE",
                                                  "PATCH", "OPTIONS", "TRACE", "CONNECT"};
constexpr std::string_view version_prefix = "HTTP/1.";
constexpr std::size_t status_code_digits = 3;
constexpr std::int64_t status_no_content = 204;
constexpr std::int64_t status_not_modified = 304;
constexpr std::int64_t first_status = 100;
constexpr std::int64_t first_final_status = 200;
constexpr std::int64_t last_status = 999;
constexpr int hex_base = 16;
constexpr std::size_t max_length_digits = 15;  // bodies of up to ~1 PB: no overflow below
constexpr std::size_t max_chunk_size_digits = 15;

struct line {
  std::string_view text;  // without CR LF
  std::size_t next = 0;   // offset after the LF
};

// Lines end in CRLF; a bare LF is accepted as servers and clients in the wild do.
std::optional<line> next_line(std::string_view buf, std::size_t pos) {
  std::size_t nl = buf.find('\n', pos);
  if (nl == std::string_view::npos) return std::nullopt;
  std::string_view text = buf.substr(pos, nl - pos);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return line{text, nl + 1};
}

// RFC 9110 tchar, as a table: header names are checked byte by byte on every message.
constexpr std::array<bool, 256> token_chars = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (char c : std::string_view{"!#$%&'*+-.^_`|~"}) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool is_token_char(char c) { return token_chars[static_cast<unsigned char>(c)]; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

enum class prefix_match { none, partial, full };

// Does buf (from its start) begin with `token`, or is it a strict prefix of it?
prefix_match match_prefix(std::string_view buf, std::string_view token) {
  std::size_t n = std::min(buf.size(), token.size());
  if (buf.substr(0, n) != token.substr(0, n)) return prefix_match::none;
  return n == token.size() ? prefix_match::full : prefix_match::partial;
}

prefix_match match_start(message_type type, std::string_view buf) {
  if (type == message_type::response) return match_prefix(buf, version_prefix);
  prefix_match best = prefix_match::none;
  for (std::string_view m : methods) {
    // The method must be followed by a space to count as a request line.
    prefix_match p = match_prefix(buf, m);
    if (p == prefix_match::full) {
      if (buf.size() == m.size()) p = prefix_match::partial;
      else if (buf[m.size()] != ' ') p = prefix_match::none;
    }
    if (p == prefix_match::full) return p;
    if (p == prefix_match::partial) best = p;
  }
  return best;
}

bool parse_minor_version(std::string_view v, std::int64_t& minor) {
  if (v.size() != version_prefix.size() + 1 || !v.starts_with(version_prefix)) return false;
  char d = v.back();
  if (d != '0' && d != '1') return false;
  minor = d - '0';
  return true;
}

bool parse_decimal(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > max_length_digits) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

enum class body_framing { none, length, chunked, until_close };

struct framing {
  body_framing kind = body_framing::none;
  std::uint64_t length = 0;
};

// Start line parsed into `out`; returns false if it is not a valid one.
bool parse_request_line(std::string_view text, message& out) {
  std::size_t sp1 = text.find(' ');
  std::size_t sp2 = text.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return false;
  std::string_view method = text.substr(0, sp1);
  std::string_view target = text.substr(sp1 + 1, sp2 - sp1 - 1);
  if (std::find(methods.begin(), methods.end(), method) == methods.end()) return false;
  if (target.empty() || target.find(' ') != std::string_view::npos) return false;
  if (!parse_minor_version(text.substr(sp2 + 1), out.minor_version)) return false;
  out.method.assign(method);
  out.path.assign(target);
  return true;
}

bool parse_status_line(std::string_view text, message& out) {
  std::size_t sp1 = text.find(' ');
  if (sp1 == std::string_view::npos) return false;
  if (!parse_minor_version(text.substr(0, sp1), out.minor_version)) return false;
  std::string_view rest = text.substr(sp1 + 1);
  if (rest.size() < status_code_digits) return false;
  std::string_view code = rest.substr(0, status_code_digits);
  if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  if (rest.size() > status_code_digits && rest[status_code_digits] != ' ') return false;
  std::int64_t status = 0;
  std::from_chars(code.data(), code.data() + code.size(), status);
  if (status < first_status || status > last_status) return false;
  out.status = status;
  out.reason.assign(rest.size() > status_code_digits ? rest.substr(status_code_digits + 1) : "");
  return true;
}

// Parses the header block starting at `pos`. On success sets `body_start`.
parse_state parse_headers(std::string_view buf, std::size_t pos, const parse_options& options,
                          message& out, framing& frame_info, std::size_t& body_start) {
  bool have_length = false;
  constexpr std::size_t typical_header_count = 16;
  out.headers.reserve(typical_header_count);
  for (;;) {
    std::optional<line> l = next_line(buf, pos);
    if (!l) {
      return buf.size() > options.max_header_section_bytes ? parse_state::invalid
                                                           : parse_state::needs_more_data;
    }
    if (l->next > options.max_header_section_bytes) return parse_state::invalid;
    pos = l->next;
    if (l->text.empty()) break;
    if (l->text.front() == ' ' || l->text.front() == '\t') {
      // Obsolete line folding continues the previous value.
      if (out.headers.empty() || out.headers_dropped > 0) continue;
      out.headers.back().value.append(" ").append(trim(l->text));
      continue;
    }
    std::size_t colon = l->text.find(':');
    if (colon == std::string_view::npos || colon == 0) return parse_state::invalid;
    std::string_view name = l->text.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), is_token_char)) return parse_state::invalid;
    std::string_view value = trim(l->text.substr(colon + 1));

    // Framing headers count even beyond max_headers.
    if (iequals(name, "Content-Length")) {
      std::uint64_t n = 0;
      if (!parse_decimal(value, n)) return parse_state::invalid;
      if (have_length && n != frame_info.length) return parse_state::invalid;
      have_length = true;
      frame_info.length = n;
      if (frame_info.kind != body_framing::chunked) frame_info.kind = body_framing::length;
    } else if (iequals(name, "Transfer-Encoding") && icontains(value, "chunked")) {
      frame_info.kind = body_framing::chunked;
      out.chunked = true;
    }
    if (out.headers.size() < options.max_headers) {
      out.headers.push_back({std::string{name}, std::string{value}});
    } else {
      ++out.headers_dropped;
    }
  }
  body_start = pos;
  return parse_state::success;
}

void keep_body(message& out, std::string_view piece, const parse_options& options) {
  std::size_t room = options.body_limit_bytes > out.body.size() ? options.body_limit_bytes - out.body.size() : 0;
  out.body.append(piece.substr(0, std::min(room, piece.size())));
  out.body_size += piece.size();
}

bool parse_chunk_size(std::string_view text, std::uint64_t& size) {
  std::size_t end = text.find(';');  // chunk extensions are ignored
  std::string_view digits = trim(text.substr(0, end));
  if (digits.empty() || digits.size() > max_chunk_size_digits) return false;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size, hex_base);
  return ec == std::errc{} && p == digits.data() + digits.size();
}

parse_result parse_chunked_body(std::string_view buf, std::size_t pos, const parse_options& options,
                                message& out) {
  for (;;) {
    std::optional<line> size_line = next_line(buf, pos);
    if (!size_line) return {parse_state::needs_more_data, 0};
    std::uint64_t size = 0;
    if (!parse_chunk_size(size_line->text, size)) return {parse_state::invalid, 0};
    pos = size_line->next;
    if (size == 0) {
      // Trailer fields until the blank line; they are not kept.
      for (;;) {
        std::optional<line> t = next_line(buf, pos);
        if (!t) return {parse_state::needs_more_data, 0};
        pos = t->next;
        if (t->text.empty()) return {parse_state::success, pos};
        if (t->text.find(':') == std::string_view::npos) return {parse_state::invalid, 0};
      }
    }
    if (buf.size() - pos < size) return {parse_state::needs_more_data, 0};
    keep_body(out, buf.substr(pos, size), options);
    pos += size;
    std::optional<line> end = next_line(buf, pos);
    if (!end) {
      // Only CR LF may follow the data; anything longer without LF is not a chunk.
      return buf.size() - pos > 1 ? parse_result{parse_state::invalid, 0}
                                  : parse_result{parse_state::needs_more_data, 0};
    }
    if (!end->text.empty()) return {parse_state::invalid, 0};
    pos = end->next;
  }
}

parse_result parse_body(std::string_view buf, std::size_t pos, const framing& f,
                        bool end_of_stream, const parse_options& options, message& out) {
  switch (f.kind) {
    case body_framing::none:
      return {parse_state::success, pos};
    case body_framing::length:
      if (buf.size() - pos < f.length) return {parse_state::needs_more_data, 0};
      keep_body(out, buf.substr(pos, f.length), options);
      return {parse_state::success, pos + static_cast<std::size_t>(f.length)};
    case body_framing::chunked:
      return parse_chunked_body(buf, pos, options, out);
    case body_framing::until_close:
      if (!end_of_stream) return {parse_state::needs_more_data, 0};
      keep_body(out, buf.substr(pos), options);
      return {parse_state::success, buf.size()};
  }
  return {parse_state::invalid, 0};
}

// A blank line between messages (some clients add CRLF after a body) is not a frame.
std::size_t leading_blank_line(std::string_view buf) {
  if (buf.starts_with("\r\n")) return 2;
  if (buf.starts_with("\n")) return 1;
  return 0;
}

}  // namespace

parse_result parse_request(std::string_view buf, const parse_options& options, message& out) {
  if (std::size_t blank = leading_blank_line(buf)) return {parse_state::ignored, blank};
  prefix_match start = match_start(message_type::request, buf);
  if (start == prefix_match::none) return {parse_state::invalid, 0};
  std::optional<line> first = next_line(buf, 0);
  if (!first) {
    return buf.size() > options.max_header_section_bytes ? parse_result{parse_state::invalid, 0}
                                                         : parse_result{parse_state::needs_more_data, 0};
  }
  out = message{};
  out.type = message_type::request;
  if (!parse_request_line(first->text, out)) return {parse_state::invalid, 0};
  framing f;
  std::size_t body_start = 0;
  parse_state hs = parse_headers(buf, first->next, options, out, f, body_start);
  if (hs != parse_state::success) return {hs, 0};
  return parse_body(buf, body_start, f, false, options, out);
}

parse_result parse_response(std::string_view buf, const response_hint& hint,
                            const parse_options& options, message& out) {
  if (std::size_t blank = leading_blank_line(buf)) return {parse_state::ignored, blank};
  if (match_start(message_type::response, buf) == prefix_match::none) return {parse_state::invalid, 0};
  std::optional<line> first = next_line(buf, 0);
  if (!first) {
    return buf.size() > options.max_header_section_bytes ? parse_result{parse_state::invalid, 0}
                                                         : parse_result{parse_state::needs_more_data, 0};
  }
  out = message{};
  out.type = message_type::response;
  if (!parse_status_line(first->text, out)) return {parse_state::invalid, 0};
  framing f;
  std::size_t body_start = 0;
  parse_state hs = parse_headers(buf, first->next, options, out, f, body_start);
  if (hs != parse_state::success) return {hs, 0};
  bool no_body = hint.request_was_head || out.status < first_final_status ||
                 out.status == status_no_content || out.status == status_not_modified;
  if (no_body) {
    f.kind = body_framing::none;
  } else if (f.kind == body_framing::none) {
    f.kind = body_framing::until_close;
  }
  return parse_body(buf, body_start, f, hint.end_of_stream, options, out);
}

parse_result parse_message(message_type type, std::string_view buf, const response_hint& hint,
                           const parse_options& options, message& out) {
  return type == message_type::request ? parse_request(buf, options, out)
                                       : parse_response(buf, hint, options, out);
}

std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start) {
  std::size_t i = start;
  while (i < buf.size()) {
    if (i == 0 || buf[i - 1] == '\n') {
      if (match_start(type, buf.substr(i)) != prefix_match::none) return i;
    }
    std::size_t nl = buf.find('\n', i);
    if (nl == std::string_view::npos) break;
    i = nl + 1;
  }
  return no_frame_boundary;
}

std::optional<message_type> classify(std::string_view buf) {
  for (std::size_t i = 0; i < buf.size();) {
    if (match_start(message_type::request, buf.substr(i)) == prefix_match::full) return message_type::request;
    if (match_start(message_type::response, buf.substr(i)) == prefix_match::full) return message_type::response;
    std::size_t nl = buf.find('\n', i);
    if (nl == std::string_view::npos) break;
    i = nl + 1;
  }
  return std::nullopt;
}

}  // namespace wisp::protocols::http
