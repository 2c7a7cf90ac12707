// conn_tracker<nats::protocol> end to end on the recorded fixtures.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "actors/protocols/common/truncate.hpp"
#include "actors/protocols/nats/protocol.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::nats {
namespace {

using schemas::trace_role;
using test::now_ns;
using test::run;

conn_meta meta_with(trace_role role) { return test::loopback_meta(role, 4222); }

std::vector<record> records_of(const std::string& file) {
  tracker t{{}, meta_with(trace_role::server)};
  return run(t, test::to_chunks(test::load_trace("nats/fixtures/" + file), true));
}

std::vector<std::string> summary(const std::vector<record>& rs) {
  std::vector<std::string> out;
  for (const record& r : rs) out.push_back(r.msg.command + " " + r.msg.body + " -> " + r.resp.command);
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// An independent count for the expectations: the CRLF-separated lines of `bytes` whose first word
// is one of `ops` (the fixtures' payloads never start with an operation name).
std::size_t count_lines(const std::string& bytes, const std::vector<std::string>& ops) {
  std::size_t n = 0;
  for (std::size_t at = 0; at < bytes.size();) {
    std::size_t end = bytes.find("\r\n", at);
    if (end == std::string::npos) end = bytes.size();
    std::string line = bytes.substr(at, end - at);
    std::string word = line.substr(0, line.find(' '));
    if (std::find(ops.begin(), ops.end(), word) != ops.end()) ++n;
    at = end + 2;
  }
  return n;
}

const std::vector<std::string> client_ops{"CONNECT", "PUB", "HPUB", "SUB", "UNSUB", "PING", "PONG"};
const std::vector<std::string> server_ops{"INFO", "MSG", "HMSG", "PING", "PONG"};
const std::vector<std::string> acks{"+OK", "-ERR"};

std::size_t count_records(const std::vector<record>& rs, bool (*pred)(const record&)) {
  return static_cast<std::size_t>(std::count_if(rs.begin(), rs.end(), pred));
}

struct expectation {
  std::size_t records = 0;  // every client message, every server message but +OK (and -ERR when paired)
  std::size_t acked = 0;    // records carrying a +OK/-ERR
};

expectation expected_for(const std::string& file) {
  auto reads = test::load_trace("nats/fixtures/" + file);
  std::string req = test::side_bytes(reads, true);
  std::string resp = test::side_bytes(reads, false);
  bool verbose = req.find("\"verbose\":true") != std::string::npos;
  expectation e;
  e.records = count_lines(req, client_ops) + count_lines(resp, server_ops) +
              (verbose ? 0 : count_lines(resp, {"-ERR"}));
  e.acked = verbose ? count_lines(resp, acks) : 0;
  return e;
}

class nats_tracker_fixture : public ::testing::TestWithParam<std::string> {};

TEST_P(nats_tracker_fixture, n_messages_make_n_records) {
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, test::to_chunks(test::load_trace("nats/fixtures/" + GetParam()), true));
  expectation e = expected_for(GetParam());
  EXPECT_GT(e.records, 5u);
  EXPECT_EQ(rs.size(), e.records);
  EXPECT_EQ(count_records(rs, [](const record& r) { return !r.resp.command.empty(); }), e.acked);
  for (const record& r : rs) {
    if (!r.resp.command.empty()) {
      EXPECT_GE(r.resp.timestamp_ns, r.msg.timestamp_ns);
    }
  }
  test::expect_clean_run(t, rs);
  EXPECT_EQ(t.stats().frames_oversize, 0u);
}

TEST_P(nats_tracker_fixture, role_is_inferred_from_the_traffic) {
  auto reads = test::load_trace("nats/fixtures/" + GetParam());
  tracker t{{}, meta_with(trace_role::unknown), trace_both_sides};
  EXPECT_EQ(run(t, test::to_chunks(reads, true)).size(), expected_for(GetParam()).records);
  EXPECT_EQ(t.meta().role, trace_role::server);
}

TEST_P(nats_tracker_fixture, client_side_sees_the_same_records) {
  auto reads = test::load_trace("nats/fixtures/" + GetParam());
  tracker t{{}, meta_with(trace_role::client), trace_both_sides};
  EXPECT_EQ(summary(run(t, test::to_chunks(reads, false))), summary(records_of(GetParam())));
}

// Each piece is processed in its own round: one-byte pieces, 97-byte ones for the 70 KB payloads.
TEST_P(nats_tracker_fixture, small_chunks_processed_every_round_give_the_same_records) {
  auto reads = test::load_trace("nats/fixtures/" + GetParam());
  const bool large = test::side_bytes(reads, true).size() > 20'000;
  const std::size_t piece = large ? 97 : 1;
  tracker t{{}, meta_with(trace_role::server)};
  std::vector<record> out;
  for (const data_chunk& c : test::to_chunks(reads, true)) {
    for (std::size_t i = 0; i < c.bytes.size(); i += piece) {
      data_chunk b = c;
      b.pos = c.pos + i;
      b.bytes = c.bytes.substr(i, piece);
      b.msg_size = static_cast<std::uint32_t>(b.bytes.size());
      t.add(b);
      t.process(now_ns, out);
    }
  }
  t.on_close({});
  t.process(now_ns, out);
  EXPECT_EQ(summary(out), summary(records_of(GetParam())));
}

INSTANTIATE_TEST_SUITE_P(nats, nats_tracker_fixture,
                         ::testing::Values("verbose.trace", "quiet.trace", "error.trace", "verbose_error.trace",
                                           "large_payload.trace"),
                         [](const auto& info) { return info.param.substr(0, info.param.find('.')); });

TEST(nats_tracker, split_at_every_byte_boundary) {
  for (std::string file : {"verbose.trace", "quiet.trace", "error.trace", "verbose_error.trace"}) {
    auto reads = test::load_trace("nats/fixtures/" + file);
    std::string req = test::side_bytes(reads, true);
    std::string resp = test::side_bytes(reads, false);
    // The rounds change the timestamps, and with them how client and server records interleave:
    // compare the records, not their order.
    auto expected = sorted(summary(records_of(file)));
    for (std::size_t k = 0; k <= std::max(req.size(), resp.size()); ++k) {
      tracker t{{}, meta_with(trace_role::server)};
      auto out = test::run_split(t, req, resp, k);
      ASSERT_EQ(sorted(summary(out)), expected) << file << " split at " << k;
      ASSERT_EQ(t.stats().parse_errors, 0u) << file << " split at " << k;
    }
  }
}

TEST(nats_tracker, verbose_session_records_carry_pixies_columns) {
  auto rs = records_of("verbose.trace");
  ASSERT_GE(rs.size(), 3u);
  EXPECT_EQ(rs[0].msg.command, "INFO");
  EXPECT_TRUE(rs[0].msg.body.starts_with("{\"server_id\":"));
  EXPECT_EQ(rs[1].msg.command, "CONNECT");
  EXPECT_EQ(rs[1].resp.command, "+OK");
  EXPECT_EQ(rs[1].msg.verbose, true);
  auto pub = std::find_if(rs.begin(), rs.end(), [](const record& r) { return r.msg.command == "PUB"; });
  ASSERT_NE(pub, rs.end());
  EXPECT_EQ(pub->msg.body, R"({"subject":"wisp.events","payload":"event 0"})");
  EXPECT_EQ(pub->resp.command, "+OK");
  auto msg = std::find_if(rs.begin(), rs.end(), [](const record& r) { return r.msg.command == "MSG"; });
  ASSERT_NE(msg, rs.end());
  EXPECT_EQ(msg->msg.body, R"({"subject":"wisp.events","sid":"1","payload":"event 0"})");
  EXPECT_TRUE(msg->resp.command.empty());
  auto hpub = std::find_if(rs.begin(), rs.end(), [](const record& r) { return r.msg.command == "HPUB"; });
  ASSERT_NE(hpub, rs.end());
  EXPECT_EQ(hpub->msg.body,
            "{\"subject\":\"wisp.events\",\"headers\":\"NATS/1.0\\r\\nWisp-Trace: abc\\r\\n\\r\\n\","
            "\"payload\":\"with headers\"}");
  auto request = std::find_if(rs.begin(), rs.end(), [](const record& r) {
    return r.msg.command == "PUB" && r.msg.body.find("\"reply-to\":\"_INBOX.") != std::string::npos;
  });
  ASSERT_NE(request, rs.end());
  EXPECT_TRUE(request->msg.body.starts_with(R"({"subject":"wisp.service","reply-to":"_INBOX.)"));
  for (const record& r : rs) {
    if (r.msg.command == "PING" || r.msg.type == message_type::response) {
      EXPECT_TRUE(r.resp.command.empty());
    }
  }
}

TEST(nats_tracker, bad_subscription_gets_an_err_record) {
  auto rs = records_of("error.trace");
  auto err = std::find_if(rs.begin(), rs.end(), [](const record& r) { return r.msg.command == "-ERR"; });
  ASSERT_NE(err, rs.end());
  EXPECT_EQ(err->msg.body, R"({"error":"Invalid Subject"})");
  auto sub = std::find_if(rs.begin(), rs.end(), [](const record& r) { return r.msg.command == "SUB"; });
  ASSERT_NE(sub, rs.end());
  EXPECT_EQ(sub->msg.body, R"({"subject":"bad..subject","sid":"1"})");
}

TEST(nats_tracker, verbose_bad_subscription_carries_the_err) {
  auto rs = records_of("verbose_error.trace");
  auto sub = std::find_if(rs.begin(), rs.end(), [](const record& r) { return r.msg.command == "SUB"; });
  ASSERT_NE(sub, rs.end());
  EXPECT_EQ(sub->resp.command, "-ERR");
  EXPECT_EQ(sub->resp.body, R"({"error":"Invalid Subject"})");
  EXPECT_EQ(count_records(rs, [](const record& r) { return r.msg.command == "-ERR"; }), 0u);
}

TEST(nats_tracker, large_payloads_are_cut_in_the_body) {
  for (const record& r : records_of("large_payload.trace")) {
    if (r.msg.command != "PUB" && r.msg.command != "MSG") continue;
    if (r.msg.body.find("wisp.events") == std::string::npos) continue;
    EXPECT_NE(r.msg.body.find(std::string{truncated_suffix} + "\"}"), std::string::npos) << r.msg.command;
    EXPECT_LT(r.msg.body.size(), default_max_string_bytes + 200);
  }
}

TEST(nats_tracker, messages_above_the_limit_are_skipped_and_counted) {
  auto reads = test::load_trace("nats/fixtures/large_payload.trace");
  parse_options small;
  small.max_message_bytes = 60'000;  // below the fixture's 70000-byte payloads
  tracker t{{}, meta_with(trace_role::server), trace_server_side, {}, small};
  auto rs = run(t, test::to_chunks(reads, true));
  // The control lines announcing 70000 bytes (the PUB and the MSG that delivers it).
  std::size_t big = 0;
  for (bool from_client : {true, false}) {
    std::string side = test::side_bytes(reads, from_client);
    for (std::size_t at = side.find(" 70000\r\n"); at != std::string::npos; at = side.find(" 70000\r\n", at + 1)) ++big;
  }
  ASSERT_GT(big, 0u);
  EXPECT_EQ(t.stats().frames_oversize, big);
  EXPECT_EQ(rs.size(), expected_for("large_payload.trace").records - big);
  EXPECT_EQ(t.stats().parse_errors, 0u);
}

TEST(nats_tracker, mid_stream_start_resynchronises_and_infers_verbose) {
  auto reads = test::load_trace("nats/fixtures/verbose.trace");
  std::string req = test::side_bytes(reads, true);
  std::string resp = test::side_bytes(reads, false);
  // Start inside the 6th PUB's control line (the PUB of "event 5", lost) and inside the MSG of
  // "event 5" (the +OK after it answers the PUB of "event 6", the first one kept).
  std::size_t req_cut = 0;
  for (int i = 0; i < 6; ++i) req_cut = req.find("PUB wisp.events 7", req_cut + 1);
  std::size_t resp_cut = resp.find("MSG wisp.events 1 7\r\nevent 5");
  ASSERT_NE(req_cut, std::string::npos);
  ASSERT_NE(resp_cut, std::string::npos);
  req_cut += 2;
  resp_cut += 2;
  tracker t{{}, meta_with(trace_role::server)};
  auto rs = run(t, {test::chunk(direction::ingress, req_cut, req.substr(req_cut), 1),
                    test::chunk(direction::egress, resp_cut, resp.substr(resp_cut), 2)});
  EXPECT_EQ(rs.size(), count_lines(req.substr(req_cut), client_ops) + count_lines(resp.substr(resp_cut), server_ops));
  EXPECT_EQ(count_records(rs, [](const record& r) { return r.resp.command == "+OK"; }),
            count_lines(resp.substr(resp_cut), {"+OK"}));
  EXPECT_GT(t.stats().invalid_bytes, 0u);
  EXPECT_EQ(t.stats().stitch.errors, 0u);
}

TEST(nats_tracker, gap_in_server_messages_is_counted_and_parsing_resumes) {
  tracker t{{}, meta_with(trace_role::server)};
  std::string first = "MSG a 1 2\r\nh";  // the rest of this read was not copied
  data_chunk lost = test::chunk(direction::egress, 0, first, 2);
  lost.msg_size = 15;  // "MSG a 1 2\r\nhi\r\n"
  std::string rest = "MSG a 1 2\r\nyo\r\nPONG\r\n";
  std::vector<record> out;
  t.add(test::chunk(direction::ingress, 0, "SUB a 1\r\nPING\r\n", 1));
  t.add(lost);
  t.add(test::chunk(direction::egress, 15, rest, 3));
  t.process(now_ns, out);
  EXPECT_EQ(t.stream(direction::egress).stats().gaps, 1u);
  EXPECT_EQ(t.stream(direction::egress).stats().bytes_dropped_at_gap, first.size());
  std::vector<std::string> got;
  for (const record& r : out) got.push_back(r.msg.command + " " + r.msg.body);
  EXPECT_EQ(got, (std::vector<std::string>{R"(SUB {"subject":"a","sid":"1"})", "PING ",
                                           R"(MSG {"subject":"a","sid":"1","payload":"yo"})", "PONG "}));
}

TEST(nats_tracker, lying_1gib_pub_allocates_nothing_and_is_counted) {
  tracker t{{}, meta_with(trace_role::server)};
  std::string lie = "PUB foo 1073741824\r\n";
  std::string traffic;
  while (traffic.size() < 3 * default_max_retained_bytes) traffic += "PUB foo 5\r\nhello\r\n";
  std::vector<record> out;
  t.add(test::chunk(direction::ingress, 0, "CONNECT {}\r\n" + lie, 1));
  t.add(test::chunk(direction::ingress, 12 + lie.size(), traffic, 2));
  t.process(now_ns, out);
  ASSERT_EQ(out.size(), 1u);  // the CONNECT; what follows the lie is the claimed payload
  EXPECT_EQ(out[0].msg.command, "CONNECT");
  EXPECT_EQ(t.stats().frames_oversize, 1u);
  EXPECT_EQ(t.stats().oversize_bytes, lie.size() + traffic.size());
  EXPECT_EQ(t.stats().parse_errors, 0u);
  EXPECT_EQ(t.stream(direction::ingress).retained_bytes(), 0u);
}

TEST(nats_tracker, huge_message_is_skipped_as_it_streams_in_and_counted) {
  // A 2 MiB MSG (above the 1 MiB limit) delivered in 64 KiB chunks over rounds, then a PONG.
  constexpr std::size_t payload_bytes = std::size_t{2} << 20;
  constexpr std::size_t piece = std::size_t{64} << 10;
  tracker t{{}, meta_with(trace_role::server)};
  std::string big = "MSG big 1 " + std::to_string(payload_bytes) + "\r\n" + std::string(payload_bytes, 'x') + "\r\n";
  std::string resp = big + "PONG\r\n";
  std::vector<record> out;
  std::size_t max_retained = 0;
  for (std::size_t off = 0; off < resp.size(); off += piece) {
    t.add(test::chunk(direction::egress, off, resp.substr(off, piece), static_cast<std::int64_t>(2 + off)));
    t.process(now_ns, out);
    max_retained = std::max(max_retained, t.stream(direction::egress).retained_bytes());
  }
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].msg.command, "PONG");
  EXPECT_EQ(t.stats().frames_oversize, 1u);
  EXPECT_EQ(t.stats().oversize_bytes, big.size());
  EXPECT_EQ(t.stats().parse_errors, 0u);
  EXPECT_LE(max_retained, piece);
}

TEST(nats_tracker, garbage_is_counted_and_disables_the_tracker) {
  std::mt19937 rng{7};
  tracker t{{}, meta_with(trace_role::server)};
  auto out = test::feed_until_disabled(t, [&] {
    std::string bytes;
    for (int i = 0; i < 300; ++i) bytes.push_back(static_cast<char>(rng() | 0x80));
    return bytes + "\nSUB x\r\n";  // starts like a SUB, is not one (no sid)
  });
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(t.disabled());
  EXPECT_EQ(t.why_disabled(), disable_reason::parse_failures);
  EXPECT_GT(t.stats().invalid_bytes, 0u);
}

TEST(nats_tracker, unacknowledged_verbose_message_expires) {
  tracker t{{}, meta_with(trace_role::server)};
  std::vector<record> out;
  t.add(test::chunk(direction::ingress, 0, "CONNECT {\"verbose\":true}\r\nSUB a 1\r\n", 1));
  t.process(now_ns, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(t.unmatched(message_type::request), 2u);
  t.process(now_ns + default_message_expiry_ns + 1, out);
  EXPECT_EQ(t.stats().unmatched_expired, 2u);
  EXPECT_EQ(t.unmatched(message_type::request), 0u);
}

TEST(nats_tracker, role_policy_rejects_client_side_by_default) {
  auto reads = test::load_trace("nats/fixtures/quiet.trace");
  tracker t{{}, meta_with(trace_role::client)};
  EXPECT_TRUE(run(t, test::to_chunks(reads, false)).empty());
  EXPECT_TRUE(t.disabled());
  EXPECT_EQ(t.why_disabled(), disable_reason::role_not_traced);
}

}  // namespace
}  // namespace wisp::protocols::nats
