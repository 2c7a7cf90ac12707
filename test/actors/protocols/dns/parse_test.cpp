#include "actors/protocols/dns/parse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test/actors/protocols/dns/wire.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::dns {
namespace {

using namespace wire;
using namespace std::string_literals;

constexpr auto rq = message_type::request;
constexpr auto rs = message_type::response;

struct parse_case {
  std::string name;
  message_type type;
  std::string bytes;
  parse_state state;
  std::size_t consumed;  // for success; 0 = the whole input
};

// A name of `labels` labels of 63 bytes plus one of `last` bytes: 64 * labels + last + 2 wire bytes.
std::string long_name(std::size_t labels, std::size_t last) {
  std::string dotted;
  for (std::size_t i = 0; i < labels; ++i) dotted += std::string(63, 'a') + ".";
  return dotted + std::string(last, 'b');
}

std::vector<parse_case> cases() {
  const std::string q = query(0x1234, "www.wisp.test", type_a);
  const std::string r = a_response(0x1234, "www.wisp.test", ipv4(10, 1, 2, 3));
  const std::string qd_a = wire_question(name("x.test"), type_a);
  // A name at offset 12 that points to itself, forwards, past the end, into the header.
  const std::string self_loop = wire_header(1, query_flags, 1, 0) + pointer(12) + be16(1) + be16(1);
  const std::string forward = wire_header(1, query_flags, 2, 0) + wire_question(pointer(18), type_a) + qd_a;
  const std::string past_end = wire_header(1, query_flags, 1, 0) + wire_question(pointer(0x3fff), type_a);
  const std::string into_header = wire_header(1, query_flags, 1, 0) + wire_question(pointer(4), type_a);
  // Two names that point at each other: the second points back to the first, which points on.
  const std::string mutual = wire_header(1, query_flags, 2, 0) + wire_question("\x01x" + pointer(20), type_a) +
                             wire_question(pointer(12), type_a);
  // The answer's name points at the low byte of the question's class (0x01 at offset 18): a label
  // that runs over the pointer itself and on into what follows.
  const std::string past_pointer = wire_header(1, response_flags, 1, 1) + wire_question(name("x"), type_a) +
                                   pointer(18) + std::string(18, 'a') + name("") + be16(type_a) + be16(1);
  const std::string name_255 = wire_header(1, query_flags, 1, 0) + wire_question(name(long_name(3, 61)), type_a);
  const std::string name_256 = wire_header(1, query_flags, 1, 0) + wire_question(name(long_name(3, 62)), type_a);
  const std::string label_0x40 = wire_header(1, query_flags, 1, 0) + wire_question("\x41x\0"s, type_a);
  const std::string a_5_bytes = wire_header(1, response_flags, 0, 1) + rr(name("x"), type_a, "12345");
  const std::string a_5_additional = wire_header(1, response_flags, 0, 0, 0, 1) + rr(name("x"), type_a, "12345");
  const std::string cname_trailing = wire_header(1, response_flags, 0, 1) + rr(name("x"), type_cname, name("y") + "z");
  std::string big_txt = wire_header(1, response_flags, 0, 2);
  for (int i = 0; i < 2; ++i) big_txt += rr(name("t"), type_txt, std::string(40000, 'x'));
  std::string max_queries = wire_header(1, query_flags, 25, 0);
  for (int i = 0; i < 25; ++i) max_queries += wire_question(name("q" + std::to_string(i)), type_a);
  const std::string root = wire_header(1, query_flags, 1, 0) + wire_question(name(""), 2);
  return {
      {"udp_query", rq, q, parse_state::success, 0},
      {"udp_query_then_next", rq, q + q, parse_state::success, q.size()},
      {"udp_response", rs, r, parse_state::success, 0},
      {"tcp_query", rq, tcp(q), parse_state::success, 0},
      {"tcp_query_then_next", rq, tcp(q) + tcp(q), parse_state::success, q.size() + 2},
      {"tcp_response", rs, tcp(r), parse_state::success, 0},
      {"response_bit_in_a_request", rq, r, parse_state::invalid, 0},
      {"request_in_the_response_stream", rs, q, parse_state::invalid, 0},
      {"z_bit_set", rq, wire_header(1, query_flags | 0x40, 1, 0) + qd_a, parse_state::invalid, 0},
      {"unassigned_opcode_3", rq, wire_header(1, query_flags | (3 << 11), 1, 0) + qd_a, parse_state::invalid, 0},
      {"notify_opcode_4", rq, wire_header(1, 4 << 11, 1, 0) + qd_a, parse_state::success, 0},
      {"26_questions", rq, wire_header(1, query_flags, 26, 0) + qd_a, parse_state::invalid, 0},
      {"26_additional", rs, wire_header(1, response_flags, 1, 0, 0, 26) + qd_a, parse_state::invalid, 0},
      {"25_questions", rq, max_queries, parse_state::success, 0},
      {"root_name", rq, root, parse_state::success, 0},
      {"pointer_to_itself", rq, self_loop, parse_state::invalid, 0},
      {"pointer_forwards", rq, forward, parse_state::invalid, 0},
      {"pointer_past_the_end", rq, past_end, parse_state::invalid, 0},
      {"pointer_into_the_header", rq, into_header, parse_state::invalid, 0},
      {"pointers_in_a_loop", rq, mutual, parse_state::invalid, 0},
      {"pointed_name_running_past_the_pointer", rs, past_pointer, parse_state::invalid, 0},
      {"name_of_255_bytes", rq, name_255, parse_state::success, 0},
      {"name_of_256_bytes", rq, name_256, parse_state::invalid, 0},
      {"extended_label_type", rq, label_0x40, parse_state::invalid, 0},
      {"a_record_of_5_bytes", rs, a_5_bytes, parse_state::invalid, 0},
      {"a_record_of_5_bytes_over_tcp", rs, tcp(a_5_bytes), parse_state::invalid, 0},
      {"a_record_of_5_bytes_in_additional", rs, a_5_additional, parse_state::invalid, 0},
      {"cname_with_trailing_bytes", rs, cname_trailing, parse_state::invalid, 0},
      {"message_over_64k", rs, big_txt, parse_state::invalid, 0},
      {"message_over_64k_prefix", rs, big_txt.substr(0, 30000), parse_state::needs_more_data, 0},
      {"tcp_length_below_a_header", rq, be16(11) + q, parse_state::invalid, 0},
      {"tcp_length_longer_than_the_message", rq, be16(static_cast<std::uint16_t>(q.size() + 3)) + q + "abc",
       parse_state::invalid, 0},
      {"tcp_length_shorter_than_the_message", rq, be16(static_cast<std::uint16_t>(q.size() - 1)) + q,
       parse_state::invalid, 0},
      {"tcp_huge_length_partial", rq, be16(0xffff) + q.substr(0, 20), parse_state::needs_more_data, 0},
      {"tcp_huge_length_past_a_whole_message", rq, be16(0xffff) + q, parse_state::invalid, 0},
      {"empty", rq, "", parse_state::needs_more_data, 0},
      {"text", rq, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", parse_state::invalid, 0},
  };
}

class dns_parse : public ::testing::TestWithParam<parse_case> {};

TEST_P(dns_parse, state_and_consumed) {
  const parse_case& c = GetParam();
  message m;
  parse_result r = parse_message(c.type, c.bytes, m);
  EXPECT_EQ(r.state, c.state);
  if (c.state == parse_state::success) {
    EXPECT_EQ(r.consumed, c.consumed == 0 ? c.bytes.size() : c.consumed);
  }
}

// A message cut anywhere is a valid prefix: never invalid because bytes are missing.
TEST_P(dns_parse, every_prefix_of_a_message_needs_more_data) {
  const parse_case& c = GetParam();
  if (c.state != parse_state::success) return;
  const std::size_t size = c.consumed == 0 ? c.bytes.size() : c.consumed;
  for (std::size_t k = 0; k < size; ++k) {
    message m;
    EXPECT_EQ(parse_message(c.type, c.bytes.substr(0, k), m).state, parse_state::needs_more_data) << k;
  }
}

INSTANTIATE_TEST_SUITE_P(dns, dns_parse, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

TEST(dns_parse_fields, header_flags_and_counts) {
  message m;
  std::string bytes = wire_header(0xbeef, 0x8000 | (5 << 11) | 0x0400 | 0x0200 | 0x0100 | 0x0080 | 0x0020 | 0x0010 | 3,
                             1, 0, 0, 0) + wire_question(name("x"), type_a);
  ASSERT_EQ(parse_message(rs, bytes, m).state, parse_state::success);
  EXPECT_EQ(m.hdr.txid, 0xbeef);
  EXPECT_TRUE(m.hdr.qr());
  EXPECT_EQ(m.hdr.opcode(), 5u);
  EXPECT_TRUE(m.hdr.aa());
  EXPECT_TRUE(m.hdr.tc());
  EXPECT_TRUE(m.hdr.rd());
  EXPECT_TRUE(m.hdr.ra());
  EXPECT_TRUE(m.hdr.ad());
  EXPECT_TRUE(m.hdr.cd());
  EXPECT_EQ(m.hdr.rcode(), 3u);
  EXPECT_EQ(m.hdr.num_queries, 1);
  EXPECT_FALSE(m.tcp);
}

TEST(dns_parse_fields, compressed_names_and_every_answer_kind) {
  // Question www.wisp.test at 12; answers: CNAME www -> "api" + pointer to wisp.test, A and AAAA
  // for the CNAME's target through a pointer into the CNAME's RDATA, then a TXT (kept as name
  // and type only); an additional OPT record is walked but not kept.
  std::string msg = wire_header(7, response_flags, 1, 4, 0, 1) + wire_question(name("www.wisp.test"), type_a);
  const std::size_t cname_rdata = msg.size() + 12;
  msg += rr(pointer(12), type_cname, "\x03" "api" + pointer(16));
  msg += rr(pointer(static_cast<std::uint16_t>(cname_rdata)), type_a, ipv4(10, 1, 2, 3));
  msg += rr(pointer(static_cast<std::uint16_t>(cname_rdata)), type_aaaa,
            std::string{"\xfd\x00", 2} + std::string(13, '\0') + "\x07");
  msg += rr(pointer(12), type_txt, "\x02hi");
  msg += name("") + be16(41) + be16(1232) + be16(0) + be16(0) + be16(0);
  message m;
  parse_result r = parse_message(rs, tcp(msg), m);
  ASSERT_EQ(r.state, parse_state::success);
  EXPECT_EQ(r.consumed, msg.size() + 2);
  EXPECT_TRUE(m.tcp);
  ASSERT_EQ(m.queries.size(), 1u);
  EXPECT_EQ(m.queries[0].name, "www.wisp.test");
  EXPECT_EQ(m.queries[0].type, type_a);
  ASSERT_EQ(m.answers.size(), 4u);
  EXPECT_EQ(m.answers[0].name, "www.wisp.test");
  EXPECT_EQ(m.answers[0].cname, "api.wisp.test");
  EXPECT_EQ(m.answers[0].addr, "");
  EXPECT_EQ(m.answers[1].name, "api.wisp.test");
  EXPECT_EQ(m.answers[1].addr, "10.1.2.3");
  EXPECT_EQ(m.answers[2].addr, "fd00::7");
  EXPECT_EQ(m.answers[2].type, type_aaaa);
  EXPECT_EQ(m.answers[3].type, type_txt);
  EXPECT_EQ(m.answers[3].addr, "");
  EXPECT_EQ(m.answers[3].cname, "");
}

TEST(dns_parse_fields, type_names) {
  EXPECT_EQ(type_name(1), "A");
  EXPECT_EQ(type_name(28), "AAAA");
  EXPECT_EQ(type_name(5), "CNAME");
  EXPECT_EQ(type_name(65), "HTTPS");
  EXPECT_EQ(type_name(4242), "TYPE4242");
}

TEST(dns_boundary, finds_the_next_message_after_garbage) {
  const std::string q = query(9, "www.wisp.test", type_a);
  const std::string garbage = "\xff\xff\xff\xff garbage \x80\x80";
  EXPECT_EQ(find_frame_boundary(rq, garbage + q, 0), garbage.size());
  EXPECT_EQ(find_frame_boundary(rq, q + garbage + q, 1), q.size() + garbage.size());
  EXPECT_EQ(find_frame_boundary(rs, garbage + tcp(a_response(9, "x", ipv4(1, 2, 3, 4))), 0), garbage.size());
  // Only the last bytes, too few to judge (a 2-byte length and the start of a header), may
  // still begin a message.
  EXPECT_EQ(find_frame_boundary(rq, std::string(100, '\xff'), 0), 100 - tcp_length_bytes - 3);
}

TEST(dns_classify, by_the_qr_bit_of_a_complete_message) {
  const std::string q = query(9, "www.wisp.test", type_a);
  const std::string r = a_response(9, "www.wisp.test", ipv4(1, 2, 3, 4));
  EXPECT_EQ(classify(q), message_type::request);
  EXPECT_EQ(classify(tcp(q)), message_type::request);
  EXPECT_EQ(classify(r), message_type::response);
  EXPECT_EQ(classify(tcp(r)), message_type::response);
  EXPECT_EQ(classify(q.substr(0, 10)), std::nullopt);
  EXPECT_EQ(classify("HTTP/1.1 200 OK\r\n\r\n"), std::nullopt);
}

// Every datagram dig sent and dnsmasq answered is one whole message; the TCP streams are
// whole length-prefixed messages back to back.
TEST(dns_parse_fixtures, every_recorded_message_parses_whole) {
  for (std::string file : {"udp_dig_single", "udp_dig_batch", "tcp_dig_single", "tcp_dig_keepopen"}) {
    auto reads = test::load_trace("dns/fixtures/" + file + ".trace");
    ASSERT_FALSE(reads.empty()) << file;
    for (bool client : {true, false}) {
      std::string stream = test::side_bytes(reads, client);
      std::size_t messages = 0;
      while (!stream.empty()) {
        message m;
        parse_result r = parse_message(client ? rq : rs, stream, m);
        ASSERT_EQ(r.state, parse_state::success) << file << " " << messages;
        EXPECT_EQ(m.tcp, file.starts_with("tcp")) << file;
        EXPECT_EQ(m.queries.size(), 1u);
        stream.erase(0, r.consumed);
        ++messages;
      }
      std::size_t reads_of_side = 0;
      for (const auto& rd : reads) reads_of_side += rd.from_client == client;
      if (file.starts_with("udp")) {
        EXPECT_EQ(messages, reads_of_side) << file;  // one per datagram
      }
      EXPECT_GT(messages, 0u);
    }
  }
}

}  // namespace
}  // namespace wisp::protocols::dns
