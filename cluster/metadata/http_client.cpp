#include "cluster/metadata/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace wisp::cluster::metadata {
namespace {

constexpr std::size_t read_chunk = 64 * 1024;
constexpr std::size_t max_chunk_size_line = 1024;  // hex size plus extensions

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The body bytes of a line as the caller sees them: without the trailing '\r'.
void strip_cr(std::string& s) {
  if (!s.empty() && s.back() == '\r') s.pop_back();
}

}  // namespace

error http_response::fail(std::string what) const {
  return error{"GET " + target_ + ": " + std::move(what), 0};
}

status http_response::fill() {
  if (raw_pos_ > 0 && raw_pos_ == raw_.size()) {
    raw_.clear();
    raw_pos_ = 0;
  } else if (raw_pos_ > read_chunk) {
    raw_.erase(0, raw_pos_);
    raw_pos_ = 0;
  }
  std::size_t old = raw_.size();
  raw_.resize(old + read_chunk);
  auto n = stream_->read_some(raw_.data() + old, read_chunk);
  if (!n) {
    raw_.resize(old);
    return fail(n.error_value().what);
  }
  raw_.resize(old + *n);
  if (*n == 0) return fail("connection closed by the server");
  return ok();
}

expected<std::string> http_response::raw_line(std::size_t max, std::string_view what) {
  for (;;) {
    auto nl = raw_.find('\n', raw_pos_);
    if (nl != std::string::npos) {
      if (nl - raw_pos_ > max) return fail(std::string(what) + " longer than " + std::to_string(max) + " bytes");
      std::string line = raw_.substr(raw_pos_, nl - raw_pos_);
      raw_pos_ = nl + 1;
      strip_cr(line);
      return line;
    }
    if (raw_.size() - raw_pos_ > max)
      return fail(std::string(what) + " longer than " + std::to_string(max) + " bytes");
    auto f = fill();
    if (!f) {
      auto e = f.error_value();
      e.what += " (while reading " + std::string(what) + ")";
      return e;
    }
  }
}

status http_response::read_head() {
  std::size_t budget = limits_.max_head_bytes;
  auto take = [&](std::string_view what) -> expected<std::string> {
    auto l = raw_line(budget, what);
    if (l) budget -= std::min(budget, l->size() + 2);
    return l;
  };
  for (;;) {  // 1xx interim responses are skipped
    auto line = take("status line");
    if (!line) return line.error_value();
    std::string_view s = *line;
    if (s.size() < 12 || s.substr(0, 5) != "HTTP/" || s[8] != ' ')
      return fail("malformed status line \"" + std::string(s.substr(0, 80)) + "\"");
    int code = 0;
    auto [p, ec] = std::from_chars(s.data() + 9, s.data() + 12, code);
    if (ec != std::errc{} || p != s.data() + 12 || code < 100 || code > 599)
      return fail("malformed status code in \"" + std::string(s.substr(0, 80)) + "\"");
    headers_.clear();
    for (;;) {
      auto h = take("headers");
      if (!h) return h.error_value();
      if (h->empty()) break;
      auto colon = h->find(':');
      if (colon == std::string::npos || colon == 0)
        return fail("malformed header line \"" + h->substr(0, 80) + "\"");
      headers_.emplace_back(lower(trim(std::string_view(*h).substr(0, colon))),
                            std::string(trim(std::string_view(*h).substr(colon + 1))));
    }
    if (code >= 200) {
      status_ = code;
      break;
    }
  }
  if (auto* te = header("transfer-encoding"); te && lower(*te).find("chunked") != std::string::npos) {
    framing_ = framing::chunked;
  } else if (auto* cl = header("content-length")) {
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), n);
    if (ec != std::errc{} || p != cl->data() + cl->size())
      return fail("malformed Content-Length \"" + cl->substr(0, 40) + "\"");
    framing_ = framing::length;
    remaining_ = n;
    body_done_ = n == 0;
  } else {
    framing_ = framing::until_close;
  }
  return ok();
}

const std::string* http_response::header(std::string_view name) const {
  for (auto& [k, v] : headers_)
    if (k.size() == name.size() &&
        std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        }))
      return &v;
  return nullptr;
}

expected<http_response> http_response::open(std::unique_ptr<byte_stream> stream,
                                            const http_request& req, const http_limits& limits) {
  http_response r{std::move(stream), req.target, limits};
  std::string out;
  out.reserve(256 + req.bearer_token.size());
  out += "GET " + req.target + " HTTP/1.1\r\nHost: " + req.host + "\r\n";
  if (!req.bearer_token.empty()) out += "Authorization: Bearer " + req.bearer_token + "\r\n";
  out += "Accept: application/json\r\nUser-Agent: wisp-metadata\r\nConnection: close\r\n\r\n";
  if (auto w = r.stream_->write_all(out); !w) return r.fail(w.error_value().what);
  if (auto h = r.read_head(); !h) return h.error_value();
  return r;
}

expected<std::size_t> http_response::read_decoded(std::string& out, std::size_t max) {
  if (body_done_) return std::size_t{0};
  auto buffered = [&] { return raw_.size() - raw_pos_; };
  if (framing_ == framing::chunked && remaining_ == 0) {
    if (chunk_crlf_due_) {
      auto l = raw_line(2, "chunk terminator");
      if (!l) return l.error_value();
      if (!l->empty()) return fail("chunk not followed by CRLF");
      chunk_crlf_due_ = false;
    }
    auto size_line = raw_line(max_chunk_size_line, "chunk size line");
    if (!size_line) return size_line.error_value();
    std::string_view sv = *size_line;
    sv = sv.substr(0, sv.find(';'));
    sv = trim(sv);
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(sv.data(), sv.data() + sv.size(), n, 16);
    if (sv.empty() || ec != std::errc{} || p != sv.data() + sv.size())
      return fail("malformed chunk size \"" + size_line->substr(0, 40) + "\"");
    if (n == 0) {
      for (;;) {  // trailers, up to the empty line
        auto t = raw_line(limits_.max_head_bytes, "chunked trailer");
        if (!t) return t.error_value();
        if (t->empty()) break;
      }
      body_done_ = true;
      return std::size_t{0};
    }
    remaining_ = n;
    chunk_crlf_due_ = true;
  }
  if (buffered() == 0) {
    if (framing_ == framing::until_close) {
      std::size_t old = raw_.size();
      raw_.resize(old + read_chunk);
      auto n = stream_->read_some(raw_.data() + old, read_chunk);
      raw_.resize(old + (n ? *n : 0));
      if (!n) return fail(n.error_value().what);
      if (*n == 0) {
        body_done_ = true;
        return std::size_t{0};
      }
    } else if (auto f = fill(); !f) {
      auto e = f.error_value();
      e.what += framing_ == framing::chunked ? " inside a chunked body"
                                             : " with " + std::to_string(remaining_) +
                                                   " body bytes still due";
      return e;
    }
  }
  std::size_t n = std::min(buffered(), max);
  if (framing_ != framing::until_close) n = std::min(n, remaining_);
  out.append(raw_, raw_pos_, n);
  raw_pos_ += n;
  if (framing_ != framing::until_close) {
    remaining_ -= n;
    if (framing_ == framing::length && remaining_ == 0) body_done_ = true;
  }
  return n;
}

expected<std::string> http_response::read_body() {
  if (framing_ == framing::length && remaining_ > limits_.max_body_bytes)
    return fail("body of " + std::to_string(remaining_) + " bytes exceeds the limit of " +
                std::to_string(limits_.max_body_bytes));
  std::string body = std::move(pending_);
  pending_.clear();
  for (;;) {
    auto n = read_decoded(body, read_chunk);
    if (!n) return n.error_value();
    if (*n == 0) return body;
    if (body.size() > limits_.max_body_bytes)
      return fail("body exceeds the limit of " + std::to_string(limits_.max_body_bytes) +
                  " bytes");
  }
}

expected<body_line> http_response::next_line() {
  bool oversize = false;
  std::size_t scanned = 0;  // bytes of pending_ known to hold no newline
  for (;;) {
    auto nl = pending_.find('\n', scanned);
    if (nl != std::string::npos) {
      body_line out;
      if (oversize) {
        out.what = body_line::kind::oversize;
        out.text = pending_.substr(0, std::min<std::size_t>(nl, 200));
      } else {
        out.what = body_line::kind::line;
        out.text = pending_.substr(0, nl);
        strip_cr(out.text);
      }
      pending_.erase(0, nl + 1);
      return out;
    }
    scanned = pending_.size();
    if (!oversize && pending_.size() > limits_.max_line_bytes) oversize = true;
    if (oversize && pending_.size() > 200) {
      // Keep only the head of an oversize line for the report; the rest is dropped as it comes.
      pending_.resize(200);
      scanned = pending_.size();
    }
    auto n = read_decoded(pending_, read_chunk);
    if (!n) return n.error_value();
    if (*n == 0) {
      body_line out;
      if (pending_.empty()) return out;  // kind::end
      out.what = oversize ? body_line::kind::oversize : body_line::kind::line;
      out.text = std::move(pending_);
      pending_.clear();
      strip_cr(out.text);
      return out;
    }
  }
}

}  // namespace wisp::cluster::metadata
