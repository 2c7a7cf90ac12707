#pragma once
// The contract between the generic conn_tracker and one application protocol. A protocol is a
// type with only static members (see the `protocol` concept below); the tracker owns the byte
// streams, frame queues, limits and counters, the protocol owns the byte format and the pairing
// rules. See actors/protocols/README.md for how to add one.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

namespace wisp::protocols {

enum class message_type : std::uint8_t { request, response };

/// Outcome of parsing one frame at the start of a buffer.
enum class parse_state : std::uint8_t {
  needs_more_data,  // a prefix of a valid frame: wait for more bytes
  invalid,          // not a frame: the tracker resynchronises
  ignored,          // well-formed bytes that carry no frame (e.g. stray CRLF); consumed
  success,          // one frame parsed
  oversize,         // a frame too large to keep: `consumed` is its full size, which may run past
                    // the buffer; the tracker skips those bytes, including the ones still to come
};

struct parse_result {
  parse_state state = parse_state::invalid;
  std::size_t consumed = 0;  // bytes used; meaningful for success and ignored
};

/// What a parser may know beyond its own bytes: the frames already parsed but not yet stitched
/// (an HTTP response parser needs the method of its request), and whether the stream ended (an
/// HTTP/1.0 body delimited by close is complete only then).
template <class Frame>
struct parse_context {
  const std::deque<Frame>& requests;
  const std::deque<Frame>& responses;
  bool end_of_stream = false;
};

/// Counters a stitcher updates. An attempt is one response (or request, for protocols whose
/// requests complete on their own) examined for pairing; an error is one that was dropped.
struct stitch_counters {
  std::uint64_t attempts = 0;
  std::uint64_t errors = 0;
  std::uint64_t orphan_responses = 0;   // a response with no request before it: dropped
  std::uint64_t interim_responses = 0;  // informational frames consumed without a record
  std::uint64_t state_dropped = 0;      // per-connection stitch state dropped by its bound
  std::uint64_t unconfirmed_dropped = 0;  // records of a connection not yet confirmed to be of
                                          // the protocol (MySQL, as Pixie): withheld and dropped
};

inline constexpr std::size_t no_frame_boundary = static_cast<std::size_t>(-1);

/// A protocol P provides:
///  - P::frame: a parsed message with `std::int64_t timestamp_ns` (set by the tracker to the
///    time of the chunk holding its last byte) and `std::size_t wire_size` (bytes it occupied);
///  - P::record: a stitched request/response pair;
///  - P::options: parser settings, default-constructible;
///  - P::parse(type, bytes, context, options, frame&) -> parse_result; or, for a protocol whose
///    unit on the wire may carry several frames (CQL v5 segments),
///    P::parse(type, bytes, context, options, std::vector<frame>&) -> parse_result, which on
///    success appends the frames in order with their wire_size set (summing to `consumed`);
///  - P::find_frame_boundary(type, bytes, start) -> offset >= start of a plausible frame start,
///    or no_frame_boundary;
///  - P::classify(bytes) -> which message type the stream starts with, for role inference;
///  - P::stitch(requests, responses, end_of_stream, counters, out): pops what it pairs or drops,
///    appends records to out, leaves the rest for later;
///  - or, for a protocol whose pairing depends on earlier messages of the connection (PostgreSQL's
///    prepared statements), P::state (default-constructible, owned by the tracker, bounded by the
///    protocol) and P::stitch(requests, responses, end_of_stream, state, counters, out).
template <class P>
concept stateless_stitch = requires(std::deque<typename P::frame>& q, stitch_counters& c,
                                    std::vector<typename P::record>& out) {
  P::stitch(q, q, true, c, out);
};

template <class P>
concept stateful_stitch = requires(std::deque<typename P::frame>& q, typename P::state& s,
                                   stitch_counters& c, std::vector<typename P::record>& out) {
  P::stitch(q, q, true, s, c, out);
};

template <class P>
concept single_frame_parse = requires(message_type t, std::string_view bytes,
                                      const parse_context<typename P::frame>& ctx,
                                      const typename P::options& opts, typename P::frame& f) {
  { P::parse(t, bytes, ctx, opts, f) } -> std::same_as<parse_result>;
};

template <class P>
concept multi_frame_parse = requires(message_type t, std::string_view bytes,
                                     const parse_context<typename P::frame>& ctx,
                                     const typename P::options& opts, std::vector<typename P::frame>& fs) {
  { P::parse(t, bytes, ctx, opts, fs) } -> std::same_as<parse_result>;
};

template <class P>
concept protocol = requires(message_type t, std::string_view bytes, typename P::frame& f) {
  { f.timestamp_ns } -> std::convertible_to<std::int64_t>;
  { f.wire_size } -> std::convertible_to<std::size_t>;
  { P::find_frame_boundary(t, bytes, std::size_t{0}) } -> std::same_as<std::size_t>;
  { P::classify(bytes) } -> std::same_as<std::optional<message_type>>;
} && (single_frame_parse<P> || multi_frame_parse<P>) && (stateless_stitch<P> || stateful_stitch<P>);

/// The tracker-held stitch state of P: P::state, or an empty placeholder.
template <class P>
struct stitch_state {
  struct none {};
  using type = none;
};
template <class P>
  requires stateful_stitch<P>
struct stitch_state<P> {
  using type = typename P::state;
};

}  // namespace wisp::protocols
