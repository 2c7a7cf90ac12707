#include "actors/protocols/nats/parse.hpp"

#include <array>
#include <cstdint>

#include "schemas/json.hpp"

namespace wisp::protocols::nats {
namespace {

enum class op : std::uint8_t { connect, pub, hpub, sub, unsub, ping, pong, info, msg, hmsg, ok, err };

struct op_spec {
  std::string_view name;
  op id;
  bool client;  // sent by clients
  bool server;  // sent by servers
};

constexpr std::array<op_spec, 12> ops{{
    {"CONNECT", op::connect, true, false},
    {"PUB", op::pub, true, false},
    {"HPUB", op::hpub, true, false},
    {"SUB", op::sub, true, false},
    {"UNSUB", op::unsub, true, false},
    {"PING", op::ping, true, true},
    {"PONG", op::pong, true, true},
    {"INFO", op::info, false, true},
    {"MSG", op::msg, false, true},
    {"HMSG", op::hmsg, false, true},
    {"+OK", op::ok, false, true},
    {"-ERR", op::err, false, true},
}};

/// At most this many fields follow an operation name (HMSG: subject sid reply-to #hdr #total).
constexpr std::size_t max_fields = 5;
/// Longer numbers are not sizes (10^12 bytes is far past any NATS limit, still oversize).
constexpr std::size_t max_size_digits = 12;

bool is_space(char c) { return c == ' ' || c == '\t'; }
bool ends_token(char c) { return is_space(c) || c == '\r' || c == '\n'; }
char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool iequal(std::string_view text, std::string_view upper_name) {
  if (text.size() != upper_name.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (upper(text[i]) != upper_name[i]) return false;
  return true;
}

bool sent_by(const op_spec& s, message_type t) { return t == message_type::request ? s.client : s.server; }

/// The first token of buf and whether a separator or line end follows it in buf.
struct token {
  std::string_view text;
  bool complete = false;
};
token first_token(std::string_view buf) {
  std::size_t n = 0;
  while (n < buf.size() && !ends_token(buf[n])) ++n;
  return {buf.substr(0, n), n < buf.size()};
}

const op_spec* find_op(std::string_view name, std::optional<message_type> side) {
  for (const op_spec& s : ops)
    if ((!side || sent_by(s, *side)) && iequal(name, s.name)) return &s;
  return nullptr;
}

/// Whether `name` (the whole buffer, no separator yet) is or may still become an operation of
/// side t.
bool op_prefix(std::string_view name, message_type t) {
  for (const op_spec& s : ops)
    if (sent_by(s, t) && name.size() <= s.name.size() && iequal(name, s.name.substr(0, name.size())))
      return true;
  return false;
}

/// Splits the fields after the operation name; false if there are more than max_fields.
bool split_fields(std::string_view rest, std::array<std::string_view, max_fields>& f, std::size_t& n) {
  n = 0;
  std::size_t i = 0;
  while (true) {
    while (i < rest.size() && is_space(rest[i])) ++i;
    if (i == rest.size()) return true;
    if (n == max_fields) return false;
    std::size_t b = i;
    while (i < rest.size() && !is_space(rest[i])) ++i;
    f[n++] = rest.substr(b, i - b);
  }
}

std::optional<std::size_t> parse_size(std::string_view s) {
  if (s.empty() || s.size() > max_size_digits) return std::nullopt;
  std::size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

/// Builds the body: a JSON object of name/value string pairs.
class json_object {
 public:
  void add(std::string_view name, std::string_view value) {
    text_ += text_.empty() ? "{" : ",";
    schemas::append_json_string(text_, name);
    text_ += ':';
    schemas::append_json_string(text_, value);
  }
  std::string take() {
    if (!text_.empty()) text_ += '}';
    return std::move(text_);
  }

 private:
  std::string text_;
};

/// The value of "verbose" in a CONNECT's JSON, if it is a literal true or false. A key scan, not a
/// JSON parser: the options object is flat and the key is not expected inside string values.
std::optional<bool> verbose_option(std::string_view json) {
  constexpr std::string_view key = "\"verbose\"";
  std::size_t at = json.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = trim(json.substr(at + key.size()));
  if (rest.empty() || rest.front() != ':') return std::nullopt;
  rest = trim(rest.substr(1));
  if (rest.starts_with("true")) return true;
  if (rest.starts_with("false")) return false;
  return std::nullopt;
}

/// PUB, HPUB, MSG, HMSG: the fields before the sizes, the sizes, and the payload after the line.
parse_result parse_with_payload(const op_spec& spec, std::string_view buf, std::size_t line_bytes,
                                const std::array<std::string_view, max_fields>& f, std::size_t n,
                                const parse_options& options, message& out) {
  bool with_sid = spec.id == op::msg || spec.id == op::hmsg;
  bool with_headers = spec.id == op::hpub || spec.id == op::hmsg;
  std::size_t fixed = 1 + (with_sid ? 1 : 0) + (with_headers ? 2 : 1);  // without reply-to
  if (n != fixed && n != fixed + 1) return {parse_state::invalid, 0};
  bool with_reply = n == fixed + 1;
  std::optional<std::size_t> total = parse_size(f[n - 1]);
  std::optional<std::size_t> header_bytes = with_headers ? parse_size(f[n - 2]) : std::size_t{0};
  if (!total || !header_bytes || *header_bytes > *total) return {parse_state::invalid, 0};
  std::size_t wire = line_bytes + *total + 2;
  if (*total > options.max_message_bytes) return {parse_state::oversize, wire};
  if (buf.size() < wire) return {parse_state::needs_more_data, 0};
  if (buf.substr(wire - 2, 2) != "\r\n") return {parse_state::invalid, 0};

  std::string_view data = buf.substr(line_bytes, *total);
  json_object body;
  body.add("subject", f[0]);
  if (with_sid) body.add("sid", f[1]);
  if (with_reply) body.add("reply-to", f[with_sid ? 2 : 1]);
  if (with_headers) body.add("headers", truncate_text(data.substr(0, *header_bytes), options.max_payload_bytes));
  body.add("payload", truncate_text(data.substr(*header_bytes), options.max_payload_bytes));
  out.body = body.take();
  return {parse_state::success, wire};
}

}  // namespace

parse_result parse_message(message_type type, std::string_view buf, const parse_options& options,
                           message& out) {
  std::size_t nl = buf.substr(0, max_control_line_bytes).find('\n');
  token name = first_token(buf);
  if (nl == std::string_view::npos) {
    if (buf.size() >= max_control_line_bytes) return {parse_state::invalid, 0};
    bool plausible = name.complete ? find_op(name.text, type) != nullptr : op_prefix(name.text, type) || buf.empty();
    return {plausible ? parse_state::needs_more_data : parse_state::invalid, 0};
  }
  std::size_t line_bytes = nl + 1;
  std::string_view line = buf.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return {parse_state::ignored, line_bytes};
  const op_spec* spec = find_op(name.text, type);
  if (spec == nullptr) return {parse_state::invalid, 0};

  out = message{};
  out.type = type;
  out.command = std::string{spec->name};
  std::string_view rest = line.substr(name.text.size());
  std::array<std::string_view, max_fields> f{};
  std::size_t n = 0;
  switch (spec->id) {
    case op::info:
    case op::connect: {
      std::string_view json = trim(rest);
      if (json.size() < 2 || json.front() != '{' || json.back() != '}') return {parse_state::invalid, 0};
      if (spec->id == op::connect) out.verbose = verbose_option(json);
      out.body = truncate_text(json, options.max_payload_bytes);
      return {parse_state::success, line_bytes};
    }
    case op::err: {
      std::string_view text = trim(rest);
      if (text.size() >= 2 && text.front() == '\'' && text.back() == '\'') text = text.substr(1, text.size() - 2);
      json_object body;
      body.add("error", truncate_text(text, options.max_payload_bytes));
      out.body = body.take();
      return {parse_state::success, line_bytes};
    }
    default:
      break;
  }
  if (!split_fields(rest, f, n)) return {parse_state::invalid, 0};
  json_object body;
  switch (spec->id) {
    case op::pub:
    case op::hpub:
    case op::msg:
    case op::hmsg:
      return parse_with_payload(*spec, buf, line_bytes, f, n, options, out);
    case op::sub:
      if (n != 2 && n != 3) return {parse_state::invalid, 0};
      body.add("subject", f[0]);
      if (n == 3) body.add("queue group", f[1]);
      body.add("sid", f[n - 1]);
      break;
    case op::unsub:
      if (n != 1 && n != 2) return {parse_state::invalid, 0};
      if (n == 2 && !parse_size(f[1])) return {parse_state::invalid, 0};
      body.add("sid", f[0]);
      if (n == 2) body.add("max_msgs", f[1]);
      break;
    default:  // PING, PONG, +OK: no fields
      if (n != 0) return {parse_state::invalid, 0};
      break;
  }
  out.body = body.take();
  return {parse_state::success, line_bytes};
}

std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start) {
  std::size_t p = start;
  while (p < buf.size()) {
    if (p == 0 || buf[p - 1] == '\n') {
      token name = first_token(buf.substr(p));
      if (name.complete && find_op(name.text, type) != nullptr) return p;
    }
    p = buf.find('\n', p);
    if (p == std::string_view::npos) break;
    ++p;
  }
  return no_frame_boundary;
}

std::optional<message_type> classify(std::string_view buf) {
  token name = first_token(buf);
  if (!name.complete) return std::nullopt;
  const op_spec* spec = find_op(name.text, std::nullopt);
  if (spec == nullptr || spec->client == spec->server) return std::nullopt;
  return spec->client ? message_type::request : message_type::response;
}

}  // namespace wisp::protocols::nats
