#include "actors/protocols/common/data_stream.hpp"

#include <gtest/gtest.h>

namespace wisp::protocols {
namespace {

data_chunk chunk(std::uint64_t pos, std::string bytes, std::int64_t t, std::uint32_t msg_size = 0) {
  data_chunk c;
  c.pos = pos;
  c.time_ns = t;
  c.msg_size = msg_size ? msg_size : static_cast<std::uint32_t>(bytes.size());
  c.bytes = std::move(bytes);
  return c;
}

TEST(data_stream, in_order_chunks_form_the_head_with_per_byte_timestamps) {
  data_stream s;
  s.add(chunk(0, "abc", 10));
  s.add(chunk(3, "de", 20));
  EXPECT_EQ(s.head(), "abcde");
  EXPECT_EQ(s.timestamp_at(0), 10);
  EXPECT_EQ(s.timestamp_at(2), 10);
  EXPECT_EQ(s.timestamp_at(3), 20);
  s.consume(4);
  EXPECT_EQ(s.head(), "e");
  EXPECT_EQ(s.position(), 4u);
  EXPECT_EQ(s.timestamp_at(0), 20);
}

TEST(data_stream, out_of_order_chunks_are_reassembled) {
  data_stream s;
  s.add(chunk(5, "fgh", 3));
  s.add(chunk(3, "de", 2));
  s.add(chunk(0, "abc", 1));
  EXPECT_EQ(s.head(), "abcdefgh");
  EXPECT_EQ(s.timestamp_at(7), 3);
  EXPECT_FALSE(s.at_gap());
}

TEST(data_stream, mid_stream_start_uses_first_position) {
  data_stream s;
  s.add(chunk(1000, "xyz", 1));
  EXPECT_EQ(s.position(), 1000u);
  EXPECT_EQ(s.head(), "xyz");
}

TEST(data_stream, duplicates_and_overlaps_are_counted_not_repeated) {
  data_stream s;
  s.add(chunk(0, "abcd", 1));
  s.add(chunk(0, "abcd", 1));
  s.add(chunk(2, "cdef", 2));
  s.add(chunk(10, "kl", 3));
  s.add(chunk(10, "k", 3));
  s.add(chunk(8, "ijklm", 4));
  EXPECT_EQ(s.head(), "abcdef");
  s.add(chunk(6, "gh", 5));
  EXPECT_EQ(s.head(), "abcdefghijklm");
  EXPECT_GE(s.stats().duplicate_chunks, 2u);
  EXPECT_EQ(s.stats().duplicate_bytes, 4u + 2u + 1u + 2u);
}

TEST(data_stream, truncated_chunk_declares_a_gap_and_forces_resync) {
  data_stream s;
  s.add(chunk(0, "GET /a", 1, 100));  // 94 bytes not copied
  s.add(chunk(100, "GET /b", 2));
  EXPECT_EQ(s.head(), "GET /a");
  EXPECT_TRUE(s.at_gap());
  s.skip_gap();
  EXPECT_EQ(s.head(), "GET /b");
  EXPECT_EQ(s.position(), 100u);
  EXPECT_TRUE(s.needs_resync());
  EXPECT_EQ(s.stats().gaps, 1u);
  EXPECT_EQ(s.stats().gap_bytes, 94u);
  EXPECT_EQ(s.stats().bytes_dropped_at_gap, 6u);
}

TEST(data_stream, missing_range_becomes_a_gap_after_a_round) {
  data_stream s;
  s.add(chunk(0, "abc", 1));
  s.add(chunk(10, "klm", 2));
  s.settle();
  EXPECT_FALSE(s.at_gap());  // may still arrive
  s.settle();
  EXPECT_TRUE(s.at_gap());
  s.skip_gap();
  EXPECT_EQ(s.head(), "klm");
  EXPECT_EQ(s.stats().gap_bytes, 7u);
}

TEST(data_stream, late_data_fills_a_missing_range_before_it_is_declared) {
  data_stream s;
  s.add(chunk(0, "abc", 1));
  s.add(chunk(10, "klm", 2));
  s.settle();
  s.add(chunk(3, "defghij", 3));
  s.settle();
  EXPECT_FALSE(s.at_gap());
  EXPECT_EQ(s.head(), "abcdefghijklm");
}

TEST(data_stream, retention_drops_oldest_bytes_and_counts_them) {
  data_stream_options o;
  o.max_retained_bytes = 8;
  data_stream s{o};
  s.add(chunk(0, "0123456789abcdef", 1));
  s.trim_to_retention();
  EXPECT_EQ(s.head(), "89abcdef");
  EXPECT_EQ(s.stats().overflow_bytes, 8u);
  EXPECT_TRUE(s.needs_resync());
}

TEST(data_stream, spike_limit_drops_out_of_order_chunks) {
  data_stream_options o;
  o.max_spike_bytes = 4;
  data_stream s{o};
  s.add(chunk(0, "ab", 1));
  s.consume(2);
  s.add(chunk(10, "xyz", 2));
  s.add(chunk(20, "uvw", 3));
  EXPECT_LE(s.retained_bytes(), 4u);
  EXPECT_EQ(s.stats().overflow_chunks, 1u);
  EXPECT_EQ(s.head(), "");
}

TEST(data_stream, reset_counts_dropped_bytes) {
  data_stream s;
  s.add(chunk(0, "abc", 1));
  s.add(chunk(9, "xyz", 1));
  s.reset();
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.stats().bytes_dropped_reset, 6u);
}

}  // namespace
}  // namespace wisp::protocols
