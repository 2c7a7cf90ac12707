// conn_tracker<kafka::protocol> end to end on the fixtures recorded from kcat and the scripted
// peer (peer.py; no Kafka broker runs here, see fixtures/README.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "actors/protocols/kafka/protocol.hpp"
#include "test/actors/protocols/kafka/wire.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::kafka {
namespace {

using schemas::trace_role;
using protocols::test::now_ns;
using protocols::test::run;

conn_meta meta_with(trace_role role) { return protocols::test::loopback_meta(role, 9092); }

std::vector<protocols::test::trace_read> reads_of(const std::string& file) {
  return protocols::test::load_trace("kafka/fixtures/" + file);
}

std::vector<record> records_of(const std::string& file) {
  tracker t{{}, meta_with(trace_role::server)};
  return run(t, protocols::test::to_chunks(reads_of(file), true));
}

std::vector<std::string> summary(const std::vector<record>& rs) {
  std::vector<std::string> out;
  for (const record& r : rs)
    out.push_back(std::to_string(r.req.api_key) + "/" + std::to_string(r.req.correlation_id) + " " + r.req.body +
                  " -> " + r.resp.body);
  return out;
}

// An independent reading of the fixture: the API keys of the client's messages, walking the
// 4-byte sizes.
std::vector<int> api_keys_in(const std::string& bytes) {
  std::vector<int> keys;
  for (std::size_t at = 0; at + 6 <= bytes.size();) {
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(bytes[at + i]); };
    std::size_t size = (std::size_t{b(0)} << 24) | (std::size_t{b(1)} << 16) | (std::size_t{b(2)} << 8) | b(3);
    keys.push_back((b(4) << 8) | b(5));
    at += 4 + size;
  }
  return keys;
}

std::vector<int> api_keys_of(const std::vector<record>& rs) {
  std::vector<int> keys;
  for (const record& r : rs) keys.push_back(r.req.api_key);
  return keys;
}

class kafka_tracker_fixture : public ::testing::TestWithParam<std::string> {};

TEST_P(kafka_tracker_fixture, n_requests_make_n_records) {
  auto reads = reads_of(GetParam());
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, protocols::test::to_chunks(reads, true));
  std::vector<int> keys = api_keys_in(protocols::test::side_bytes(reads, true));
  EXPECT_GT(keys.size(), 5u);
  EXPECT_EQ(api_keys_of(rs), keys);
  for (const record& r : rs) {
    EXPECT_GE(r.resp.timestamp_ns, r.req.timestamp_ns);
    EXPECT_EQ(r.req.client_id, "rdkafka");
    EXPECT_FALSE(r.req.body.empty());
    EXPECT_EQ(r.resp.body.front(), '{') << r.resp.body;
    EXPECT_EQ(r.resp.body.find(R"("error":true)"), std::string::npos) << r.resp.body;
    EXPECT_EQ(r.req.body.find(R"("error":true)"), std::string::npos) << r.req.body;
  }
  protocols::test::expect_clean_run(t, rs);
  EXPECT_EQ(t.stats().frames_oversize, 0u);
}

TEST_P(kafka_tracker_fixture, role_is_inferred_from_the_traffic) {
  tracker t{{}, meta_with(trace_role::unknown), trace_both_sides};
  EXPECT_EQ(summary(run(t, protocols::test::to_chunks(reads_of(GetParam()), true))), summary(records_of(GetParam())));
  EXPECT_EQ(t.meta().role, trace_role::server);
}

TEST_P(kafka_tracker_fixture, split_at_every_byte_gives_the_same_records) {
  auto expected = summary(records_of(GetParam()));
  auto bad = protocols::test::first_bad_split(
      reads_of(GetParam()), [] { return tracker{{}, meta_with(trace_role::server)}; },
      [](const std::vector<record>& rs) { return summary(rs); }, expected);
  EXPECT_EQ(bad, std::nullopt);
}

TEST_P(kafka_tracker_fixture, one_byte_rounds_give_the_same_records) {
  tracker t{{}, meta_with(trace_role::server)};
  auto chunks = protocols::test::pieces(protocols::test::to_chunks(reads_of(GetParam()), true), 1);
  EXPECT_EQ(summary(protocols::test::run_rounds(t, chunks)), summary(records_of(GetParam())));
}

// The fixture's reads with every message's 4-byte size cut off into a read of its own, in both
// directions, as a Java broker (and client) reads it: read(4), then read(size). Returns the
// reads and how many 4-byte reads were made.
std::pair<std::vector<protocols::test::trace_read>, std::size_t> size_read_apart(
    const std::vector<protocols::test::trace_read>& reads) {
  std::vector<protocols::test::trace_read> out;
  std::size_t size_reads = 0;
  std::size_t next_message[2] = {0, 0};  // side offset where the next message starts
  std::size_t side_pos[2] = {0, 0};
  for (const auto& r : reads) {
    const int side = r.from_client ? 0 : 1;
    std::string_view rest = r.bytes;
    while (!rest.empty()) {
      std::size_t& at = side_pos[side];
      std::size_t n = rest.size();
      if (at == next_message[side]) {
        EXPECT_GE(rest.size(), 4u) << "a fixture read splits a size field";
        n = std::min<std::size_t>(4, rest.size());
        std::string_view s = rest.substr(0, 4);
        std::size_t size = 0;
        for (char c : s) size = (size << 8) | static_cast<unsigned char>(c);
        next_message[side] = at + 4 + size;
        ++size_reads;
      } else {
        n = std::min(n, next_message[side] - at);
      }
      out.push_back({r.from_client, std::string{rest.substr(0, n)}});
      rest.remove_prefix(n);
      at += n;
    }
  }
  return {out, size_reads};
}

TEST_P(kafka_tracker_fixture, a_size_read_apart_from_its_message_gives_the_same_records) {
  auto [reads, size_reads] = size_read_apart(reads_of(GetParam()));
  auto expected = records_of(GetParam());
  // Every request and every response had its size delivered as a 4-byte event of its own.
  EXPECT_EQ(size_reads, 2 * expected.size());
  auto chunks = protocols::test::to_chunks(reads, true);
  std::size_t four_byte_chunks[2] = {0, 0};
  for (const data_chunk& c : chunks)
    if (c.bytes.size() == 4) ++four_byte_chunks[c.dir == direction::ingress ? 0 : 1];
  EXPECT_EQ(four_byte_chunks[0], expected.size());
  EXPECT_EQ(four_byte_chunks[1], expected.size());

  // Each event in a processing round of its own: the size waits alone for its message.
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = protocols::test::run_rounds(t, chunks);
  EXPECT_EQ(summary(rs), summary(expected));
  protocols::test::expect_clean_run(t, rs);
}

TEST_P(kafka_tracker_fixture, mid_stream_start_recovers_the_later_records) {
  // The tracer starts after the first request and its response were sent, 3 bytes into the
  // second request: the parser resynchronises and the rest pairs as before.
  auto all = records_of(GetParam());
  auto chunks = protocols::test::to_chunks(reads_of(GetParam()), true);
  std::vector<data_chunk> later;
  int seen_requests = 0;
  for (data_chunk c : chunks) {
    if (c.dir == direction::ingress && seen_requests++ == 1) {
      c.pos += 3;
      c.bytes = c.bytes.substr(3);
      c.msg_size = static_cast<std::uint32_t>(c.bytes.size());
    }
    if (seen_requests >= 2) later.push_back(c);
  }
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, later);
  ASSERT_GE(rs.size(), all.size() - 3);
  std::vector<record> tail(all.end() - static_cast<std::ptrdiff_t>(all.size() - 2), all.end());
  EXPECT_EQ(summary(rs), summary(tail));
}

TEST_P(kafka_tracker_fixture, a_lost_response_loses_only_its_record) {
  auto all = records_of(GetParam());
  auto chunks = protocols::test::to_chunks(reads_of(GetParam()), true);
  // Drop the server's second read (the Metadata response in both fixtures): a gap.
  std::vector<data_chunk> kept;
  int egress = 0;
  for (const data_chunk& c : chunks)
    if (c.dir != direction::egress || egress++ != 1) kept.push_back(c);
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = protocols::test::run_rounds(t, kept);
  auto expected = all;
  expected.erase(expected.begin() + 1);
  EXPECT_EQ(summary(rs), summary(expected));
}

INSTANTIATE_TEST_SUITE_P(kafka, kafka_tracker_fixture, ::testing::Values("produce.trace", "consume.trace"),
                         [](const auto& info) { return info.param.substr(0, info.param.find('.')); });

TEST(kafka_tracker, ten_produced_messages_are_ten_produce_records) {
  // produce.trace is `seq 1 10 | kcat -P ... -X batch.num.messages=1`: one Produce per message.
  auto rs = records_of("produce.trace");
  EXPECT_EQ(std::count_if(rs.begin(), rs.end(), [](const record& r) { return r.req.api_key == api::produce; }), 10);
}

TEST(kafka_tracker, consume_fetches_the_produced_records) {
  auto rs = records_of("consume.trace");
  auto has = [&](int key, const std::string& text) {
    return std::any_of(rs.begin(), rs.end(), [&](const record& r) {
      return r.req.api_key == key && (r.req.body + r.resp.body).find(text) != std::string::npos;
    });
  };
  EXPECT_TRUE(has(api::list_offsets, R"("timestamp":-2)"));  // -o beginning
  EXPECT_TRUE(has(api::fetch, R"("high_watermark":10)"));
  EXPECT_TRUE(has(api::fetch, R"("fetch_offset":10)"));      // the fetch at the end
}

TEST(kafka_tracker, a_cut_response_payload_is_decoded_as_far_as_it_goes) {
  // The Fetch that returns the 10 messages is ~750 bytes: keep 40 of its payload.
  parse_options cut;
  cut.max_payload_bytes = 40;
  tracker t{{}, meta_with(trace_role::server), trace_server_side, {}, cut};
  auto rs = run(t, protocols::test::to_chunks(reads_of("consume.trace"), true));
  EXPECT_EQ(rs.size(), records_of("consume.trace").size());
  auto fetch = std::find_if(rs.begin(), rs.end(), [](const record& r) {
    return r.req.api_key == api::fetch && r.resp.body.find(R"("truncated":true)") != std::string::npos;
  });
  ASSERT_NE(fetch, rs.end());
  EXPECT_EQ(fetch->resp.body.rfind(R"({"throttle_time_ms":0,"responses":[{"topic":"wisp","partitions":[)", 0), 0u)
      << fetch->resp.body;
}

TEST(kafka_tracker, garbage_disables_the_tracker_without_records) {
  std::mt19937 rng{7};
  tracker t{{}, meta_with(trace_role::server)};
  auto out = protocols::test::feed_until_disabled(t, [&] {
    std::string s(512, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  });
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(t.disabled());
}

TEST(kafka_tracker, a_2_gib_message_is_skipped_without_buffering_and_counted) {
  using namespace wire;
  tracker t{{}, meta_with(trace_role::server)};
  std::vector<record> out;
  std::string head = i32(0x7fffffff) + i16(0) + i16(3) + i32(1) + str("c");
  t.add(protocols::test::chunk(direction::ingress, 0, head, 10));
  t.process(now_ns, out);
  EXPECT_EQ(t.stats().frames_oversize, 1u);
  EXPECT_LT(t.stream(direction::ingress).retained_bytes(), 1024u);
  // The next request starts after the 2 GiB.
  std::string next = request(18, 0, 2, "c", false, "");
  t.add(protocols::test::chunk(direction::ingress, 4 + 0x7fffffffULL, next, 20));
  t.add(protocols::test::chunk(direction::egress, 0, response(2, i16(0) + i32(0)), 30));
  t.process(now_ns, out);
  t.process(now_ns, out);  // a gap is declared once it stayed unfilled for a round
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].req.correlation_id, 2);
  EXPECT_EQ(out[0].resp.body, R"({"error_code":0,"api_keys":[]})");
}

}  // namespace
}  // namespace wisp::protocols::kafka
