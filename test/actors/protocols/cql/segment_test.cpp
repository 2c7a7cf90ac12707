// CQL protocol v5 segments (segment.hpp): parsing and the tracker across the switch from plain
// frames (STARTUP/READY) to segments. Built with wire::segment(s); the CRCs and one whole segment
// are pinned to what the DataStax Python driver (python3-cassandra 3.25, cassandra/segment.py)
// computes and writes.
#include <gtest/gtest.h>
#include <lz4.h>

#include <algorithm>
#include <string>
#include <vector>

#include "actors/protocols/cql/parse.hpp"
#include "actors/protocols/cql/protocol.hpp"
#include "actors/protocols/cql/segment.hpp"
#include "test/actors/protocols/cql/wire.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::cql {
namespace {

using schemas::trace_role;
using namespace wire;

constexpr auto rq = message_type::request;
constexpr auto rs = message_type::response;
constexpr std::uint8_t op_startup = 0x01, op_ready = 0x02, op_options = 0x05, op_query = 0x07, op_result = 0x08;

// SegmentCodec().encode(buf, OPTIONS v5 frame on stream 1) by the driver.
const std::string driver_options_segment =
    std::string("\x09\x00\x02\xa4\xc8\xc1", 6) + std::string("\x05\x00\x00\x01\x05\x00\x00\x00\x00", 9) +
    std::string("\xb5\x55\x74\x86", 4);

std::string startup_body() { return short_(1) + string("CQL_VERSION") + string("3.0.0"); }

// A QUERY body in v5: text, consistency ONE, 4-byte flags 0.
std::string query_v5(std::string_view q) { return long_string(q) + short_(1) + int_(0); }

struct parsed {
  parse_result r;
  std::vector<message> frames;
};
parsed parse_bytes(message_type t, std::string_view b, const parse_options& o = {}) {
  parsed p;
  p.r = parse(t, b, o, p.frames);
  return p;
}

// A compressed segment: 5-byte header (compressed length, uncompressed length, self-contained).
std::string compressed_segment(std::string_view payload, std::size_t uncompressed, bool self_contained = true) {
  std::string header = protocols::test::le(
      payload.size() | (std::uint64_t{uncompressed} << 17) | (std::uint64_t{self_contained} << 34), 5);
  return header + protocols::test::le(segment_crc24(header), 3) + std::string{payload} +
         protocols::test::le(segment_crc32(payload), 4);
}

TEST(cql_segment, crcs_match_the_driver) {
  using namespace std::string_literals;
  EXPECT_EQ(segment_crc24("\0\0\0"s), 0x7de777u);
  EXPECT_EQ(segment_crc24("\x0f\x00\x02"s), 0x27c7ffu);
  EXPECT_EQ(segment_crc24("\x89\x67\x45\x23\x01"s), 0x15f28cu);
  EXPECT_EQ(segment_crc32(""), 0x44777ed3u);
  EXPECT_EQ(segment_crc32("123456789"), 0xe2a261a7u);
  // The test writer frames as the driver does.
  EXPECT_EQ(segment(frame_v5(false, 1, op_options)), driver_options_segment);
}

TEST(cql_segment, the_drivers_segment_is_one_options_request) {
  parsed p = parse_bytes(rq, driver_options_segment);
  ASSERT_EQ(p.r.state, parse_state::success);
  EXPECT_EQ(p.r.consumed, driver_options_segment.size());
  ASSERT_EQ(p.frames.size(), 1u);
  EXPECT_EQ(p.frames[0].op, opcode::options);
  EXPECT_EQ(p.frames[0].version, 5);
  EXPECT_EQ(p.frames[0].stream, 1);
  EXPECT_EQ(p.frames[0].wire_size, driver_options_segment.size());
  EXPECT_EQ(classify(driver_options_segment), rq);
  // The other side's parser does not take it.
  EXPECT_EQ(parse_bytes(rs, driver_options_segment).r.state, parse_state::invalid);
}

TEST(cql_segment, a_self_contained_segment_gives_all_its_frames) {
  std::string payload = frame_v5(false, 1, op_query, query_v5("SELECT 1")) +
                        frame_v5(false, 2, op_query, query_v5("SELECT 2")) + frame_v5(false, 3, op_options);
  std::string seg = segment(payload);
  parsed p = parse_bytes(rq, seg);
  ASSERT_EQ(p.r.state, parse_state::success);
  EXPECT_EQ(p.r.consumed, seg.size());
  ASSERT_EQ(p.frames.size(), 3u);
  EXPECT_EQ(p.frames[0].body, "SELECT 1");
  EXPECT_EQ(p.frames[1].body, "SELECT 2");
  EXPECT_EQ(p.frames[2].op, opcode::options);
  std::size_t wire = 0;
  for (const message& m : p.frames) wire += m.wire_size;
  EXPECT_EQ(wire, seg.size());
}

TEST(cql_segment, every_prefix_needs_more_data) {
  std::string seg = segment(frame_v5(false, 1, op_query, query_v5("SELECT 1")) + frame_v5(false, 2, op_options));
  for (std::size_t k = 0; k < seg.size(); ++k)
    EXPECT_EQ(parse_bytes(rq, seg.substr(0, k)).r.state, parse_state::needs_more_data) << k;
}

TEST(cql_segment, a_large_frame_spread_over_segments_is_one_frame) {
  std::string text(300'000, 'x');
  std::string frame = frame_v5(false, 7, op_query, query_v5(text));
  std::string segs = segments(frame);
  ASSERT_EQ(segs.size(), frame.size() + 3 * (segment_header_bytes + segment_trailer_bytes));  // 3 segments
  parsed p = parse_bytes(rq, segs);
  ASSERT_EQ(p.r.state, parse_state::success);
  EXPECT_EQ(p.r.consumed, segs.size());
  ASSERT_EQ(p.frames.size(), 1u);
  EXPECT_EQ(p.frames[0].stream, 7);
  EXPECT_EQ(p.frames[0].wire_size, segs.size());
  EXPECT_TRUE(p.frames[0].body.starts_with("xxxx"));
  // Cut inside any of the segments, or between them: wait for the rest.
  for (std::size_t k : {std::size_t{20}, max_segment_payload, max_segment_payload + 10, segs.size() / 2, segs.size() - 1})
    EXPECT_EQ(parse_bytes(rq, std::string_view{segs}.substr(0, k)).r.state, parse_state::needs_more_data) << k;
}

TEST(cql_segment, each_segment_of_a_frame_above_the_limit_is_skipped_as_oversize) {
  parse_options small;
  small.max_frame_bytes = 1000;
  std::string segs = segments(frame_v5(false, 7, op_query, query_v5(std::string(2000, 'x'))), 512);
  std::string_view rest = segs;
  int skipped = 0;
  while (!rest.empty()) {
    parsed p = parse_bytes(rq, rest, small);
    ASSERT_EQ(p.r.state, parse_state::oversize);
    // One segment, not more (the last one is shorter).
    ASSERT_EQ(p.r.consumed, std::min(512 + segment_header_bytes + segment_trailer_bytes, rest.size())) << skipped;
    EXPECT_TRUE(p.frames.empty());
    rest.remove_prefix(std::min(p.r.consumed, rest.size()));
    ++skipped;
  }
  EXPECT_EQ(skipped, 4);
}

TEST(cql_segment, frames_in_a_self_contained_segment_are_kept_above_the_limit) {
  // Already buffered whole, so nothing is dropped uncounted.
  parse_options small;
  small.max_frame_bytes = 16;
  parsed p = parse_bytes(rq, segment(frame_v5(false, 1, op_query, query_v5(std::string(100, 'y')))), small);
  ASSERT_EQ(p.r.state, parse_state::success);
  EXPECT_EQ(p.frames.size(), 1u);
}

TEST(cql_segment, bad_crcs_cut_frames_and_other_versions_are_invalid) {
  std::string good = segment(frame_v5(false, 1, op_options));
  std::string bad_payload_crc = good;
  bad_payload_crc.back() ^= 1;
  EXPECT_EQ(parse_bytes(rq, bad_payload_crc).r.state, parse_state::invalid);
  std::string bad_payload = good;
  bad_payload[segment_header_bytes + 4] ^= 1;
  EXPECT_EQ(parse_bytes(rq, bad_payload).r.state, parse_state::invalid);
  std::string bad_header_crc = good;
  bad_header_crc[3] ^= 1;
  EXPECT_EQ(parse_bytes(rq, bad_header_crc).r.state, parse_state::invalid);
  std::string frame = frame_v5(false, 1, op_query, query_v5("SELECT 1"));
  EXPECT_EQ(parse_bytes(rq, segment(frame.substr(0, frame.size() - 1))).r.state, parse_state::invalid);
  EXPECT_EQ(parse_bytes(rq, segment(frame + "z")).r.state, parse_state::invalid);
  EXPECT_EQ(parse_bytes(rq, segment(wire::request(1, op_options))).r.state, parse_state::invalid);  // v4 inside
}

// LZ4 as the v5 spec compresses segment payloads (a raw LZ4 block).
std::string lz4(std::string_view b) {
  std::string out(static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(b.size()))), '\0');
  const int n = LZ4_compress_default(b.data(), out.data(), static_cast<int>(b.size()), static_cast<int>(out.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

TEST(cql_segment, compressed_segments_are_decompressed_and_bad_ones_are_errors) {
  // Two frames in one compressed self-contained segment.
  std::string frames = frame_v5(false, 4, op_options) + frame_v5(false, 5, op_query, query_v5("SELECT now() FROM system.local"));
  parsed p = parse_bytes(rq, compressed_segment(lz4(frames), frames.size()));
  ASSERT_EQ(p.r.state, parse_state::success);
  ASSERT_EQ(p.frames.size(), 2u);
  EXPECT_EQ(p.frames[0].stream, 4);
  EXPECT_EQ(p.frames[1].stream, 5);
  // Bytes LZ4 rejects, a size that does not match and a bad CRC32 are invalid.
  std::string garbage = "\xf0\x01compressed?";
  EXPECT_EQ(parse_bytes(rq, compressed_segment(garbage, 40)).r.state, parse_state::invalid);
  EXPECT_EQ(parse_bytes(rq, compressed_segment(lz4(frames), frames.size() + 1)).r.state, parse_state::invalid);
  std::string bad = compressed_segment(lz4(frames), frames.size());
  bad.back() ^= 1;
  EXPECT_EQ(parse_bytes(rq, bad).r.state, parse_state::invalid);
  // A large frame over compressed segments that are not self-contained.
  std::string frame = frame_v5(false, 7, op_query, query_v5(std::string(300'000, 'x')));
  std::string segs;
  for (std::size_t at = 0; at < frame.size(); at += max_segment_payload) {
    std::string_view piece = std::string_view{frame}.substr(at, max_segment_payload);
    segs += compressed_segment(lz4(piece), piece.size(), false);
  }
  parsed large = parse_bytes(rq, segs);
  ASSERT_EQ(large.r.state, parse_state::success);
  EXPECT_EQ(large.r.consumed, segs.size());
  ASSERT_EQ(large.frames.size(), 1u);
  EXPECT_EQ(large.frames[0].wire_size, segs.size());
  EXPECT_TRUE(large.frames[0].body.starts_with("xxxx"));
  // Uncompressed length 0: the payload was stored as it is.
  parsed stored = parse_bytes(rq, compressed_segment(frame_v5(false, 4, op_options), 0));
  ASSERT_EQ(stored.r.state, parse_state::success);
  ASSERT_EQ(stored.frames.size(), 1u);
  EXPECT_EQ(stored.frames[0].stream, 4);
}

TEST(cql_segment, boundary_search_finds_a_segment_after_garbage) {
  std::string seg = segment(frame_v5(true, 1, op_result, void_result()));
  std::string buf = std::string(37, '\x7f') + seg;
  EXPECT_EQ(find_frame_boundary(rs, buf, 0), 37u);
  EXPECT_EQ(classify(seg), rs);
  EXPECT_EQ(find_frame_boundary(rq, std::string(37, '\x7f') + segment(frame_v5(true, 1, op_result, void_result())), 0),
            no_frame_boundary);
}

// ---- Tracker: plain v5 STARTUP/READY, then segments both ways. ----

struct v5_conn {
  std::string req;
  std::string resp;
};

v5_conn handshake_then_segments() {
  v5_conn c;
  c.req = frame_v5(false, 0, op_startup, startup_body());
  c.resp = frame_v5(true, 0, op_ready);
  // Three pipelined queries in one segment, answered in two segments, out of order.
  c.req += segment(frame_v5(false, 1, op_query, query_v5("SELECT 1")) + frame_v5(false, 2, op_query, query_v5("SELECT 2")) +
                   frame_v5(false, 3, op_query, query_v5("SELECT 3")));
  c.resp += segment(frame_v5(true, 2, op_result, void_result()));
  c.resp += segment(frame_v5(true, 3, op_result, void_result()) + frame_v5(true, 1, op_result, void_result()));
  // A large query and its answer, each spread over segments.
  c.req += segments(frame_v5(false, 4, op_query, query_v5("SELECT " + std::string(200'000, 'x'))));
  // ROWS without metadata: one column, one 140 kB cell.
  c.resp += segments(frame_v5(true, 4, op_result, int_(2) + int_(0x0004) + int_(1) + int_(1) + bytes(std::string(140'000, 'k'))));
  return c;
}

std::vector<std::string> streams_and_bodies(const std::vector<record>& records) {
  std::vector<std::string> out;
  for (const record& r : records)
    out.push_back(std::to_string(r.req.stream) + ":" + r.req.body.substr(0, 8) + "->" + r.resp.body.substr(0, 31));
  return out;
}

const std::vector<std::string> expected_v5 = {
    "0:{\"CQL_VE->",
    "2:SELECT 2->Response type = VOID",
    "3:SELECT 3->Response type = VOID",
    "1:SELECT 1->Response type = VOID",
    "4:SELECT x->Response type = ROWS\nNumber of ",
};

tracker server_tracker(parse_options o = {}) {
  return tracker{{}, test::loopback_meta(trace_role::server, 9042), trace_server_side, {}, o};
}

TEST(cql_segment_tracker, v5_traffic_after_the_handshake_makes_records) {
  v5_conn c = handshake_then_segments();
  tracker t = server_tracker();
  auto records = test::run(t, {test::chunk(direction::ingress, 0, c.req, 1), test::chunk(direction::egress, 0, c.resp, 2)});
  EXPECT_EQ(streams_and_bodies(records), expected_v5);
  test::expect_clean_run(t, records);
  EXPECT_EQ(t.stats().frames_parsed, 10u);
  EXPECT_EQ(t.stats().frames_oversize, 0u);
}

TEST(cql_segment_tracker, split_at_every_byte_of_the_small_frames_gives_the_same_records) {
  v5_conn c = handshake_then_segments();
  // The splits that matter are in the handshake and the small segments; the large ones are
  // covered by a cut every 997 bytes.
  for (std::size_t k = 0; k <= std::max(c.req.size(), c.resp.size()); k += k < 200 ? 1 : 997) {
    tracker t = server_tracker();
    EXPECT_EQ(streams_and_bodies(test::run_split(t, c.req, c.resp, k)), expected_v5) << k;
    EXPECT_EQ(t.stats().parse_errors, 0u) << k;
  }
}

TEST(cql_segment_tracker, a_large_frame_above_the_limit_is_skipped_segment_by_segment) {
  v5_conn c = handshake_then_segments();
  parse_options o;
  o.max_frame_bytes = 150'000;  // the 200 kB query is skipped, the 140 kB answer kept (then orphaned)
  tracker t = server_tracker(o);
  auto records = test::run(t, {test::chunk(direction::ingress, 0, c.req, 1), test::chunk(direction::egress, 0, c.resp, 2)});
  EXPECT_EQ(records.size(), 4u);
  EXPECT_EQ(t.stats().frames_oversize, 2u);  // the query's two segments
  EXPECT_EQ(t.stats().stitch.orphan_responses, 1u);
  EXPECT_EQ(t.stats().parse_errors, 0u);
}

TEST(cql_segment_tracker, a_bad_crc_is_a_parse_error_and_parsing_resumes) {
  v5_conn c;
  c.req = frame_v5(false, 0, op_startup, startup_body()) + segment(frame_v5(false, 1, op_query, query_v5("SELECT 1"))) +
          segment(frame_v5(false, 2, op_query, query_v5("SELECT 2")));
  c.resp = frame_v5(true, 0, op_ready) + segment(frame_v5(true, 1, op_result, void_result())) +
           segment(frame_v5(true, 2, op_result, void_result()));
  std::size_t first_seg = frame_v5(false, 0, op_startup, startup_body()).size();
  c.req[first_seg + segment_header_bytes + 10] ^= 0x20;  // inside the first query's text
  tracker t = server_tracker();
  auto records = test::run(t, {test::chunk(direction::ingress, 0, c.req, 1), test::chunk(direction::egress, 0, c.resp, 2)});
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].req.body, "SELECT 2");
  // The bad segment is skipped whole: its payload's frame is not read as a plain frame.
  EXPECT_EQ(t.stats().parse_errors, 1u);
  EXPECT_EQ(t.stats().invalid_bytes, segment(frame_v5(false, 1, op_query, query_v5("SELECT 1"))).size());
  EXPECT_EQ(t.stats().stitch.orphan_responses, 1u);  // the answer to the query that was lost
}

TEST(cql_segment_tracker, compressed_segments_give_their_records) {
  v5_conn c;
  std::string query = frame_v5(false, 3, op_query, query_v5("SELECT 1"));
  std::string result = frame_v5(true, 3, op_result, void_result());
  c.req = frame_v5(false, 0, op_startup, startup_body()) + compressed_segment(lz4(query), query.size());
  c.resp = frame_v5(true, 0, op_ready) + compressed_segment(lz4(result), result.size());
  tracker t = server_tracker();
  auto records = test::run(t, {test::chunk(direction::ingress, 0, c.req, 1), test::chunk(direction::egress, 0, c.resp, 2)});
  EXPECT_EQ(records.size(), 2u);  // STARTUP/READY, QUERY/RESULT
  EXPECT_EQ(t.stats().frames_ignored, 0u);
  EXPECT_EQ(t.stats().parse_errors, 0u);
}

}  // namespace
}  // namespace wisp::protocols::cql
