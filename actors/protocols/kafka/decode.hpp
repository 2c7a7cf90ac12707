#pragma once
// Kafka message bodies -> JSON text, driven by per-API field tables written from the Kafka
// protocol specification (field names as the specification's JSON schemas spell them, in
// snake_case). Covers Produce, Fetch, ListOffsets, Metadata, OffsetCommit, OffsetFetch,
// FindCoordinator, JoinGroup, Heartbeat, SyncGroup and ApiVersions, in the versions listed in
// decode.cpp, including the flexible ones (compact strings, arrays and bytes; tagged fields, which
// are skipped). Record sets and opaque bytes are rendered as {"size":N}.
//
// Also Kafka's wire notations, which the framing uses for the request header's fields.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/protocols/common/be_reader.hpp"
#include "actors/protocols/common/protocol.hpp"

namespace wisp::protocols::kafka {

/// Kafka's notations over the shared big-endian reader; any read past the end sets failed()
/// and returns zeros.
class reader : public be_reader {
 public:
  using be_reader::be_reader;
  std::uint64_t uvarint();
  /// int16-length (or, compact, uvarint length + 1) string; nullopt for null.
  std::optional<std::string_view> string(bool compact);
  /// int32-length (or compact) byte string; nullopt for null.
  std::optional<std::string_view> bytes(bool compact);
  /// int32 (or compact) array count; -1 for null; failed() if the count cannot fit the bytes left.
  std::int64_t array_count(bool compact);
  void skip_tagged_fields();
};

/// Whether the API is decoded at that version.
[[nodiscard]] bool decodable(std::int16_t api_key, std::int16_t api_version);
/// Whether that version of the API uses the flexible encoding (request header v2, response
/// header v1 except for ApiVersions, compact types, tagged fields). False if not decodable.
[[nodiscard]] bool flexible(std::int16_t api_key, std::int16_t api_version);

/// The JSON of a request body (bytes after the request header) or of a response payload (bytes
/// after the correlation id: the response header's tagged fields, when flexible, are skipped
/// here). Empty if the API/version is not decoded. Bytes that end early or do not follow the
/// schema end the JSON where decoding stopped, followed by "truncated":true (or "error":true)
/// so the text is still one JSON object. Output stops growing past max_json_bytes (the row
/// builder cuts it there).
[[nodiscard]] std::string decode_body(message_type type, std::int16_t api_key, std::int16_t api_version,
                                      std::string_view bytes, bool cut, std::size_t max_json_bytes);

}  // namespace wisp::protocols::kafka
