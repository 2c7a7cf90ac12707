#pragma once
// One direction of one connection's byte stream, reassembled from data_chunks that may arrive
// out of order, duplicated or overlapping. Owned by a conn_tracker and touched only by the parser
// actor that owns the tracker (single-threaded, no locking).
//
// Contract:
//  - head() is the contiguous run of bytes starting at position(); a parser reads it, then
//    consume()s what it used. timestamp_at(i) is the time of the chunk that delivered head()[i].
//  - A gap is a range of positions whose bytes will never arrive: either declared by a chunk
//    (msg_size > bytes.size(): the kernel did not copy the tail) or inferred when a missing
//    range stays unfilled while data beyond it keeps arriving (see settle()). at_gap() says the
//    head ends at such a gap; skip_gap() drops what is left of the head (it can never complete
//    a frame), jumps past the gap and sets needs_resync() so the parser searches for a frame
//    boundary before parsing again.
//  - Memory is bounded: add() never lets retained bytes exceed max_spike_bytes, and
//    trim_to_retention() (called once per processing round) cuts retained bytes to
//    max_retained_bytes. Either drops the oldest bytes and forces a resync.
//  - Every byte that is discarded without being consumed by a parser is counted in stats().

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

#include "actors/protocols/common/socket_events.hpp"

namespace wisp::protocols {

inline constexpr std::size_t default_max_retained_bytes = std::size_t{1} << 20;  // 1 MiB
inline constexpr std::size_t default_max_spike_bytes = std::size_t{50} << 20;    // 50 MiB
inline constexpr std::size_t default_gap_allowance_bytes = std::size_t{1} << 20;  // 1 MiB
inline constexpr std::uint32_t default_gap_wait_rounds = 1;

struct data_stream_options {
  /// Bytes kept between processing rounds (head + out-of-order data).
  std::size_t max_retained_bytes = default_max_retained_bytes;
  /// Hard bound while a round is in progress.
  std::size_t max_spike_bytes = default_max_spike_bytes;
  /// A missing range becomes a gap once this many bytes are waiting beyond it...
  std::size_t gap_allowance_bytes = default_gap_allowance_bytes;
  /// ...or once it survived this many settle() calls (processing rounds) unfilled.
  std::uint32_t gap_wait_rounds = default_gap_wait_rounds;
};

/// Counters of one stream. Monotonic; never reset.
struct stream_stats {
  std::uint64_t chunks_added = 0;
  std::uint64_t bytes_added = 0;           // payload bytes offered to add()
  std::uint64_t bytes_consumed = 0;        // taken by a parser through consume()
  std::uint64_t duplicate_chunks = 0;      // chunks entirely at positions already seen
  std::uint64_t duplicate_bytes = 0;       // bytes discarded as duplicates or overlaps
  std::uint64_t gaps = 0;                  // gaps skipped
  std::uint64_t gap_bytes = 0;             // positions never received (not copied or lost)
  std::uint64_t bytes_dropped_at_gap = 0;  // head bytes before a gap that could not be parsed
  std::uint64_t overflow_chunks = 0;       // out-of-order chunks dropped by the memory bound
  std::uint64_t overflow_bytes = 0;        // bytes dropped by the memory bound
  std::uint64_t resyncs = 0;               // times needs_resync() was set
  std::uint64_t bytes_dropped_reset = 0;   // bytes dropped by reset()
};

class data_stream {
 public:
  explicit data_stream(data_stream_options options = {}) : options_{options} {}

  /// Inserts a chunk (only pos, msg_size, bytes and time_ns are used).
  void add(const data_chunk& chunk);

  /// Contiguous bytes at position(); valid until the next non-const call.
  std::string_view head() const { return std::string_view{buf_}.substr(head_off_); }
  /// Stream position of head()[0].
  std::uint64_t position() const { return head_pos_; }
  /// Timestamp of the chunk that delivered head()[offset]; requires offset < head().size().
  std::int64_t timestamp_at(std::size_t offset) const;
  /// Removes the first n bytes of head() (n <= head().size()).
  void consume(std::size_t n);
  /// Removes the first n bytes of head() as unparsable; counted by the caller as invalid.
  void discard(std::size_t n) { consume(n); }

  /// True when head() is followed by a declared gap rather than by data still to come.
  bool at_gap() const { return gap_end_ > head_end(); }
  /// Drops the rest of head(), moves past the gap and sets needs_resync(). No-op if !at_gap().
  void skip_gap();

  /// True after data was lost: the parser must find a frame boundary before parsing.
  bool needs_resync() const { return needs_resync_; }
  void clear_resync() { needs_resync_ = false; }

  /// Ends a processing round: a missing range that is still unfilled after gap_wait_rounds
  /// rounds (or with gap_allowance_bytes waiting beyond it) is declared a gap.
  void settle();
  /// Drops the oldest bytes until at most max_retained_bytes are retained.
  void trim_to_retention() { enforce_limit(options_.max_retained_bytes); }
  /// Drops everything retained (counted as bytes_dropped_reset) and resynchronises.
  void reset();

  /// Bytes held: head plus out-of-order chunks.
  std::size_t retained_bytes() const { return head_size() + pending_bytes_; }
  bool empty() const { return head_size() == 0 && pending_.empty(); }
  /// Time of the newest chunk added, 0 if none.
  std::int64_t last_time_ns() const { return last_time_ns_; }
  const stream_stats& stats() const { return stats_; }

 private:
  struct pending_chunk {
    std::string bytes;
    std::int64_t time_ns = 0;
    std::uint64_t missing_after = 0;  // positions after bytes that were not copied
  };
  struct time_range {
    std::uint64_t end_pos;  // exclusive
    std::int64_t time_ns;
  };

  std::size_t head_size() const { return buf_.size() - head_off_; }
  std::uint64_t head_end() const { return head_pos_ + head_size(); }
  /// Removes n bytes from the front of the head (amortised O(n)).
  void drop_head_front(std::size_t n);
  void clear_head();
  void append_to_head(std::string_view bytes, std::int64_t time_ns, std::uint64_t missing_after);
  void drain_pending();
  /// Drops the first `cut` positions of a chunk (already in the head) from its bytes and its
  /// uncopied tail, counting them as duplicates. False when nothing of the chunk is left.
  bool trim_held_prefix(std::uint64_t cut, std::string_view& bytes, std::uint64_t& missing);
  void enforce_limit(std::size_t limit);
  void force_resync();
  void unwind_head();

  data_stream_options options_;
  std::string buf_;            // head() is buf_ from head_off_ on; before it: consumed bytes
  std::size_t head_off_ = 0;
  std::uint64_t head_pos_ = 0;
  bool started_ = false;
  std::deque<time_range> times_;
  std::map<std::uint64_t, pending_chunk> pending_;
  std::size_t pending_bytes_ = 0;
  std::uint64_t gap_end_ = 0;  // > head_end() when a gap follows the head
  std::uint32_t missing_rounds_ = 0;
  bool needs_resync_ = false;
  std::int64_t last_time_ns_ = 0;
  stream_stats stats_;
};

}  // namespace wisp::protocols
