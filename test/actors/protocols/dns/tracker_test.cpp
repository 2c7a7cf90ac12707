// conn_tracker<dns::protocol> end to end on the recorded fixtures and on built messages.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "actors/protocols/dns/protocol.hpp"
#include "actors/protocols/dns/row.hpp"
#include "test/actors/protocols/dns/wire.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::dns {
namespace {

using schemas::trace_role;
using test::now_ns;
using test::run;

constexpr std::int64_t dns_port = 53;

conn_meta meta_with(trace_role role) { return test::loopback_meta(role, dns_port); }

std::vector<test::trace_read> reads_of(const std::string& file) {
  return test::load_trace("dns/fixtures/" + file);
}

std::vector<record> records_of(const std::string& file) {
  tracker t{{}, meta_with(trace_role::server), trace_both_sides};
  return run(t, test::to_chunks(reads_of(file), true));
}

std::vector<std::string> summary(const std::vector<record>& rs) {
  std::vector<std::string> out;
  for (const record& r : rs)
    out.push_back(std::to_string(r.req.hdr.txid) + " " + queries_json(r.req) + " -> " +
                  std::to_string(r.resp.hdr.rcode()) + " " + answers_json(r.resp));
  return out;
}

struct fixture_expectation {
  std::string file;
  std::size_t records;  // queries dig sent (see fixtures/README.md)
};

class dns_tracker_fixture : public ::testing::TestWithParam<fixture_expectation> {};

TEST_P(dns_tracker_fixture, n_operations_make_n_records) {
  tracker t{{}, meta_with(trace_role::server), trace_both_sides};
  auto rs = run(t, test::to_chunks(reads_of(GetParam().file), true));
  EXPECT_EQ(rs.size(), GetParam().records);
  for (const record& r : rs) {
    EXPECT_GT(r.resp.timestamp_ns, r.req.timestamp_ns);
    EXPECT_EQ(r.req.hdr.txid, r.resp.hdr.txid);
    EXPECT_EQ(r.req.tcp, GetParam().file.starts_with("tcp"));
  }
  EXPECT_EQ(t.stats().frames_parsed, 2 * GetParam().records);
  test::expect_clean_run(t, rs);
}

TEST_P(dns_tracker_fixture, role_is_inferred_from_the_traffic) {
  tracker t{{}, meta_with(trace_role::unknown), trace_both_sides};
  EXPECT_EQ(run(t, test::to_chunks(reads_of(GetParam().file), true)).size(), GetParam().records);
  EXPECT_EQ(t.meta().role, trace_role::server);
  EXPECT_EQ(t.stats().role_inferred, 1u);
}

TEST_P(dns_tracker_fixture, client_side_sees_the_same_records) {
  tracker t{{}, meta_with(trace_role::client), trace_both_sides};
  EXPECT_EQ(summary(run(t, test::to_chunks(reads_of(GetParam().file), false))), summary(records_of(GetParam().file)));
}

TEST_P(dns_tracker_fixture, split_at_every_byte_gives_the_same_records) {
  auto reads = reads_of(GetParam().file);
  const std::string req = test::side_bytes(reads, true);
  const std::string resp = test::side_bytes(reads, false);
  const auto expected = summary(records_of(GetParam().file));
  for (std::size_t k = 0; k <= std::max(req.size(), resp.size()); ++k) {
    tracker t{{}, meta_with(trace_role::server), trace_both_sides};
    EXPECT_EQ(summary(test::run_split(t, req, resp, k)), expected) << k;
  }
}

TEST_P(dns_tracker_fixture, one_byte_chunks_processed_every_round_give_the_same_records) {
  tracker t{{}, meta_with(trace_role::server), trace_both_sides};
  auto out = test::run_rounds(t, test::pieces(test::to_chunks(reads_of(GetParam().file), true), 1));
  EXPECT_EQ(summary(out), summary(records_of(GetParam().file)));
}

// Tracing starts inside the first query and inside the first answer, at every byte: the
// tracker resynchronises on the second message of each side and loses only the first exchange.
// Over TCP, starting inside or right after the 2-byte length leaves the whole message on each
// side, which resynchronisation finds as a bare message: nothing is lost then.
// The fixtures with more than one exchange.
class dns_tracker_batch : public dns_tracker_fixture {};

TEST_P(dns_tracker_batch, mid_stream_start_loses_only_the_first_exchange) {
  auto reads = reads_of(GetParam().file);
  const std::string req = test::side_bytes(reads, true);
  const std::string resp = test::side_bytes(reads, false);
  message m;
  const std::size_t first_req = parse_message(message_type::request, req, m).consumed;
  const std::size_t first_resp = parse_message(message_type::response, resp, m).consumed;
  const auto all = summary(records_of(GetParam().file));
  const std::vector<std::string> but_first(all.begin() + 1, all.end());
  const bool tcp = GetParam().file.starts_with("tcp");
  for (std::size_t k = 1; k < std::min(first_req, first_resp); ++k) {
    tracker t{{}, meta_with(trace_role::server), trace_both_sides};
    auto rs = run(t, {test::chunk(direction::ingress, k, req.substr(k), 1),
                      test::chunk(direction::egress, k, resp.substr(k), 2)});
    EXPECT_EQ(summary(rs), tcp && k <= tcp_length_bytes ? all : but_first) << k;
    EXPECT_EQ(t.stats().stitch.errors, 0u) << k;
  }
}

TEST_P(dns_tracker_batch, gap_loses_one_exchange_and_parsing_resumes_after_it) {
  auto chunks = test::to_chunks(reads_of(GetParam().file), true);
  // The second answer's read keeps 3 bytes; the rest is declared lost.
  std::size_t at = 0;
  for (std::size_t i = 0, seen = 0; i < chunks.size() && at == 0; ++i)
    if (chunks[i].dir == direction::egress && ++seen == 2) at = i;
  ASSERT_GT(at, 0u);
  chunks[at].msg_size = static_cast<std::uint32_t>(chunks[at].bytes.size());
  chunks[at].bytes.resize(3);
  tracker t{{}, meta_with(trace_role::server), trace_both_sides};
  auto rs = run(t, chunks);
  auto expected = summary(records_of(GetParam().file));
  expected.erase(expected.begin() + 1);
  EXPECT_EQ(summary(rs), expected);
  EXPECT_EQ(t.stream(direction::egress).stats().gaps, 1u);
  EXPECT_EQ(t.stats().unmatched_at_close, 1u);  // the second query, never answered whole
}

std::string fixture_name(const ::testing::TestParamInfo<fixture_expectation>& info) {
  return info.param.file.substr(0, info.param.file.find('.'));
}

// dig's 8 queries of queries.txt, over UDP and on one TCP connection.
const auto batches = ::testing::Values(fixture_expectation{"udp_dig_batch.trace", 8},
                                       fixture_expectation{"tcp_dig_keepopen.trace", 8});

INSTANTIATE_TEST_SUITE_P(dns, dns_tracker_fixture,
                         ::testing::Values(fixture_expectation{"udp_dig_single.trace", 1},
                                           fixture_expectation{"tcp_dig_single.trace", 1}),
                         fixture_name);
INSTANTIATE_TEST_SUITE_P(dns_batch, dns_tracker_fixture, batches, fixture_name);
INSTANTIATE_TEST_SUITE_P(dns, dns_tracker_batch, batches, fixture_name);

// What dnsmasq answered (fixtures/README.md has its configuration), over UDP and over TCP.
TEST(dns_tracker, dig_batch_answers_as_configured) {
  const std::vector<std::string> expected{
      R"({"queries":[{"name":"www.wisp.test","type":"A"}]} -> 0 {"answers":[{"name":"www.wisp.test","type":"A","addr":"10.1.2.3"}]})",
      R"({"queries":[{"name":"both.wisp.lan","type":"AAAA"}]} -> 0 {"answers":[{"name":"both.wisp.lan","type":"AAAA","addr":"fd00::7"}]})",
      R"({"queries":[{"name":"alias.wisp.lan","type":"A"}]} -> 0 {"answers":[{"name":"alias.wisp.lan","type":"CNAME","cname":"both.wisp.lan"},{"name":"both.wisp.lan","type":"A","addr":"10.9.8.7"}]})",
      R"({"queries":[{"name":"chain.wisp.lan","type":"AAAA"}]} -> 0 {"answers":[{"name":"chain.wisp.lan","type":"CNAME","cname":"alias.wisp.lan"},{"name":"alias.wisp.lan","type":"CNAME","cname":"both.wisp.lan"},{"name":"both.wisp.lan","type":"AAAA","addr":"fd00::7"}]})",
      R"({"queries":[{"name":"missing.wisp.lan","type":"A"}]} -> 3 {"answers":[]})",
      R"({"queries":[{"name":"v6.wisp.lan","type":"AAAA"}]} -> 0 {"answers":[{"name":"v6.wisp.lan","type":"AAAA","addr":"fd00::6"}]})",
      R"({"queries":[{"name":"both.wisp.lan","type":"MX"}]} -> 0 {"answers":[]})",
      R"({"queries":[{"name":"api.wisp.test","type":"A"}]} -> 0 {"answers":[{"name":"api.wisp.test","type":"A","addr":"10.1.2.3"}]})",
  };
  for (std::string file : {"udp_dig_batch.trace", "tcp_dig_keepopen.trace"}) {
    auto rs = records_of(file);
    ASSERT_EQ(rs.size(), expected.size()) << file;
    for (std::size_t i = 0; i < rs.size(); ++i) {
      std::string s = summary({rs[i]})[0];
      EXPECT_EQ(s.substr(s.find(' ') + 1), expected[i]) << file << " " << i;
    }
    EXPECT_TRUE(rs[0].req.hdr.rd());
    EXPECT_FALSE(rs[7].req.hdr.rd());  // +norec
  }
}

TEST(dns_tracker, garbage_is_counted_and_disables_the_tracker) {
  std::mt19937 rng{11};
  tracker t{{}, meta_with(trace_role::server), trace_both_sides};
  auto out = test::feed_until_disabled(t, [&] {
    std::string bytes;
    for (int i = 0; i < 300; ++i) bytes.push_back(static_cast<char>(rng()));
    return bytes;
  });
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(t.disabled());
  EXPECT_EQ(t.why_disabled(), disable_reason::parse_failures);
  EXPECT_GT(t.stats().invalid_bytes, 0u);
}

// A length prefix that does not match its message is invalid; the resynchronisation then finds
// the message itself right after it (read as a bare message, as over UDP), so only the 2 prefix
// bytes are lost, and the stream goes on.
TEST(dns_tracker, lying_tcp_length_is_skipped_and_the_next_message_parsed) {
  using namespace wire;
  const std::string q1 = query(1, "a.wisp.test", type_a);
  const std::string q2 = query(2, "b.wisp.test", type_a);
  const std::string q3 = query(3, "c.wisp.test", type_a);
  const std::string lie = be16(static_cast<std::uint16_t>(q2.size() + 40)) + q2;
  tracker t{{}, meta_with(trace_role::server), trace_both_sides};
  auto rs = run(t, {test::chunk(direction::ingress, 0, tcp(q1) + lie + tcp(q3), 1),
                    test::chunk(direction::egress, 0,
                                tcp(a_response(1, "a.wisp.test", ipv4(1, 1, 1, 1))) +
                                    tcp(a_response(3, "c.wisp.test", ipv4(3, 3, 3, 3))),
                                2)});
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].req.hdr.txid, 1);
  EXPECT_EQ(rs[1].req.hdr.txid, 3);
  EXPECT_EQ(t.stats().parse_errors, 1u);
  EXPECT_EQ(t.stats().invalid_bytes, tcp_length_bytes);
  EXPECT_EQ(t.stats().frames_parsed, 5u);
  EXPECT_EQ(t.stats().unmatched_at_close, 1u);  // q2, which no response answers
}

TEST(dns_tracker, huge_counts_and_lengths_are_counted_not_trusted) {
  using namespace wire;
  // A header claiming 65535 of everything, then a real query; and a TCP length of 65535 whose
  // message never comes, left unparsed at close.
  const std::string claims = wire_header(9, query_flags, 0xffff, 0xffff, 0xffff, 0xffff);
  const std::string q = query(4, "d.wisp.test", type_a);
  tracker t{{}, meta_with(trace_role::server), trace_both_sides};
  std::vector<record> out;
  t.add(test::chunk(direction::ingress, 0, claims + q, 1));
  t.add(test::chunk(direction::egress, 0, a_response(4, "d.wisp.test", ipv4(4, 4, 4, 4)), 2));
  t.process(now_ns, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(t.stats().parse_errors, 1u);
  EXPECT_EQ(t.stats().invalid_bytes, claims.size());
  const std::string partial = be16(0xffff) + q.substr(0, 20);
  t.add(test::chunk(direction::ingress, claims.size() + q.size(), partial, 3));
  t.process(now_ns, out);
  EXPECT_EQ(t.unmatched(message_type::request), 0u);
  t.on_close({});
  t.process(now_ns, out);
  EXPECT_EQ(t.stats().unparsed_bytes_at_close, partial.size());
  EXPECT_TRUE(t.finished());
}

TEST(dns_tracker, unanswered_queries_are_bounded_by_expiry) {
  using namespace wire;
  tracker t{{}, meta_with(trace_role::server), trace_both_sides};
  std::vector<record> out;
  std::string qs;
  for (std::uint16_t i = 0; i < 10; ++i) qs += query(i, "e.wisp.test", type_a);
  t.add(test::chunk(direction::ingress, 0, qs, 1));
  t.process(now_ns, out);
  EXPECT_EQ(t.unmatched(message_type::request), 10u);
  t.process(1 + default_message_expiry_ns + 1, out);
  EXPECT_EQ(t.unmatched(message_type::request), 0u);
  EXPECT_EQ(t.stats().unmatched_expired, 10u);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace wisp::protocols::dns
