#include "actors/protocols/nats/parse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wisp::protocols::nats {
namespace {

using enum message_type;

struct parse_case {
  std::string name;
  message_type type;
  std::string bytes;
  parse_state state;
  std::size_t consumed;  // success, ignored and oversize
  std::string command;   // success
  std::string body;      // success
};

class nats_parse : public ::testing::TestWithParam<parse_case> {};

TEST_P(nats_parse, frame) {
  const parse_case& c = GetParam();
  message m;
  parse_result r = parse_message(c.type, c.bytes, {}, m);
  ASSERT_EQ(r.state, c.state);
  if (c.state == parse_state::success || c.state == parse_state::ignored || c.state == parse_state::oversize) {
    EXPECT_EQ(r.consumed, c.consumed);
  }
  if (c.state != parse_state::success) return;
  EXPECT_EQ(m.type, c.type);
  EXPECT_EQ(m.command, c.command);
  EXPECT_EQ(m.body, c.body);
}

const std::string info_json = R"({"server_id":"N1","version":"2.9.10","headers":true,"max_payload":1048576})";

INSTANTIATE_TEST_SUITE_P(
    nats, nats_parse,
    ::testing::Values(
        parse_case{"info", response, "INFO " + info_json + "\r\n", parse_state::success, 7 + info_json.size(), "INFO",
                   info_json},
        parse_case{"connect", request, "CONNECT {\"verbose\":false}\r\n", parse_state::success, 27, "CONNECT",
                   R"({"verbose":false})"},
        parse_case{"connect_not_json", request, "CONNECT verbose\r\n", parse_state::invalid, 0, "", ""},
        parse_case{"pub", request, "PUB foo 5\r\nhello\r\n", parse_state::success, 18, "PUB",
                   R"({"subject":"foo","payload":"hello"})"},
        parse_case{"pub_lower_case_and_tabs", request, "pub\tfoo  \t5\r\nhello\r\n", parse_state::success, 20, "PUB",
                   R"({"subject":"foo","payload":"hello"})"},
        parse_case{"pub_reply_to", request, "PUB foo _INBOX.1 2\r\nhi\r\n", parse_state::success, 24, "PUB",
                   R"({"subject":"foo","reply-to":"_INBOX.1","payload":"hi"})"},
        parse_case{"pub_empty_payload", request, "PUB foo 0\r\n\r\n", parse_state::success, 13, "PUB",
                   R"({"subject":"foo","payload":""})"},
        parse_case{"pub_payload_with_crlf", request, "PUB foo 4\r\na\r\nb\r\n", parse_state::success, 17, "PUB",
                   "{\"subject\":\"foo\",\"payload\":\"a\\r\\nb\"}"},
        parse_case{"pub_payload_incomplete", request, "PUB foo 5\r\nhel", parse_state::needs_more_data, 0, "", ""},
        parse_case{"pub_payload_not_crlf_terminated", request, "PUB foo 5\r\nhelloXX", parse_state::invalid, 0, "", ""},
        parse_case{"pub_size_not_a_number", request, "PUB foo 5x\r\nhello\r\n", parse_state::invalid, 0, "", ""},
        parse_case{"pub_too_many_fields", request, "PUB a b c d e f\r\n", parse_state::invalid, 0, "", ""},
        parse_case{"pub_missing_size", request, "PUB foo\r\n", parse_state::invalid, 0, "", ""},
        parse_case{"pub_claims_1gib", request, "PUB foo 1073741824\r\n", parse_state::oversize,
                   20 + 1073741824 + 2, "", ""},
        parse_case{"pub_size_with_13_digits", request, "PUB foo 1000000000000\r\n", parse_state::invalid, 0, "", ""},
        parse_case{"hpub", request, "HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", parse_state::success, 32, "HPUB",
                   "{\"subject\":\"foo\",\"headers\":\"NATS/1.0\\r\\n\\r\\n\",\"payload\":\"hi\"}"},
        parse_case{"hpub_headers_longer_than_total", request, "HPUB foo 15 14\r\nNATS/1.0\r\n\r\nhi\r\n",
                   parse_state::invalid, 0, "", ""},
        parse_case{"msg", response, "MSG foo.bar 9 11\r\nhello world\r\n", parse_state::success, 31, "MSG",
                   R"({"subject":"foo.bar","sid":"9","payload":"hello world"})"},
        parse_case{"msg_reply_to", response, "MSG foo 9 bar 2\r\nhi\r\n", parse_state::success, 21, "MSG",
                   R"({"subject":"foo","sid":"9","reply-to":"bar","payload":"hi"})"},
        parse_case{"hmsg_reply_to", response, "HMSG foo 1 r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n", parse_state::success, 36,
                   "HMSG",
                   "{\"subject\":\"foo\",\"sid\":\"1\",\"reply-to\":\"r\","
                   "\"headers\":\"NATS/1.0\\r\\n\\r\\n\",\"payload\":\"hi\"}"},
        parse_case{"sub", request, "SUB foo 1\r\n", parse_state::success, 11, "SUB", R"({"subject":"foo","sid":"1"})"},
        parse_case{"sub_queue", request, "SUB foo workers 1\r\n", parse_state::success, 19, "SUB",
                   R"({"subject":"foo","queue group":"workers","sid":"1"})"},
        parse_case{"sub_without_sid", request, "SUB foo\r\n", parse_state::invalid, 0, "", ""},
        parse_case{"unsub", request, "UNSUB 1\r\n", parse_state::success, 9, "UNSUB", R"({"sid":"1"})"},
        parse_case{"unsub_max", request, "UNSUB 1 5\r\n", parse_state::success, 11, "UNSUB",
                   R"({"sid":"1","max_msgs":"5"})"},
        parse_case{"unsub_max_not_a_number", request, "UNSUB 1 five\r\n", parse_state::invalid, 0, "", ""},
        parse_case{"ping_client", request, "PING\r\n", parse_state::success, 6, "PING", ""},
        parse_case{"pong_server", response, "PONG\r\n", parse_state::success, 6, "PONG", ""},
        parse_case{"ping_bare_lf", request, "ping\n", parse_state::success, 5, "PING", ""},
        parse_case{"ping_with_field", request, "PING x\r\n", parse_state::invalid, 0, "", ""},
        parse_case{"ok", response, "+OK\r\n", parse_state::success, 5, "+OK", ""},
        parse_case{"err", response, "-ERR 'Invalid Subject'\r\n", parse_state::success, 24, "-ERR",
                   R"({"error":"Invalid Subject"})"},
        parse_case{"empty_line", request, "\r\n", parse_state::ignored, 2, "", ""},
        parse_case{"partial_verb", request, "UNS", parse_state::needs_more_data, 0, "", ""},
        parse_case{"whole_verb_without_separator", request, "CONNECT", parse_state::needs_more_data, 0, "", ""},
        parse_case{"partial_line", request, "SUB foo", parse_state::needs_more_data, 0, "", ""},
        parse_case{"empty", request, "", parse_state::needs_more_data, 0, "", ""},
        parse_case{"unknown_verb", request, "GET / HTTP/1.1\r\n", parse_state::invalid, 0, "", ""},
        parse_case{"unknown_partial", request, "XYZ", parse_state::invalid, 0, "", ""},
        parse_case{"verb_prefix_of_longer_word", request, "PUBLISH foo 1\r\n", parse_state::invalid, 0, "", ""},
        // Each side's operations only.
        parse_case{"msg_from_client", request, "MSG foo 1 2\r\nhi\r\n", parse_state::invalid, 0, "", ""},
        parse_case{"pub_from_server", response, "PUB foo 2\r\nhi\r\n", parse_state::invalid, 0, "", ""},
        parse_case{"info_from_client", request, "INFO {}\r\n", parse_state::invalid, 0, "", ""},
        parse_case{"ok_from_client", request, "+OK\r\n", parse_state::invalid, 0, "", ""}),
    [](const auto& info) { return info.param.name; });

TEST(nats_parse_limits, control_line_without_end_is_invalid_past_the_limit) {
  message m;
  std::string line = "SUB " + std::string(max_control_line_bytes, 'a');
  EXPECT_EQ(parse_message(request, line, {}, m).state, parse_state::invalid);
  EXPECT_EQ(parse_message(request, line.substr(0, max_control_line_bytes - 1), {}, m).state,
            parse_state::needs_more_data);
}

TEST(nats_parse_limits, payload_is_cut_to_the_limit) {
  parse_options small;
  small.max_payload_bytes = 4;
  message m;
  ASSERT_EQ(parse_message(request, "PUB foo 10\r\n0123456789\r\n", small, m).state, parse_state::success);
  EXPECT_EQ(m.body, R"({"subject":"foo","payload":"0123... [TRUNCATED]"})");
}

TEST(nats_parse_limits, message_above_max_message_bytes_is_oversize_with_its_wire_size) {
  parse_options small;
  small.max_message_bytes = 9;
  message m;
  parse_result r = parse_message(response, "MSG foo 1 10\r\n0123", small, m);
  EXPECT_EQ(r.state, parse_state::oversize);
  EXPECT_EQ(r.consumed, 14u + 10u + 2u);
  EXPECT_EQ(parse_message(response, "MSG foo 1 9\r\n012345678\r\n", small, m).state, parse_state::success);
}

TEST(nats_parse_limits, connect_verbose_option) {
  struct verbose_case {
    std::string json;
    std::optional<bool> verbose;
  };
  for (const auto& c : std::vector<verbose_case>{{R"({"verbose":true,"pedantic":false})", true},
                                                {R"({"pedantic":true, "verbose" : false})", false},
                                                {R"({"pedantic":true})", std::nullopt},
                                                {R"({"verbose":1})", std::nullopt}}) {
    message m;
    ASSERT_EQ(parse_message(request, "CONNECT " + c.json + "\r\n", {}, m).state, parse_state::success) << c.json;
    EXPECT_EQ(m.verbose, c.verbose) << c.json;
  }
}

struct boundary_case {
  std::string name;
  message_type type;
  std::string bytes;
  std::size_t start;
  std::size_t expected;
};

class nats_boundary : public ::testing::TestWithParam<boundary_case> {};

TEST_P(nats_boundary, finds_next_line_with_an_operation) {
  const boundary_case& c = GetParam();
  EXPECT_EQ(find_frame_boundary(c.type, c.bytes, c.start), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    nats, nats_boundary,
    ::testing::Values(
        boundary_case{"at_start", request, "PUB foo 1\r\nx\r\n", 0, 0},
        boundary_case{"mid_payload", request, "llo\r\nSUB foo 1\r\n", 0, 5},
        boundary_case{"skips_start", request, "PING\r\nPING\r\n", 1, 6},
        boundary_case{"lower_case", response, "xx\r\nmsg foo 1 0\r\n\r\n", 1, 4},
        boundary_case{"other_sides_operation", request, "xx\r\nMSG foo 1 0\r\n", 0, no_frame_boundary},
        boundary_case{"verb_not_at_line_start", request, "x PUB foo 1\r\n", 0, no_frame_boundary},
        boundary_case{"incomplete_verb", request, "xx\r\nPU", 0, no_frame_boundary},
        boundary_case{"none", response, "garbage", 0, no_frame_boundary}),
    [](const auto& info) { return info.param.name; });

TEST(nats_classify, client_and_server_operations) {
  EXPECT_EQ(classify("CONNECT {}\r\n"), request);
  EXPECT_EQ(classify("pub foo 1\r\n"), request);
  EXPECT_EQ(classify("HPUB foo 1 2\r\n"), request);
  EXPECT_EQ(classify("SUB foo 1\r\n"), request);
  EXPECT_EQ(classify("UNSUB 1\r\n"), request);
  EXPECT_EQ(classify("INFO {}\r\n"), response);
  EXPECT_EQ(classify("MSG foo 1 2\r\n"), response);
  EXPECT_EQ(classify("HMSG foo 1 1 2\r\n"), response);
  EXPECT_EQ(classify("+OK\r\n"), response);
  EXPECT_EQ(classify("-ERR 'x'\r\n"), response);
  EXPECT_EQ(classify("PING\r\n"), std::nullopt);  // both sides send it
  EXPECT_EQ(classify("PONG\r\n"), std::nullopt);
  EXPECT_EQ(classify("CONN"), std::nullopt);  // not complete yet
  EXPECT_EQ(classify("HTTP/1.1 200 OK\r\n"), std::nullopt);
}

}  // namespace
}  // namespace wisp::protocols::nats
