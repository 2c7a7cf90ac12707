#pragma once
// An HTTP/1.x message as parsed from the wire: one frame of the HTTP protocol. Plain value.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/common/protocol.hpp"

namespace wisp::protocols::http {

inline constexpr std::int64_t status_none = -1;

struct header {
  std::string name;
  std::string value;
};

struct message {
  message_type type = message_type::request;
  std::int64_t minor_version = 1;  // HTTP/1.<minor>
  // Request line.
  std::string method;
  std::string path;  // request target, including the query string
  // Status line.
  std::int64_t status = status_none;
  std::string reason;
  /// In wire order; at most parse options' max_headers (the rest counted in headers_dropped).
  std::vector<header> headers;
  std::size_t headers_dropped = 0;
  /// Decoded body (chunked framing removed), cut at the parser's body limit.
  std::string body;
  /// Decoded body size before any cut.
  std::size_t body_size = 0;
  bool chunked = false;
  // Set by the tracker.
  std::int64_t timestamp_ns = 0;
  std::size_t wire_size = 0;

  /// Value of the first header with this name, compared case-insensitively.
  std::optional<std::string_view> find_header(std::string_view name) const;
  /// 1xx other than 101: an interim response followed by the final one.
  bool is_interim() const;
};

/// ASCII case-insensitive comparisons (header names and tokens are ASCII).
bool iequals(std::string_view a, std::string_view b);
bool icontains(std::string_view haystack, std::string_view needle);

}  // namespace wisp::protocols::http
