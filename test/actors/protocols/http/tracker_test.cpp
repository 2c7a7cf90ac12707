// conn_tracker<http::protocol> end to end on the recorded fixtures.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "actors/protocols/http/protocol.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::http {
namespace {

using schemas::trace_role;
using test::now_ns;
using test::run;

conn_meta meta_with(trace_role role) { return test::loopback_meta(role, 8080); }

std::vector<std::string> paths(const std::vector<record>& rs) {
  std::vector<std::string> p;
  for (const record& r : rs) p.push_back(r.req.method + " " + r.req.path + " " + std::to_string(r.resp.status));
  return p;
}

struct fixture_expectation {
  std::string file;
  std::vector<std::string> records;
};

class tracker_fixture : public ::testing::TestWithParam<fixture_expectation> {};

TEST_P(tracker_fixture, server_side_records) {
  auto reads = test::load_trace("http/fixtures/" + GetParam().file);
  ASSERT_FALSE(reads.empty());
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, test::to_chunks(reads, true));
  EXPECT_EQ(paths(rs), GetParam().records);
  for (const record& r : rs) EXPECT_GT(r.resp.timestamp_ns, r.req.timestamp_ns);
  test::expect_clean_run(t, rs);
}

TEST_P(tracker_fixture, client_side_records_with_a_policy_for_both_sides) {
  auto reads = test::load_trace("http/fixtures/" + GetParam().file);
  tracker t{{}, meta_with(trace_role::client), trace_both_sides};
  EXPECT_EQ(paths(run(t, test::to_chunks(reads, false))), GetParam().records);
}

TEST_P(tracker_fixture, role_is_inferred_from_the_traffic) {
  auto reads = test::load_trace("http/fixtures/" + GetParam().file);
  tracker t{{}, meta_with(trace_role::unknown), trace_both_sides};
  EXPECT_EQ(paths(run(t, test::to_chunks(reads, true))), GetParam().records);
  EXPECT_EQ(t.meta().role, trace_role::server);
  EXPECT_EQ(t.stats().role_inferred, 1u);
}

// Both directions cut into two chunks at every byte boundary, delivered over two rounds.
TEST_P(tracker_fixture, split_at_every_byte_boundary) {
  auto reads = test::load_trace("http/fixtures/" + GetParam().file);
  auto make = [] { return tracker{{}, meta_with(trace_role::server)}; };
  EXPECT_EQ(test::first_bad_split(reads, make, paths, GetParam().records), std::nullopt);
}

TEST_P(tracker_fixture, chunks_in_reverse_order_within_a_round) {
  auto reads = test::load_trace("http/fixtures/" + GetParam().file);
  auto chunks = test::to_chunks(reads, true);
  std::reverse(chunks.begin(), chunks.end());
  tracker t{{}, meta_with(trace_role::server)};
  EXPECT_EQ(paths(run(t, chunks)), GetParam().records);
}

INSTANTIATE_TEST_SUITE_P(
    http, tracker_fixture,
    ::testing::Values(
        fixture_expectation{"nginx_keepalive.trace", {"GET /index.html 200", "GET /data.json 200", "GET /missing 404"}},
        fixture_expectation{"nginx_head.trace", {"HEAD /index.html 200"}},
        fixture_expectation{"nginx_not_modified.trace", {"GET /index.html 304"}},
        fixture_expectation{"nginx_post.trace", {"POST /echo 200"}},
        fixture_expectation{"nginx_pipelined.trace", {"GET /index.html 200", "GET /data.json 200", "HEAD /index.html 200", "GET /missing 404"}},
        fixture_expectation{"py_chunked.trace", {"GET /chunked 200", "GET /nocontent 204", "GET /binary 200"}},
        fixture_expectation{"py_expect_continue.trace", {"POST /json 201"}},
        fixture_expectation{"py_close.trace", {"GET /close 200"}},
        fixture_expectation{"httpserver_get.trace", {"GET /data.json 200"}}),
    [](const auto& info) {
      std::string n = info.param.file;
      return n.substr(0, n.find('.'));
    });

TEST(http_tracker, frame_timestamp_is_that_of_its_last_byte_and_latency_follows) {
  auto reads = test::load_trace("http/fixtures/py_expect_continue.trace");
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, test::to_chunks(reads, true));
  ASSERT_EQ(rs.size(), 1u);
  // Reads: headers(0), 100 Continue(1), body(2), 201 headers(3), 201 body(4).
  EXPECT_EQ(rs[0].req.timestamp_ns, test::fixture_start_ns + 2 * test::fixture_step_ns);
  EXPECT_EQ(rs[0].resp.timestamp_ns, test::fixture_start_ns + 4 * test::fixture_step_ns);
  EXPECT_EQ(rs[0].resp.status, 201);
  EXPECT_EQ(t.stats().stitch.interim_responses, 1u);
}

TEST(http_tracker, body_until_close_is_emitted_on_close) {
  auto reads = test::load_trace("http/fixtures/py_close.trace");
  tracker t{{}, meta_with(trace_role::server)};
  std::vector<record> out;
  for (const data_chunk& c : test::to_chunks(reads, true)) t.add(c);
  t.process(now_ns, out);
  EXPECT_TRUE(out.empty());
  t.on_close({});
  t.process(now_ns, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].resp.body, "body delimited by close\n");
}

TEST(http_tracker, close_waits_for_bytes_still_in_flight) {
  auto reads = test::load_trace("http/fixtures/nginx_keepalive.trace");
  auto chunks = test::to_chunks(reads, true);
  tracker t{{}, meta_with(trace_role::server)};
  std::vector<record> out;
  conn_close close;
  close.rd_bytes = test::side_bytes(reads, true).size();
  close.wr_bytes = test::side_bytes(reads, false).size();
  for (std::size_t i = 0; i + 1 < chunks.size(); ++i) t.add(chunks[i]);
  t.on_close(close);
  t.process(now_ns, out);
  EXPECT_FALSE(t.finished());
  t.add(chunks.back());
  t.process(now_ns, out);
  EXPECT_TRUE(t.finished());
  EXPECT_EQ(out.size(), 3u);
}

TEST(http_tracker, mid_stream_start_resynchronises) {
  auto reads = test::load_trace("http/fixtures/nginx_keepalive.trace");
  std::string req = test::side_bytes(reads, true);
  std::string resp = test::side_bytes(reads, false);
  std::size_t req_cut = req.find("GET /data.json") - 7;
  std::size_t resp_cut = resp.find("HTTP/1.1 200", 1) - 9;
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, {test::chunk(direction::ingress, req_cut, req.substr(req_cut), 1),
                    test::chunk(direction::egress, resp_cut, resp.substr(resp_cut), 2)});
  EXPECT_EQ(paths(rs), (std::vector<std::string>{"GET /data.json 200", "GET /missing 404"}));
  EXPECT_GT(t.stats().parse_errors, 0u);
  EXPECT_EQ(t.stats().invalid_bytes, 7u + 9u);
}

TEST(http_tracker, gap_loses_one_exchange_and_parsing_resumes_after_it) {
  auto reads = test::load_trace("http/fixtures/nginx_keepalive.trace");
  auto chunks = test::to_chunks(reads, true);
  // The second response's headers: its body is "not copied".
  std::size_t second_resp = 0;
  for (std::size_t i = 0, seen = 0; i < chunks.size(); ++i)
    if (chunks[i].dir == direction::egress && chunks[i].bytes.starts_with("HTTP/1.1") && ++seen == 2) second_resp = i;
  ASSERT_GT(second_resp, 0u);
  std::size_t kept = chunks[second_resp].bytes.find("\r\n") + 2;
  chunks[second_resp].msg_size = static_cast<std::uint32_t>(chunks[second_resp].bytes.size());
  chunks[second_resp].bytes.resize(kept);
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, chunks);
  // Request 2 is left without a response... and is paired with response 3: FIFO cannot know.
  // What matters: no crash, the gap is counted and the stream continues with response 3.
  EXPECT_EQ(t.stream(direction::egress).stats().gaps, 1u);
  EXPECT_EQ(t.stream(direction::egress).stats().bytes_dropped_at_gap, kept);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].resp.status, 200);
  EXPECT_EQ(rs[1].resp.status, 404);
  EXPECT_EQ(t.stats().unmatched_at_close, 1u);
}

TEST(http_tracker, garbage_is_counted_and_disables_the_tracker) {
  std::mt19937 rng{42};
  tracker t{{}, meta_with(trace_role::server)};
  auto out = test::feed_until_disabled(t, [&] {
    std::string bytes;
    for (int i = 0; i < 300; ++i) bytes.push_back(static_cast<char>(rng()));
    return bytes + "\nGET / HTTP/1.1\r\nX\r\n\r\n";  // looks like a request, is invalid
  });
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(t.disabled());
  EXPECT_EQ(t.why_disabled(), disable_reason::parse_failures);
  EXPECT_GT(t.stats().parse_errors, default_min_failure_attempts);
  EXPECT_GT(t.stats().invalid_bytes, 0u);
  data_chunk late;
  late.dir = direction::ingress;
  late.bytes = "GET / HTTP/1.1\r\n\r\n";
  std::uint64_t before = t.stats().bytes_dropped_disabled;
  t.add(late);
  EXPECT_EQ(t.stats().bytes_dropped_disabled - before, late.bytes.size());
}

TEST(http_tracker, role_policy_rejects_client_side) {
  auto reads = test::load_trace("http/fixtures/nginx_head.trace");
  tracker t{{}, meta_with(trace_role::client)};
  auto rs = run(t, test::to_chunks(reads, false));
  EXPECT_TRUE(rs.empty());
  EXPECT_EQ(t.why_disabled(), disable_reason::role_not_traced);
  EXPECT_EQ(t.stats().bytes_dropped_disabled,
            test::side_bytes(reads, true).size() + test::side_bytes(reads, false).size());
}

TEST(http_tracker, unmatched_requests_expire) {
  tracker t{{}, meta_with(trace_role::server)};
  data_chunk c;
  c.dir = direction::ingress;
  c.time_ns = test::fixture_start_ns;
  c.bytes = "GET /a HTTP/1.1\r\n\r\n";
  c.msg_size = static_cast<std::uint32_t>(c.bytes.size());
  std::vector<record> out;
  t.add(c);
  t.process(test::fixture_start_ns, out);
  EXPECT_EQ(t.unmatched(message_type::request), 1u);
  t.process(test::fixture_start_ns + default_message_expiry_ns + 1, out);
  EXPECT_EQ(t.unmatched(message_type::request), 0u);
  EXPECT_EQ(t.stats().unmatched_expired, 1u);
}

TEST(http_tracker, stored_messages_over_the_size_limit_are_dropped) {
  tracker_options o;
  o.messages_size_limit_bytes = 100;
  tracker t{{}, meta_with(trace_role::server), trace_server_side, o};
  data_chunk c;
  c.dir = direction::ingress;
  for (int i = 0; i < 10; ++i) c.bytes += "GET /" + std::to_string(i) + " HTTP/1.1\r\n\r\n";
  c.msg_size = static_cast<std::uint32_t>(c.bytes.size());
  std::vector<record> out;
  t.add(c);
  t.process(now_ns, out);
  EXPECT_EQ(t.unmatched(message_type::request), 0u);
  EXPECT_EQ(t.stats().unmatched_size_dropped, 10u);
}

TEST(http_tracker, orphan_response_before_any_request_is_dropped) {
  tracker t{{}, meta_with(trace_role::server)};
  std::vector<record> out;
  t.add(test::chunk(direction::egress, 0, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 1));
  t.add(test::chunk(direction::ingress, 0, "GET / HTTP/1.1\r\n\r\n", 2));
  t.process(now_ns, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(t.stats().stitch.orphan_responses, 1u);
  EXPECT_EQ(t.unmatched(message_type::request), 1u);
}

}  // namespace
}  // namespace wisp::protocols::http
