#pragma once
// http::record -> one http_events row (schemas/http_events.hpp), with Pixie's column meanings
// (facts §1.2, §4.7). Called by the parser actor for each record of a tracker whose role policy
// accepted the connection.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/protocols/common/socket_events.hpp"
#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/http/message.hpp"
#include "actors/protocols/http/stitch.hpp"
#include "schemas/row_batch.hpp"

namespace wisp::protocols::http {

inline constexpr std::size_t default_max_headers_json_bytes = 8192;
inline constexpr std::string_view removed_non_text_body = "<removed: non-text content-type>";
inline constexpr std::string_view removed_unknown_body = "<removed: unknown content-type>";
inline constexpr std::int64_t http1_major_version = 1;

struct row_options {
  /// Body columns longer than this are cut and get protocols::truncated_suffix.
  std::size_t max_body_bytes = default_max_body_bytes;
  /// Header JSON never exceeds this; members that do not fit are left out.
  std::size_t max_headers_json_bytes = default_max_headers_json_bytes;
};

/// The content_type column's values.
enum class content_type : std::int64_t { unknown = 0, json = 1, grpc = 2 };

/// Appends one row. `batch` must have http_events' columns (schemas::make_empty_batch).
void append_row(schemas::row_batch& batch, const conn_meta& meta, const record& r,
                const row_options& options = {});

// The column rules, exposed for tests and for other HTTP-like protocols.

/// From the response's Content-Type: "json" anywhere -> json, "application/grpc" -> grpc.
content_type detect_content_type(const message& resp);
/// A JSON object of the headers sorted by name (case-insensitive, stable), valid JSON even when
/// cut to max_bytes.
std::string headers_to_json(const std::vector<header>& headers, std::size_t max_bytes);
/// The req_body column: url-decoded when the request is form-encoded, then truncated.
std::string request_body_column(const message& req, const row_options& options);
/// The resp_body column: kept for JSON and text content types, else a placeholder, truncated.
std::string response_body_column(const message& resp, const row_options& options);
/// application/x-www-form-urlencoded decoding ('+' is a space, %XX a byte; bad escapes kept).
std::string url_decode(std::string_view s);

}  // namespace wisp::protocols::http
