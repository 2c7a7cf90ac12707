// URI and PII UDFs (facts §7 "URI", "PII"): uri_parse, uri_recompose, redact_pii_best_effort.
//
// The facts name these functions but not their output, so the formats here are Wisp's (and
// documented in README.md):
// - uri_parse splits a URI by RFC 3986's generic syntax (scheme ":" "//" authority path "?" query
//   "#" fragment) into a JSON object with the components that are present, in the order scheme,
//   userinfo, host, port (a number), path, query, fragment. Like RFC 3986's own splitting
//   expression it accepts any text; only a port that is not a number up to 65535, an unclosed
//   "[" host or an invalid scheme make the URI invalid, which gives "".
// - uri_recompose(scheme, userinfo, host, port, path, query, fragment) is its inverse (port 0 or
//   less leaves the port out).
// - redact_pii_best_effort replaces e-mail addresses, IPv4 and IPv6 addresses and card-number-
//   like digit runs (13 to 19 digits, single spaces or dashes between them allowed, valid Luhn
//   checksum) by <REDACTED_EMAIL>, <REDACTED_IPV4>, <REDACTED_IPV6>, <REDACTED_CC_NUMBER>. It
//   looks only at the start of words, so its cost is linear in the input.

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <optional>

#include "pxl/functions.hpp"
#include "schemas/json.hpp"

namespace wisp::pxl {

namespace {

using schemas::data_type;
using namespace signature_types;

constexpr std::int64_t max_port = 65535;

struct uri_parts {
  std::optional<std::string_view> scheme, userinfo, host, port, query, fragment;
  std::string_view path;
};

bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

std::optional<uri_parts> split_uri(std::string_view s) {
  uri_parts u;
  auto delim = s.find_first_of(":/?#");
  if (delim != std::string_view::npos && s[delim] == ':') {
    std::string_view scheme = s.substr(0, delim);
    if (scheme.empty() || !is_alpha(scheme[0])) return std::nullopt;
    for (char c : scheme)
      if (!is_alnum(c) && c != '+' && c != '-' && c != '.') return std::nullopt;
    u.scheme = scheme;
    s.remove_prefix(delim + 1);
  }
  if (s.starts_with("//")) {
    s.remove_prefix(2);
    auto end = s.find_first_of("/?#");
    std::string_view authority = s.substr(0, end);
    s.remove_prefix(authority.size());
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      u.userinfo = authority.substr(0, at);
      authority.remove_prefix(at + 1);
    }
    std::size_t host_end = authority.size();
    if (authority.starts_with('[')) {
      auto close = authority.find(']');
      if (close == std::string_view::npos) return std::nullopt;
      host_end = close + 1;
      if (host_end < authority.size() && authority[host_end] != ':') return std::nullopt;
    } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
      host_end = colon;
    }
    u.host = authority.substr(0, host_end);
    if (host_end < authority.size()) {
      std::string_view port = authority.substr(host_end + 1);
      if (!port.empty()) {
        std::int64_t n = 0;
        auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
        if (ec != std::errc{} || p != port.data() + port.size() || n > max_port) return std::nullopt;
        u.port = port;
      }
    }
  }
  auto end = s.find_first_of("?#");
  u.path = s.substr(0, end);
  s.remove_prefix(u.path.size());
  if (s.starts_with('?')) {
    auto hash = s.find('#');
    u.query = s.substr(1, hash == std::string_view::npos ? s.npos : hash - 1);
    s.remove_prefix(1 + u.query->size());
  }
  if (s.starts_with('#')) u.fragment = s.substr(1);
  return u;
}

struct uri_parse_op {
  std::string buf;
  std::string_view operator()(std::string_view s) {
    auto u = split_uri(s);
    buf.clear();
    if (!u) return buf;
    buf = "{";
    auto member = [&](std::string_view key, std::string_view v, bool number = false) {
      if (buf.size() > 1) buf += ',';
      schemas::append_json_string(buf, key);
      buf += ':';
      if (number)
        buf += v;
      else
        schemas::append_json_string(buf, v);
    };
    if (u->scheme) member("scheme", *u->scheme);
    if (u->userinfo) member("userinfo", *u->userinfo);
    if (u->host) member("host", *u->host);
    if (u->port) member("port", *u->port, true);
    if (!u->path.empty()) member("path", u->path);
    if (u->query) member("query", *u->query);
    if (u->fragment) member("fragment", *u->fragment);
    buf += '}';
    return buf;
  }
};

void recompose(std::string& buf, std::string_view scheme, std::string_view userinfo,
               std::string_view host, std::int64_t port, std::string_view path,
               std::string_view query, std::string_view fragment) {
  buf.clear();
  if (!scheme.empty()) (buf += scheme) += ':';
  bool authority = !host.empty() || !userinfo.empty() || port > 0;
  if (authority) {
    buf += "//";
    if (!userinfo.empty()) (buf += userinfo) += '@';
    bool bare_ipv6 = host.find(':') != std::string_view::npos && !host.starts_with('[');
    if (bare_ipv6) buf += '[';
    buf += host;
    if (bare_ipv6) buf += ']';
    if (port > 0) (buf += ':') += std::to_string(port);
    if (!path.empty() && !path.starts_with('/')) buf += '/';
  }
  buf += path;
  if (!query.empty()) (buf += '?') += query;
  if (!fragment.empty()) (buf += '#') += fragment;
}

std::string_view string_at(const kernel_arg& a, std::size_t row) {
  return a.column ? a.column->strings().at(row) : std::string_view{std::get<std::string>(a.constant->value)};
}
std::int64_t int_at(const kernel_arg& a, std::size_t row) {
  return a.column ? a.column->ints()[row] : std::get<std::int64_t>(a.constant->value);
}

// A hand-written kernel: row_kernel would instantiate its loop for every column/constant
// combination of the seven arguments (2^7).
void uri_recompose_kernel(std::span<const kernel_arg> args, std::size_t rows, schemas::column& out) {
  std::string buf;
  auto& strings = out.strings();
  for (std::size_t row = 0; row < rows; ++row) {
    recompose(buf, string_at(args[0], row), string_at(args[1], row), string_at(args[2], row),
              int_at(args[3], row), string_at(args[4], row), string_at(args[5], row),
              string_at(args[6], row));
    strings.push_back(buf);
  }
}

// ---- redact_pii_best_effort ----

bool is_email_local(char c) {
  return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool is_domain_char(char c) { return is_alnum(c) || c == '-' || c == '.'; }
bool is_word(char c) { return is_alnum(c) || c == '_'; }

// Length of an e-mail address at the start of s, or 0.
std::size_t email_at(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_email_local(s[i])) ++i;
  if (i == 0 || i >= s.size() || s[i] != '@') return 0;
  std::size_t start = ++i;
  while (i < s.size() && is_domain_char(s[i])) ++i;
  while (i > start && (s[i - 1] == '.' || s[i - 1] == '-')) --i;  // "a@b.com." ends a sentence
  std::string_view domain = s.substr(start, i - start);
  auto dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == domain.size()) return 0;
  return i;
}

// Length of a dotted-quad IPv4 address at the start of s, or 0.
std::size_t ipv4_at(std::string_view s) {
  std::size_t i = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (i >= s.size() || s[i] != '.') return 0;
      ++i;
    }
    std::size_t start = i;
    int v = 0;
    while (i < s.size() && is_digit(s[i]) && i - start < 3) v = v * 10 + (s[i++] - '0');
    if (i == start || v > 255) return 0;
  }
  if (i < s.size() && (is_alnum(s[i]) || (s[i] == '.' && i + 1 < s.size() && is_digit(s[i + 1]))))
    return 0;
  return i;
}

// Length of an IPv6 address at the start of s, or 0. Needs two colons and a decimal digit, so
// that words such as "face::bad" (C++ scopes) are left alone.
std::size_t ipv6_at(std::string_view s) {
  constexpr std::size_t max_text = 45;  // INET6_ADDRSTRLEN - 1
  std::size_t i = 0;
  while (i < s.size() && i <= max_text && (is_hex(s[i]) || s[i] == ':' || s[i] == '.')) ++i;
  while (i > 0 && s[i - 1] == '.') --i;
  if (i > max_text || (i < s.size() && is_word(s[i]))) return 0;
  std::string_view text = s.substr(0, i);
  std::size_t colons = 0;
  bool digit = false;
  for (char c : text) {
    colons += c == ':' ? 1 : 0;
    digit = digit || is_digit(c);
  }
  if (colons < 2 || !digit) return 0;
  std::string z{text};
  in6_addr addr{};
  return ::inet_pton(AF_INET6, z.c_str(), &addr) == 1 ? i : 0;
}

// Length of a card-number-like run at the start of s, or 0.
std::size_t card_at(std::string_view s) {
  constexpr std::size_t min_digits = 13;
  constexpr std::size_t max_digits = 19;
  std::string digits;
  std::size_t i = 0;
  std::size_t end = 0;
  while (i < s.size() && is_digit(s[i])) {
    digits += s[i++];
    end = i;
    if (digits.size() > max_digits) return 0;
    if (i + 1 < s.size() && (s[i] == ' ' || s[i] == '-') && is_digit(s[i + 1])) ++i;
  }
  if (digits.size() < min_digits || (end < s.size() && is_word(s[end]))) return 0;
  int sum = 0;
  for (std::size_t k = 0; k < digits.size(); ++k) {
    int d = digits[digits.size() - 1 - k] - '0';
    if (k % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 == 0 ? end : 0;
}

struct redact_pii_op {
  std::string buf;
  std::string_view operator()(std::string_view s) {
    buf.clear();
    std::size_t i = 0;
    while (i < s.size()) {
      bool word_start = i == 0 || !is_email_local(s[i - 1]);
      if (word_start) {
        std::string_view rest = s.substr(i);
        std::size_t n = 0;
        if ((n = email_at(rest)) > 0) {
          buf += "<REDACTED_EMAIL>";
        } else if ((n = ipv4_at(rest)) > 0) {
          buf += "<REDACTED_IPV4>";
        } else if ((n = ipv6_at(rest)) > 0) {
          buf += "<REDACTED_IPV6>";
        } else if ((n = card_at(rest)) > 0) {
          buf += "<REDACTED_CC_NUMBER>";
        }
        if (n > 0) {
          i += n;
          continue;
        }
      }
      buf += s[i++];
    }
    return buf;
  }
};

}  // namespace

void register_uri_udfs(function_registry& r) {
  r.add(make_udf<s_, uri_parse_op, s_>("uri_parse"));
  udf_def recompose_def;
  recompose_def.name = "uri_recompose";
  recompose_def.args = {s_, s_, s_, i_, s_, s_, s_};
  recompose_def.result = s_;
  recompose_def.kernel = &uri_recompose_kernel;
  r.add(std::move(recompose_def));
  r.add(make_udf<s_, redact_pii_op, s_>("redact_pii_best_effort"));
}

}  // namespace wisp::pxl
