#pragma once
// A small HTTP/1.1 client for the Kubernetes API: one GET per connection (Connection: close),
// a bearer token, and a response read either whole (LIST) or line by line as it streams (WATCH).
// Bodies framed by Content-Length, chunked transfer encoding, or the end of the connection are
// all handled; every size is bounded so a hostile or broken server cannot exhaust memory. One
// http_response belongs to one thread.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/metadata/error.hpp"
#include "cluster/metadata/transport.hpp"

namespace wisp::cluster::metadata {

struct http_limits {
  std::size_t max_head_bytes = 64 * 1024;     // status line + headers
  std::size_t max_body_bytes = 256u << 20;    // a whole LIST response
  std::size_t max_line_bytes = 16u << 20;     // one WATCH event (one JSON object per line)
};

struct http_request {
  std::string target;        // origin-form: "/api/v1/pods?limit=500"
  std::string host;          // Host header
  std::string bearer_token;  // sent as "Authorization: Bearer ..." when not empty
};

/// One line of a streamed body. `oversize`: a line longer than max_line_bytes was discarded up
/// to its newline (text holds its first bytes, for the log). `end`: the body ended cleanly.
struct body_line {
  enum class kind { line, oversize, end } what = kind::end;
  std::string text;
};

class http_response {
 public:
  /// Writes `req` to `stream` and reads the status line and headers. Errors name the request
  /// target and what was wrong (timeout, closed connection, malformed or oversize head).
  [[nodiscard]] static expected<http_response> open(std::unique_ptr<byte_stream> stream,
                                                    const http_request& req,
                                                    const http_limits& limits);

  int status() const { return status_; }
  /// The value of header `name` (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;

  /// The whole body, decoded from its transfer encoding; an error if it exceeds max_body_bytes
  /// or the connection ends early.
  [[nodiscard]] expected<std::string> read_body();
  /// The next '\n'-terminated line of the body, without "\n" or "\r\n".
  [[nodiscard]] expected<body_line> next_line();

 private:
  enum class framing { length, chunked, until_close };

  http_response(std::unique_ptr<byte_stream> stream, std::string target, http_limits limits)
      : stream_(std::move(stream)), target_(std::move(target)), limits_(limits) {}

  error fail(std::string what) const;
  metadata::status fill();
  expected<std::string> raw_line(std::size_t max, std::string_view what);
  metadata::status read_head();
  expected<std::size_t> read_decoded(std::string& out, std::size_t max);

  std::unique_ptr<byte_stream> stream_;
  std::string target_;
  http_limits limits_;
  int status_ = 0;
  std::vector<std::pair<std::string, std::string>> headers_;  // names lower-cased
  std::string raw_;          // bytes read from the stream, not yet consumed
  std::size_t raw_pos_ = 0;  // first unconsumed byte of raw_
  framing framing_ = framing::until_close;
  std::size_t remaining_ = 0;  // length: body bytes left; chunked: bytes left in this chunk
  bool chunk_crlf_due_ = false;
  bool body_done_ = false;
  std::string pending_;  // decoded body bytes not yet returned by next_line
};

}  // namespace wisp::cluster::metadata
