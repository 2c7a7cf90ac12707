#pragma once
// DNS framing: bytes -> dns::message frames. Pure functions, no state between calls.
//
// Over UDP one datagram is one message and carries no length: the message delimits itself
// through its header counts, so the parser walks the header, the questions and the records of
// all three record sections (names with compression pointers, then type, class, TTL and
// RDLENGTH) to find where it ends. Over TCP each message follows a 2-byte big-endian length
// (RFC 1035 §4.2.2), which must equal the walked size. The parser tries both framings on every
// frame (see parse_message), so the caller need not know the socket type.
//
// Bounds (Pixie's BPF check and RFC 1035): at most max_section_records records in each section,
// names at most max_name_bytes on the wire, compression pointers only backwards (each one before
// the start of the name piece it was found in, so loops cannot be built) and at most
// max_pointer_hops of them per name, messages at most max_message_bytes. Anything else is
// invalid; a frame costs memory proportional to these bounds, not to what it claims.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/dns/message.hpp"

namespace wisp::protocols::dns {

inline constexpr std::size_t header_bytes = 12;
inline constexpr std::size_t tcp_length_bytes = 2;
/// Pixie's limit on each of the four header counts.
inline constexpr std::size_t max_section_records = 25;
/// RFC 1035 §2.3.4: a name's wire form (length bytes and labels) is at most 255 bytes.
inline constexpr std::size_t max_name_bytes = 255;
inline constexpr std::size_t max_label_bytes = 63;
/// More hops than labels a 255-byte name can have is a malicious chain.
inline constexpr std::size_t max_pointer_hops = 128;
/// A UDP payload, or what TCP's 16-bit length can express.
inline constexpr std::size_t max_message_bytes = 65535;

/// Nothing to configure: the bounds above are the protocol's.
struct parse_options {};

/// Whether the fixed header is plausible for a message of `type`: QR matches, a known opcode
/// (QUERY, IQUERY, STATUS, NOTIFY, UPDATE), the reserved Z bit clear, every count at most
/// max_section_records. `hdr` holds at least header_bytes bytes.
[[nodiscard]] bool plausible_header(message_type type, std::string_view hdr);

/// One message of `type` at the start of buf, framed for UDP (the bytes are the message) or for
/// TCP (a length prefix, then the message). success when either framing yields a complete
/// message (TCP first: its length must match exactly, which UDP bytes almost never do),
/// needs_more_data when one is a valid prefix, else invalid.
[[nodiscard]] parse_result parse_message(message_type type, std::string_view buf, message& out);

/// Offset >= start where parse_message does not return invalid, or no_frame_boundary.
[[nodiscard]] std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start);

/// The QR bit of a complete, valid message at the start of buf (either framing), else nullopt.
[[nodiscard]] std::optional<message_type> classify(std::string_view buf);

}  // namespace wisp::protocols::dns
