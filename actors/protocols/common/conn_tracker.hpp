#pragma once
// Per-connection state for one application protocol: two data_streams, the parsed but not yet
// stitched frames of each side, role resolution and the limits that keep a bad or huge
// connection from costing unbounded memory or CPU. Owned by the parser actor that owns the
// connection; single-threaded.
//
// Use: add() every data_chunk, on_open()/on_close() control events, then process() once per
// polling round; it appends finished records. When finished() the tracker may be destroyed;
// when disabled() its data is dropped (counted) and the caller may tell the kernel side to stop
// sending it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string_view>
#include <vector>

#include "actors/protocols/common/data_stream.hpp"
#include "actors/protocols/common/protocol.hpp"
#include "actors/protocols/common/socket_events.hpp"

namespace wisp::protocols {

inline constexpr std::int64_t ns_per_s = 1'000'000'000;
inline constexpr std::int64_t default_message_expiry_ns = 60 * ns_per_s;
inline constexpr std::size_t default_messages_size_limit_bytes = std::size_t{1} << 20;  // 1 MiB
inline constexpr double default_parse_failure_limit = 0.4;
inline constexpr double default_stitch_failure_limit = 0.5;
inline constexpr std::uint64_t default_min_failure_attempts = 5;
inline constexpr std::uint32_t default_close_grace_rounds = 3;

struct tracker_options {
  data_stream_options stream;
  /// Unmatched frames older than this (by frame timestamp vs. process()'s now) are dropped.
  std::int64_t message_expiry_ns = default_message_expiry_ns;
  /// Per direction: when stored frames exceed this many wire bytes, all are dropped.
  std::size_t messages_size_limit_bytes = default_messages_size_limit_bytes;
  /// Disable when failures / attempts exceeds the limit after more than min attempts.
  double parse_failure_limit = default_parse_failure_limit;
  double stitch_failure_limit = default_stitch_failure_limit;
  std::uint64_t min_failure_attempts = default_min_failure_attempts;
  /// Rounds to wait after a close event for data events still in flight.
  std::uint32_t close_grace_rounds = default_close_grace_rounds;
};

/// Decides, once the role is known, whether this connection produces records. Pixie's rule for
/// HTTP is "server side, or client side when the remote is outside the cluster"; the caller
/// knows the cluster CIDRs, so the rule is supplied, not built in.
using role_policy = std::function<bool(const conn_meta&)>;

/// Server side only: the default for most protocols.
bool trace_server_side(const conn_meta& meta);
/// Both sides (MySQL and DNS in Pixie).
bool trace_both_sides(const conn_meta& meta);

enum class disable_reason : std::uint8_t {
  none,
  role_not_traced,  // the role policy rejected the connection
  parse_failures,   // too many frames failed to parse
  stitch_failures,  // too many responses could not be paired
};
std::string_view to_string(disable_reason r);

/// Counters of one tracker. Monotonic. With the two streams' stream_stats they account for
/// every byte and frame: each is parsed into a record, still held, or counted as dropped here.
struct tracker_stats {
  std::uint64_t frames_parsed = 0;
  std::uint64_t frames_ignored = 0;          // parse_state::ignored
  std::uint64_t frames_oversize = 0;         // parse_state::oversize: skipped, not kept
  std::uint64_t oversize_bytes = 0;          // bytes of those frames skipped so far
  std::uint64_t parse_errors = 0;            // parse_state::invalid
  std::uint64_t invalid_bytes = 0;           // skipped to resynchronise
  std::uint64_t unparsed_bytes_at_close = 0; // incomplete frame left when the stream ended
  std::uint64_t bytes_dropped_disabled = 0;  // data of a disabled tracker
  std::uint64_t frames_dropped_disabled = 0; // unpaired frames of a tracker when it was disabled
  std::uint64_t bytes_dropped_unknown_role = 0;  // closed before the role could be resolved
  std::uint64_t records_emitted = 0;
  std::uint64_t unmatched_expired = 0;       // frames dropped after message_expiry_ns
  std::uint64_t unmatched_size_dropped = 0;  // frames dropped by messages_size_limit_bytes
  std::uint64_t unmatched_at_close = 0;      // frames still unpaired when the tracker finished
  std::uint64_t role_inferred = 0;           // 1 if the role came from the traffic
  stitch_counters stitch;
};

namespace detail {
/// Which message type each direction carries for a role: server reads requests.
bool requests_are_ingress(schemas::trace_role role);
/// Role from what the start of each direction looks like, unknown if undecidable.
schemas::trace_role infer_role(std::optional<message_type> ingress,
                               std::optional<message_type> egress);
bool over_failure_limit(std::uint64_t failures, std::uint64_t attempts, double limit,
                        std::uint64_t min_attempts);
}  // namespace detail

template <protocol P>
class conn_tracker {
 public:
  using frame = typename P::frame;
  using record = typename P::record;

  conn_tracker(conn_key key, conn_meta meta, role_policy policy = trace_server_side,
               tracker_options options = {}, typename P::options parser_options = {})
      : key_{key},
        meta_{std::move(meta)},
        policy_{std::move(policy)},
        options_{options},
        parser_options_{std::move(parser_options)},
        ingress_{options.stream},
        egress_{options.stream} {}

  const conn_key& key() const { return key_; }
  const conn_meta& meta() const { return meta_; }
  const tracker_stats& stats() const { return stats_; }
  const data_stream& stream(direction d) const { return d == direction::ingress ? ingress_ : egress_; }
  bool disabled() const { return reason_ != disable_reason::none; }
  disable_reason why_disabled() const { return reason_; }
  /// Closed and flushed: nothing more will come out of this tracker.
  bool finished() const { return finished_; }
  /// Frames parsed and waiting for their other half.
  std::size_t unmatched(message_type t) const {
    return t == message_type::request ? requests_.size() : responses_.size();
  }

  /// A (late) open event: fills in what the data events could not tell.
  void on_open(const conn_open& open) {
    schemas::trace_role known = meta_.role;
    meta_ = open.meta;
    if (open.meta.role == schemas::trace_role::unknown) meta_.role = known;
  }

  void add(const data_chunk& chunk) {
    if (disabled() || finished_) {
      stats_.bytes_dropped_disabled += chunk.bytes.size();
      return;
    }
    (chunk.dir == direction::ingress ? ingress_ : egress_).add(chunk);
  }

  void on_close(const conn_close& close) {
    if (closed_) return;
    closed_ = true;
    close_rounds_left_ = options_.close_grace_rounds;
    ingress_total_ = close.rd_bytes;
    egress_total_ = close.wr_bytes;
  }

  /// One round: resolve the role, parse both directions, stitch, apply limits. Appends records
  /// to out. now_ns is the wall clock used for expiry.
  void process(std::int64_t now_ns, std::vector<record>& out) {
    if (finished_) return;
    if (disabled()) {
      drop_all();
      if (closed_) finish();
      return;
    }
    ingress_.settle();
    egress_.settle();
    bool eos = end_of_stream();
    if (meta_.role == schemas::trace_role::unknown && !resolve_role()) {
      if (eos) {
        stats_.bytes_dropped_unknown_role += ingress_.retained_bytes() + egress_.retained_bytes();
        finish();
      } else {
        bound_streams();
      }
      return;
    }
    if (!policy_(meta_)) {
      disable(disable_reason::role_not_traced);
      if (closed_) finish();
      return;
    }
    bool req_in = detail::requests_are_ingress(meta_.role);
    parse_direction(message_type::request, req_in ? ingress_ : egress_, eos);
    parse_direction(message_type::response, req_in ? egress_ : ingress_, eos);

    std::size_t before = out.size();
    if constexpr (stateful_stitch<P>) {
      P::stitch(requests_, responses_, eos, state_, stats_.stitch, out);
    } else {
      P::stitch(requests_, responses_, eos, stats_.stitch, out);
    }
    stats_.records_emitted += out.size() - before;

    expire(now_ns);
    check_failure_limits();
    bound_streams();
    if (eos) finish();
  }

 private:
  bool resolve_role() {
    schemas::trace_role r = detail::infer_role(P::classify(ingress_.head()), P::classify(egress_.head()));
    if (r == schemas::trace_role::unknown) return false;
    meta_.role = r;
    stats_.role_inferred = 1;
    return true;
  }

  void parse_direction(message_type type, data_stream& s, bool eos) {
    std::uint64_t& skip_end = &s == &ingress_ ? ingress_skip_end_ : egress_skip_end_;
    for (;;) {
      if (s.position() < skip_end) {
        // The rest of an oversize frame. A gap inside it moves position() past the lost bytes.
        std::size_t n = static_cast<std::size_t>(
            std::min<std::uint64_t>(skip_end - s.position(), s.head().size()));
        if (n == 0) {
          if (!s.at_gap()) return;
          s.skip_gap();
          if (s.position() <= skip_end) s.clear_resync();  // the skip end is still a frame boundary
          continue;
        }
        stats_.oversize_bytes += n;
        s.consume(n);
        continue;
      }
      std::string_view buf = s.head();
      if (!buf.empty() && s.needs_resync()) {
        std::size_t at = P::find_frame_boundary(type, buf, 0);
        if (at == no_frame_boundary) {
          stats_.invalid_bytes += buf.size();
          s.discard(buf.size());
        } else {
          stats_.invalid_bytes += at;
          s.discard(at);
          s.clear_resync();
          continue;
        }
      }
      buf = s.head();
      if (buf.empty()) {
        if (s.at_gap()) {
          s.skip_gap();
          continue;
        }
        return;
      }
      bool stream_done = eos || s.at_gap();
      parse_context<frame> ctx{requests_, responses_, stream_done};
      parsed_.clear();
      parse_result r = parse_frames(type, buf, ctx);
      switch (r.state) {
        case parse_state::success: {
          std::size_t n = std::clamp<std::size_t>(r.consumed, 1, buf.size());
          std::int64_t ts = s.timestamp_at(n - 1);
          s.consume(n);
          for (frame& f : parsed_) {
            f.timestamp_ns = ts;
            ++stats_.frames_parsed;
            (type == message_type::request ? requests_ : responses_).push_back(std::move(f));
          }
          break;
        }
        case parse_state::ignored:
          ++stats_.frames_ignored;
          s.consume(std::clamp<std::size_t>(r.consumed, 1, buf.size()));
          break;
        case parse_state::oversize:
          ++stats_.frames_oversize;
          skip_end = s.position() + std::max<std::size_t>(r.consumed, 1);
          break;
        case parse_state::invalid: {
          ++stats_.parse_errors;
          std::size_t at = P::find_frame_boundary(type, buf, 1);
          std::size_t skip = at == no_frame_boundary ? buf.size() : at;
          stats_.invalid_bytes += skip;
          s.discard(skip);
          break;
        }
        case parse_state::needs_more_data:
          if (s.at_gap()) {
            s.skip_gap();  // the frame cannot complete; skip_gap counts the dropped head
            break;
          }
          if (eos) {
            stats_.unparsed_bytes_at_close += buf.size();
            s.discard(buf.size());
          }
          return;
      }
    }
  }

  // P::parse into parsed_: the frames of one unit on the wire (one, unless P parses several).
  parse_result parse_frames(message_type type, std::string_view buf, const parse_context<frame>& ctx) {
    if constexpr (multi_frame_parse<P>) {
      return P::parse(type, buf, ctx, parser_options_, parsed_);
    } else {
      frame f{};
      parse_result r = P::parse(type, buf, ctx, parser_options_, f);
      if (r.state == parse_state::success) {
        f.wire_size = std::clamp<std::size_t>(r.consumed, 1, buf.size());
        parsed_.push_back(std::move(f));
      }
      return r;
    }
  }

  void expire(std::int64_t now_ns) {
    auto expire_queue = [&](std::deque<frame>& q) {
      while (!q.empty() && now_ns - q.front().timestamp_ns > options_.message_expiry_ns) {
        q.pop_front();
        ++stats_.unmatched_expired;
      }
      std::size_t bytes = 0;
      for (const frame& f : q) bytes += f.wire_size;
      if (bytes > options_.messages_size_limit_bytes) {
        stats_.unmatched_size_dropped += q.size();
        q.clear();
      }
    };
    expire_queue(requests_);
    expire_queue(responses_);
  }

  void check_failure_limits() {
    std::uint64_t parse_attempts = stats_.frames_parsed + stats_.parse_errors;
    if (detail::over_failure_limit(stats_.parse_errors, parse_attempts, options_.parse_failure_limit,
                                   options_.min_failure_attempts)) {
      disable(disable_reason::parse_failures);
    } else if (detail::over_failure_limit(stats_.stitch.errors, stats_.stitch.attempts,
                                          options_.stitch_failure_limit,
                                          options_.min_failure_attempts)) {
      disable(disable_reason::stitch_failures);
    }
  }

  bool end_of_stream() {
    if (!closed_) return false;
    bool all_in = ingress_.position() + ingress_.head().size() >= ingress_total_ &&
                  egress_.position() + egress_.head().size() >= egress_total_;
    if (all_in || close_rounds_left_ == 0) return true;
    --close_rounds_left_;
    return false;
  }

  void bound_streams() {
    ingress_.trim_to_retention();
    egress_.trim_to_retention();
  }

  void disable(disable_reason why) {
    reason_ = why;
    drop_all();
  }

  void drop_all() {
    for (data_stream* s : {&ingress_, &egress_}) {
      stats_.bytes_dropped_disabled += s->retained_bytes();
      s->reset();
    }
    stats_.frames_dropped_disabled += requests_.size() + responses_.size();
    requests_.clear();
    responses_.clear();
  }

  void finish() {
    stats_.unmatched_at_close += requests_.size() + responses_.size();
    requests_.clear();
    responses_.clear();
    finished_ = true;
  }

  conn_key key_;
  conn_meta meta_;
  role_policy policy_;
  tracker_options options_;
  typename P::options parser_options_;
  data_stream ingress_;
  data_stream egress_;
  std::deque<frame> requests_;
  std::deque<frame> responses_;
  std::vector<frame> parsed_;  // scratch of parse_direction, kept for its capacity
  [[no_unique_address]] typename stitch_state<P>::type state_{};
  std::uint64_t ingress_skip_end_ = 0;  // stream position where an oversize frame ends
  std::uint64_t egress_skip_end_ = 0;
  tracker_stats stats_;
  disable_reason reason_ = disable_reason::none;
  bool closed_ = false;
  bool finished_ = false;
  std::uint32_t close_rounds_left_ = 0;
  std::uint64_t ingress_total_ = 0;
  std::uint64_t egress_total_ = 0;
};

}  // namespace wisp::protocols
