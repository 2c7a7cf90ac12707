#include "actors/protocols/common/data_stream.hpp"

#include <algorithm>

namespace wisp::protocols {

void data_stream::add(const data_chunk& chunk) {
  ++stats_.chunks_added;
  stats_.bytes_added += chunk.bytes.size();
  last_time_ns_ = std::max(last_time_ns_, chunk.time_ns);

  std::uint64_t pos = chunk.pos;
  std::string_view bytes = chunk.bytes;
  std::uint64_t missing = chunk.msg_size > bytes.size() ? chunk.msg_size - bytes.size() : 0;
  if (bytes.empty() && missing == 0) return;

  // Before any byte was consumed the stream may still start earlier: events of one round come
  // from several CPUs in no particular order.
  if (!started_ && !empty() && pos < head_pos_) {
    unwind_head();
    head_pos_ = pos;
  }
  if (!started_ && empty()) head_pos_ = pos;

  if (pos < head_end()) {
    const std::uint64_t cut = head_end() - pos;
    pos = head_end();
    if (!trim_held_prefix(cut, bytes, missing)) return;
  }

  if (pos == head_end()) {
    append_to_head(bytes, chunk.time_ns, missing);
    drain_pending();
  } else {
    auto [it, inserted] = pending_.try_emplace(pos);
    if (!inserted) {
      // Same start twice: keep the longer copy, count the other as a duplicate.
      if (it->second.bytes.size() + it->second.missing_after >= bytes.size() + missing) {
        ++stats_.duplicate_chunks;
        stats_.duplicate_bytes += bytes.size();
        return;
      }
      ++stats_.duplicate_chunks;
      stats_.duplicate_bytes += it->second.bytes.size();
      pending_bytes_ -= it->second.bytes.size();
    }
    it->second.bytes.assign(bytes);
    it->second.time_ns = chunk.time_ns;
    it->second.missing_after = missing;
    pending_bytes_ += bytes.size();
  }
  enforce_limit(options_.max_spike_bytes);
}

std::int64_t data_stream::timestamp_at(std::size_t offset) const {
  std::uint64_t abs = head_pos_ + offset;
  auto it = std::upper_bound(times_.begin(), times_.end(), abs,
                             [](std::uint64_t p, const time_range& r) { return p < r.end_pos; });
  if (it == times_.end()) return times_.empty() ? 0 : times_.back().time_ns;
  return it->time_ns;
}

void data_stream::consume(std::size_t n) {
  n = std::min(n, head_size());
  if (n == 0) return;
  started_ = true;
  stats_.bytes_consumed += n;
  drop_head_front(n);
  head_pos_ += n;
  while (!times_.empty() && times_.front().end_pos <= head_pos_) times_.pop_front();
}

void data_stream::skip_gap() {
  if (!at_gap()) return;
  ++stats_.gaps;
  stats_.bytes_dropped_at_gap += head_size();
  stats_.gap_bytes += gap_end_ - head_end();
  clear_head();
  times_.clear();
  head_pos_ = gap_end_;
  started_ = true;
  missing_rounds_ = 0;
  force_resync();
  drain_pending();
}

void data_stream::settle() {
  if (pending_.empty() || at_gap()) {
    missing_rounds_ = 0;
    return;
  }
  ++missing_rounds_;
  if (missing_rounds_ > options_.gap_wait_rounds || pending_bytes_ >= options_.gap_allowance_bytes) {
    gap_end_ = pending_.begin()->first;
    missing_rounds_ = 0;
  }
}

void data_stream::reset() {
  stats_.bytes_dropped_reset += retained_bytes();
  clear_head();
  times_.clear();
  pending_.clear();
  pending_bytes_ = 0;
  gap_end_ = 0;
  missing_rounds_ = 0;
  started_ = false;
  force_resync();
}

void data_stream::append_to_head(std::string_view bytes, std::int64_t time_ns,
                                 std::uint64_t missing_after) {
  if (!bytes.empty()) {
    buf_.append(bytes);
    times_.push_back({head_end(), time_ns});
  }
  if (missing_after > 0) gap_end_ = std::max(gap_end_, head_end() + missing_after);
}

bool data_stream::trim_held_prefix(std::uint64_t cut, std::string_view& bytes, std::uint64_t& missing) {
  if (cut == 0) return true;
  stats_.duplicate_bytes += std::min<std::uint64_t>(cut, bytes.size());
  if (cut >= bytes.size()) {
    const std::uint64_t beyond = cut - bytes.size();
    missing = beyond >= missing ? 0 : missing - beyond;
    bytes = {};
  } else {
    bytes.remove_prefix(cut);
  }
  if (bytes.empty() && missing == 0) {
    ++stats_.duplicate_chunks;
    return false;
  }
  return true;
}

void data_stream::drain_pending() {
  while (!pending_.empty() && pending_.begin()->first <= head_end()) {
    auto node = pending_.extract(pending_.begin());
    pending_chunk& c = node.mapped();
    pending_bytes_ -= c.bytes.size();
    std::string_view bytes = c.bytes;
    std::uint64_t missing = c.missing_after;
    if (!trim_held_prefix(head_end() - node.key(), bytes, missing)) continue;
    append_to_head(bytes, c.time_ns, missing);
  }
}

void data_stream::enforce_limit(std::size_t limit) {
  while (retained_bytes() > limit) {
    std::size_t excess = retained_bytes() - limit;
    if (head_size() > 0) {
      std::size_t n = std::min(excess, head_size());
      stats_.overflow_bytes += n;
      drop_head_front(n);
      head_pos_ += n;
      started_ = true;
      while (!times_.empty() && times_.front().end_pos <= head_pos_) times_.pop_front();
      force_resync();
      continue;
    }
    // Nothing contiguous: give up on the missing range and the oldest out-of-order chunk.
    auto node = pending_.extract(pending_.begin());
    pending_bytes_ -= node.mapped().bytes.size();
    ++stats_.overflow_chunks;
    stats_.overflow_bytes += node.mapped().bytes.size();
    if (node.key() > head_end()) {
      ++stats_.gaps;
      stats_.gap_bytes += node.key() - head_end();
    }
    head_pos_ = std::max(head_end(), node.key() + node.mapped().bytes.size() +
                                         node.mapped().missing_after);
    times_.clear();
    started_ = true;
    force_resync();
    drain_pending();
  }
}

void data_stream::force_resync() {
  if (!needs_resync_) {
    needs_resync_ = true;
    ++stats_.resyncs;
  }
}

void data_stream::unwind_head() {
  // Turn the head back into out-of-order chunks so an earlier chunk can be placed before it.
  std::uint64_t start = head_pos_;
  std::uint64_t last_start = head_pos_;
  for (const time_range& r : times_) {
    pending_chunk c;
    c.bytes = head().substr(start - head_pos_, r.end_pos - start);
    c.time_ns = r.time_ns;
    pending_bytes_ += c.bytes.size();
    pending_[start] = std::move(c);
    last_start = start;
    start = r.end_pos;
  }
  if (gap_end_ > head_end() && !times_.empty()) {
    pending_[last_start].missing_after = gap_end_ - head_end();
  }
  gap_end_ = 0;
  clear_head();
  times_.clear();
}

void data_stream::drop_head_front(std::size_t n) {
  // Consumed bytes stay in buf_ until they are at least half of it: parsers consume one frame at
  // a time, and moving the rest of the buffer for each frame made a round quadratic in the
  // bytes held (perf: a tenth of the agent's CPU under keep-alive load).
  head_off_ += n;
  if (head_off_ == buf_.size()) {
    clear_head();
  } else if (head_off_ >= buf_.size() / 2) {
    buf_.erase(0, head_off_);
    head_off_ = 0;
  }
}

void data_stream::clear_head() {
  buf_.clear();
  head_off_ = 0;
}

}  // namespace wisp::protocols
