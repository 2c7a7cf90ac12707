#include "actors/protocols/redis/parse.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/redis/format.hpp"

namespace wisp::protocols::redis {
namespace {

constexpr std::string_view null_bulk_text = "<NULL>";
constexpr std::string_view null_array_text = "[NULL]";
constexpr std::string_view true_text = "true";
constexpr std::string_view false_text = "false";
constexpr std::size_t max_length_digits = 20;  // "-1" .. a 64-bit count
constexpr std::int64_t null_length = -1;
constexpr std::int64_t max_aggregate_count = std::numeric_limits<std::int32_t>::max();
constexpr std::size_t verbatim_prefix_bytes = 4;  // "txt:"
constexpr std::size_t crlf_bytes = 2;
constexpr std::size_t subscription_elements = 3;     // kind, channel, count
constexpr std::size_t message_elements = 3;          // "message", channel, payload
constexpr std::size_t pattern_message_elements = 4;  // "pmessage", pattern, channel, payload
constexpr std::array<std::string_view, 6> subscribe_family{
    "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe"};
constexpr std::string_view server_type_bytes = "+-:_,#(!=%~>|";
constexpr std::string_view response_type_bytes = "+-:$*_,#(!=%~>|";

enum class status : std::uint8_t { ok, more, bad };

#define WISP_REDIS_TRY(expr)          \
  do {                                \
    status s_ = (expr);               \
    if (s_ != status::ok) return s_;  \
  } while (0)

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

bool is_subscribe_family(std::string_view name) {
  return std::find(subscribe_family.begin(), subscribe_family.end(), name) != subscribe_family.end();
}

// [-]digits, as integers and big numbers are sent.
bool is_integer_text(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

bool is_double_text(std::string_view s) {
  if (s == "inf" || s == "-inf" || s == "nan") return true;
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return is_digit(c) || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
  });
}

// What the top level of a message held, beyond its rendering.
struct top_info {
  char marker = 0;
  std::int64_t count = 0;  // aggregates: elements (map: pairs) as the header claims
  bool all_bulk = true;    // every element is a bulk string, as in a request
  std::size_t max_words = 0;
  std::vector<std::string> words;  // the first max_words elements' texts
  std::size_t words_cut = 0;       // bytes the words lost to the payload limit
};

class reader {
 public:
  reader(std::string_view buf, const parse_options& options)
      : buf_{buf}, options_{options}, word_cap_{options.max_payload_bytes + 1} {}

  std::size_t pos() const { return pos_; }

  // One value at pos_, rendered into out.
  status value(std::size_t depth, capped_string& out, top_info* top) {
    for (;;) {
      if (pos_ >= buf_.size()) return status::more;
      char marker = buf_[pos_++];
      if (marker != '|') return typed_value(marker, depth, out, top);
      // An attribute: a map annotating the value that follows. Parsed and dropped.
      std::int64_t n = 0;
      WISP_REDIS_TRY(length(n));
      if (n < 0 || n > max_aggregate_count || depth >= options_.max_depth) return status::bad;
      capped_string sink{0};
      for (std::int64_t i = 0; i < 2 * n; ++i) WISP_REDIS_TRY(value(depth + 1, sink, nullptr));
    }
  }

 private:
  status typed_value(char marker, std::size_t depth, capped_string& out, top_info* top) {
    if (top != nullptr) top->marker = marker;
    std::string_view text;
    switch (marker) {
      case '+':
        WISP_REDIS_TRY(line(text));
        out.append(text);
        return status::ok;
      case '-':
        WISP_REDIS_TRY(line(text));
        out.push_back('-');
        out.append(text);
        return status::ok;
      case ':':
      case '(':
        WISP_REDIS_TRY(line(text));
        if (!is_integer_text(text)) return status::bad;
        out.append(text);
        return status::ok;
      case ',':
        WISP_REDIS_TRY(line(text));
        if (!is_double_text(text)) return status::bad;
        out.append(text);
        return status::ok;
      case '#':
        WISP_REDIS_TRY(line(text));
        if (text != "t" && text != "f") return status::bad;
        out.append(text == "t" ? true_text : false_text);
        return status::ok;
      case '_':
        WISP_REDIS_TRY(line(text));
        if (!text.empty()) return status::bad;
        out.append(null_bulk_text);
        return status::ok;
      case '$':
      case '!':
      case '=':
        return blob_value(marker, out);
      case '*':
      case '~':
      case '>':
      case '%':
        return aggregate(marker, depth, out, top);
      default:
        return status::bad;
    }
  }

  status blob_value(char marker, capped_string& out) {
    std::int64_t n = 0;
    WISP_REDIS_TRY(length(n));
    if (marker == '$' && n == null_length) {
      out.append(null_bulk_text);
      return status::ok;
    }
    if (n < 0 || static_cast<std::uint64_t>(n) > max_bulk_bytes) return status::bad;
    auto len = static_cast<std::size_t>(n);
    if (buf_.size() - pos_ < len + crlf_bytes) {
      // The CR LF that must follow can already be checked when the bytes are there.
      return status::more;
    }
    std::string_view content = buf_.substr(pos_, len);
    if (buf_.substr(pos_ + len, crlf_bytes) != "\r\n") return status::bad;
    pos_ += len + crlf_bytes;
    if (marker == '!') {
      out.push_back('-');
    } else if (marker == '=') {
      // A verbatim string starts with its three-letter format and a colon ("txt:").
      if (content.size() < verbatim_prefix_bytes || content[verbatim_prefix_bytes - 1] != ':') return status::bad;
      content.remove_prefix(verbatim_prefix_bytes);
    }
    out.append(content);
    return status::ok;
  }

  status aggregate(char marker, std::size_t depth, capped_string& out, top_info* top) {
    std::int64_t n = 0;
    WISP_REDIS_TRY(length(n));
    if (marker == '*' && n == null_length) {
      out.append(null_array_text);
      return status::ok;
    }
    if (n < 0 || n > max_aggregate_count || depth >= options_.max_depth) return status::bad;
    if (top != nullptr) top->count = n;
    bool map = marker == '%';
    out.push_back(map ? '{' : '[');
    std::int64_t elements = map ? 2 * n : n;
    // Each element takes at least three bytes, so a count larger than the buffer ends in
    // `more` after at most buf_.size() / 3 iterations; nothing is sized by the count.
    for (std::int64_t i = 0; i < elements; ++i) {
      bool keep_word = top != nullptr && top->words.size() < top->max_words;
      capped_string elem{keep_word ? word_cap_ : (out.full() ? 0 : out.cap())};
      if (top != nullptr && (pos_ >= buf_.size() || buf_[pos_] != '$')) top->all_bulk = false;
      WISP_REDIS_TRY(value(depth + 1, elem, nullptr));
      if (i > 0) out.push_back(map && i % 2 == 1 ? ':' : ',');
      out.append_json_string(elem.str());
      out.add_cut(elem.cut());
      if (keep_word) {
        top->words_cut += elem.cut();
        top->words.push_back(elem.take());
      }
    }
    out.push_back(map ? '}' : ']');
    return status::ok;
  }

  // A CR LF terminated line of at most max_line_bytes; bare CR or LF inside is invalid.
  status line(std::string_view& text) {
    std::string_view rest = buf_.substr(pos_, max_line_bytes + crlf_bytes);
    std::size_t end = rest.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      return buf_.size() - pos_ > max_line_bytes ? status::bad : status::more;
    }
    if (rest[end] == '\n') return status::bad;
    if (end + 1 >= rest.size()) return status::more;
    if (rest[end + 1] != '\n') return status::bad;
    text = rest.substr(0, end);
    pos_ += end + crlf_bytes;
    return status::ok;
  }

  status length(std::int64_t& n) {
    std::string_view text;
    WISP_REDIS_TRY(line(text));
    if (text.empty() || text.size() > max_length_digits) return status::bad;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || p != text.data() + text.size()) return status::bad;
    return status::ok;
  }

  std::string_view buf_;
  const parse_options& options_;
  std::size_t word_cap_;
  std::size_t pos_ = 0;
};

#undef WISP_REDIS_TRY

parse_result from_status(status s, std::size_t consumed) {
  switch (s) {
    case status::ok: return {parse_state::success, consumed};
    case status::more: return {parse_state::needs_more_data, 0};
    case status::bad: return {parse_state::invalid, 0};
  }
  return {parse_state::invalid, 0};
}

// Fills a request from its words; `count` is how many words it had (more may have been sent
// than kept).
void fill_request(const std::vector<std::string>& words, std::int64_t count, std::size_t words_cut,
                  const parse_options& options, message& out) {
  formatted_request f = format_request(words, options.max_payload_bytes + 1);
  out.type = message_type::request;
  out.command = std::move(f.command);
  out.payload = truncate_text(f.args, options.max_payload_bytes);
  out.bytes_cut = words_cut + f.bytes_cut;
  std::string family = words.empty() ? std::string{} : lower(words.front());
  if (is_subscribe_family(family)) {
    std::int64_t channels = count - 1;
    bool unsubscribe_all = channels == 0 && family.find("unsubscribe") != std::string::npos;
    out.channel_kind = std::move(family);
    if (unsubscribe_all) {
      out.expected_replies = unknown_replies;
    } else if (channels > 1) {
      out.expected_replies = static_cast<std::size_t>(channels);
    }
  }
}

// Splits an inline command line as Redis does: words separated by blanks, "double quoted"
// words with C escapes, 'single quoted' words. False for unbalanced quotes.
bool split_inline(std::string_view line, std::vector<std::string>& words) {
  std::size_t i = 0;
  auto blank = [&](std::size_t k) { return k >= line.size() || line[k] == ' ' || line[k] == '\t'; };
  while (true) {
    while (i < line.size() && blank(i)) ++i;
    if (i >= line.size()) return true;
    std::string word;
    char quote = line[i] == '"' || line[i] == '\'' ? line[i] : 0;
    if (quote == 0) {
      while (!blank(i)) word.push_back(line[i++]);
      words.push_back(std::move(word));
      continue;
    }
    ++i;
    for (;; ++i) {
      if (i >= line.size()) return false;
      char c = line[i];
      if (c == quote) break;
      if (c == '\\' && i + 1 < line.size()) {
        char e = line[++i];
        if (quote == '\'') {
          if (e != '\'') word.push_back('\\');
          word.push_back(e);
          continue;
        }
        constexpr int hex_base = 16;
        int hex = 0;
        if (e == 'x' && i + 2 < line.size() &&
            std::from_chars(line.data() + i + 1, line.data() + i + 3, hex, hex_base).ptr == line.data() + i + 3) {
          word.push_back(static_cast<char>(hex));
          i += 2;
          continue;
        }
        switch (e) {
          case 'n': word.push_back('\n'); break;
          case 'r': word.push_back('\r'); break;
          case 't': word.push_back('\t'); break;
          case 'b': word.push_back('\b'); break;
          case 'a': word.push_back('\a'); break;
          default: word.push_back(e); break;
        }
        continue;
      }
      word.push_back(c);
    }
    ++i;
    if (!blank(i)) return false;  // a closing quote must end the word
    words.push_back(std::move(word));
  }
}

bool is_inline_char(char c) { return (c >= ' ' && c <= '~') || c == '\t'; }

parse_result parse_inline(std::string_view buf, const parse_options& options, message& out) {
  // Checked before the line is complete so that binary data is rejected at once, not
  // buffered while waiting for a line feed.
  std::string_view avail = buf.substr(0, max_line_bytes + 1);
  std::size_t nl = avail.find('\n');
  std::string_view line = avail.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CR of the CR LF
  if (!std::all_of(line.begin(), line.end(), is_inline_char)) return {parse_state::invalid, 0};
  std::size_t first = line.find_first_not_of(" \t");
  if (first != std::string_view::npos && !is_letter(line[first])) return {parse_state::invalid, 0};
  if (nl == std::string_view::npos) {
    return buf.size() > max_line_bytes ? parse_result{parse_state::invalid, 0}
                                       : parse_result{parse_state::needs_more_data, 0};
  }
  std::vector<std::string> words;
  if (!split_inline(line, words)) return {parse_state::invalid, 0};
  // Redis skips empty lines without a reply.
  if (words.empty()) return {parse_state::ignored, nl + 1};
  if (!std::all_of(words.front().begin(), words.front().end(), is_letter)) return {parse_state::invalid, 0};
  out = message{};
  out.inline_command = true;
  fill_request(words, static_cast<std::int64_t>(words.size()), 0, options, out);
  return {parse_state::success, nl + 1};
}

bool line_start(std::string_view buf, std::size_t i) { return i == 0 || buf[i - 1] == '\n'; }

bool starts_frame(message_type type, std::string_view buf, std::size_t i) {
  if (type == message_type::response) return response_type_bytes.find(buf[i]) != std::string_view::npos;
  return buf[i] == '*' && (i + 1 == buf.size() || is_digit(buf[i + 1]));
}

}  // namespace

parse_result parse_request(std::string_view buf, const parse_options& options, message& out) {
  if (buf.empty()) return {parse_state::needs_more_data, 0};
  if (buf.front() != '*') return parse_inline(buf, options, out);
  reader r{buf, options};
  top_info top;
  top.max_words = options.max_words;
  capped_string unused{0};  // a request is shown through its words, not as an array
  status s = r.value(0, unused, &top);
  if (s != status::ok) return from_status(s, 0);
  // Redis skips empty and null multibulk requests without a reply.
  if (top.count <= 0) return {parse_state::ignored, r.pos()};
  if (!top.all_bulk) return {parse_state::invalid, 0};
  out = message{};
  fill_request(top.words, top.count, top.words_cut, options, out);
  return {parse_state::success, r.pos()};
}

parse_result parse_response(std::string_view buf, const parse_options& options, message& out) {
  reader r{buf, options};
  top_info top;
  top.max_words = 1;  // the first element tells pushes and subscriptions apart
  capped_string text{options.max_payload_bytes + 1};
  status s = r.value(0, text, &top);
  if (s != status::ok) return from_status(s, 0);
  out = message{};
  out.type = message_type::response;
  out.bytes_cut = text.cut();
  out.payload = truncate_text(text.str(), options.max_payload_bytes);
  if ((top.marker == '*' || top.marker == '>') && !top.words.empty()) {
    const std::string& name = top.words.front();
    auto count = static_cast<std::size_t>(top.count);
    bool published = (count == message_elements && (name == "message" || name == "smessage")) ||
                     (count == pattern_message_elements && name == "pmessage");
    if (count == subscription_elements && is_subscribe_family(name)) {
      out.kind = reply_kind::subscription;
      out.channel_kind = name;
    } else if (published) {
      out.kind = reply_kind::published;
      out.channel_kind = name;
    } else if (top.marker == '>') {
      out.kind = reply_kind::push;
      out.channel_kind = name;
    }
  } else if (top.marker == '>') {
    out.kind = reply_kind::push;
  }
  return {parse_state::success, r.pos()};
}

parse_result parse_message(message_type type, std::string_view buf, const parse_options& options,
                           message& out) {
  return type == message_type::request ? parse_request(buf, options, out)
                                       : parse_response(buf, options, out);
}

std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start) {
  std::size_t i = start;
  while (i < buf.size()) {
    if (line_start(buf, i) && starts_frame(type, buf, i)) return i;
    std::size_t nl = buf.find('\n', i);
    if (nl == std::string_view::npos) break;
    i = nl + 1;
  }
  return no_frame_boundary;
}

std::optional<message_type> classify(std::string_view buf) {
  if (buf.empty()) return std::nullopt;
  if (server_type_bytes.find(buf.front()) != std::string_view::npos) return message_type::response;
  if (buf.front() != '*' && !is_letter(buf.front())) return std::nullopt;
  message m;
  parse_result r = parse_request(buf, {}, m);
  if (r.state == parse_state::success && !m.command.empty()) return message_type::request;
  return std::nullopt;
}

}  // namespace wisp::protocols::redis
