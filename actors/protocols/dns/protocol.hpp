#pragma once
// DNS as a conn_tracker protocol (see actors/protocols/common/protocol.hpp). The parser actor
// uses `conn_tracker<dns::protocol>` (alias dns::tracker) with trace_both_sides (Pixie records
// DNS on both sides, facts §4.3) and turns each dns::record into a row with dns::append_row.
//
// A UDP socket is one tracker: each datagram arrives as one data_chunk and the chunks of a
// direction are concatenated into one stream; since a DNS message delimits itself, the parser
// finds the datagram boundaries again by walking each message (see parse.hpp).

#include <cstddef>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include "actors/protocols/common/conn_tracker.hpp"
#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/dns/message.hpp"
#include "actors/protocols/dns/parse.hpp"
#include "actors/protocols/dns/stitch.hpp"

namespace wisp::protocols::dns {

struct protocol {
  using frame = message;
  using record = dns::record;
  using options = parse_options;

  /// A DNS message is self-delimiting: the parser needs nothing from the other direction.
  static parse_result parse(message_type type, std::string_view buf, const parse_context<message>& /*ctx*/,
                            const parse_options& /*opts*/, message& out) {
    return parse_message(type, buf, out);
  }
  static std::size_t find_frame_boundary(message_type type, std::string_view buf, std::size_t start) {
    return dns::find_frame_boundary(type, buf, start);
  }
  static std::optional<message_type> classify(std::string_view buf) { return dns::classify(buf); }
  static void stitch(std::deque<message>& requests, std::deque<message>& responses,
                     bool end_of_stream, stitch_counters& counters, std::vector<record>& out) {
    dns::stitch(requests, responses, end_of_stream, counters, out);
  }
};

static_assert(wisp::protocols::protocol<protocol>);

using tracker = conn_tracker<protocol>;

}  // namespace wisp::protocols::dns
