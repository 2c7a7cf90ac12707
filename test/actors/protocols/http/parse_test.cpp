#include "actors/protocols/http/parse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::http {
namespace {

struct parse_case {
  std::string name;
  message_type type;
  std::string bytes;
  response_hint hint;
  parse_state state;
  std::size_t consumed;  // for success/ignored; 0 = whole input
  std::string method_or_reason;
  std::int64_t status;
  std::string body;
  std::size_t body_size;
};

std::vector<parse_case> cases() {
  const std::string get = "GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  return {
      {"simple_get", message_type::request, get, {}, parse_state::success, 0, "GET", -1, "", 0},
      {"get_then_more", message_type::request, get + "GET", {}, parse_state::success, get.size(), "GET", -1, "", 0},
      {"partial_request_line", message_type::request, "GET /a HT", {}, parse_state::needs_more_data, 0, "", -1, "", 0},
      {"partial_method", message_type::request, "PO", {}, parse_state::needs_more_data, 0, "", -1, "", 0},
      {"partial_headers", message_type::request, "GET / HTTP/1.1\r\nHost: x\r\n", {}, parse_state::needs_more_data, 0, "", -1, "", 0},
      {"unknown_method", message_type::request, "FETCH / HTTP/1.1\r\n\r\n", {}, parse_state::invalid, 0, "", -1, "", 0},
      {"garbage", message_type::request, "\x16\x03\x01\x02\x00", {}, parse_state::invalid, 0, "", -1, "", 0},
      {"http2_preface", message_type::request, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", {}, parse_state::invalid, 0, "", -1, "", 0},
      {"bad_version", message_type::request, "GET / HTTP/2.0\r\n\r\n", {}, parse_state::invalid, 0, "", -1, "", 0},
      {"header_without_colon", message_type::request, "GET / HTTP/1.1\r\nHost x\r\n\r\n", {}, parse_state::invalid, 0, "", -1, "", 0},
      {"bad_content_length", message_type::request, "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", {}, parse_state::invalid, 0, "", -1, "", 0},
      {"conflicting_lengths", message_type::request, "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", {}, parse_state::invalid, 0, "", -1, "", 0},
      {"post_body", message_type::request, "POST /p HTTP/1.0\r\ncontent-length: 3\r\n\r\nabc", {}, parse_state::success, 0, "POST", -1, "abc", 3},
      {"post_body_partial", message_type::request, "POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nab", {}, parse_state::needs_more_data, 0, "", -1, "", 0},
      {"bare_lf", message_type::request, "GET / HTTP/1.1\nHost: x\n\n", {}, parse_state::success, 0, "GET", -1, "", 0},
      {"stray_crlf", message_type::request, "\r\nGET / HTTP/1.1\r\n\r\n", {}, parse_state::ignored, 2, "", -1, "", 0},
      {"ok_with_body", message_type::response, ok, {}, parse_state::success, 0, "OK", 200, "hello", 5},
      {"status_without_reason", message_type::response, "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", {}, parse_state::success, 0, "", 200, "", 0},
      {"chunked", message_type::response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n", {}, parse_state::success, 0, "OK", 200, "abcde", 5},
      {"chunked_partial", message_type::response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", {}, parse_state::needs_more_data, 0, "", -1, "", 0},
      {"chunked_bad_size", message_type::response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", {}, parse_state::invalid, 0, "", -1, "", 0},
      {"chunked_bad_terminator", message_type::response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXY\r\n", {}, parse_state::invalid, 0, "", -1, "", 0},
      {"chunked_wins_over_length", message_type::response, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n", {}, parse_state::success, 0, "OK", 200, "a", 1},
      {"continue_has_no_body", message_type::response, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n", {}, parse_state::success, 25, "Continue", 100, "", 0},
      {"no_content", message_type::response, "HTTP/1.1 204 No Content\r\n\r\n", {}, parse_state::success, 0, "No Content", 204, "", 0},
      {"not_modified_ignores_length", message_type::response, "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", {}, parse_state::success, 0, "Not Modified", 304, "", 0},
      {"head_response", message_type::response, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", {true, false}, parse_state::success, 0, "OK", 200, "", 0},
      {"until_close_waits", message_type::response, "HTTP/1.0 200 OK\r\n\r\nabc", {}, parse_state::needs_more_data, 0, "", -1, "", 0},
      {"until_close_at_eos", message_type::response, "HTTP/1.0 200 OK\r\n\r\nabc", {false, true}, parse_state::success, 0, "OK", 200, "abc", 3},
      {"bad_status", message_type::response, "HTTP/1.1 2x0 OK\r\n\r\n", {}, parse_state::invalid, 0, "", -1, "", 0},
      {"request_as_response", message_type::response, get, {}, parse_state::invalid, 0, "", -1, "", 0},
  };
}

class parse_table : public ::testing::TestWithParam<parse_case> {};

TEST_P(parse_table, parses) {
  const parse_case& c = GetParam();
  message m;
  parse_result r = parse_message(c.type, c.bytes, c.hint, {}, m);
  ASSERT_EQ(r.state, c.state);
  if (c.state != parse_state::success && c.state != parse_state::ignored) return;
  EXPECT_EQ(r.consumed, c.consumed ? c.consumed : c.bytes.size());
  if (c.state == parse_state::ignored) return;
  if (c.type == message_type::request) {
    EXPECT_EQ(m.method, c.method_or_reason);
  } else {
    EXPECT_EQ(m.reason, c.method_or_reason);
    EXPECT_EQ(m.status, c.status);
  }
  EXPECT_EQ(m.body, c.body);
  EXPECT_EQ(m.body_size, c.body_size);
}

INSTANTIATE_TEST_SUITE_P(http, parse_table, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

TEST(http_parse, request_line_and_headers) {
  message m;
  std::string in = "GET /x?y=%20 HTTP/1.0\r\nHost: h\r\nX-Multi: a\r\n  b\r\nACCEPT:  */* \r\n\r\n";
  ASSERT_EQ(parse_request(in, {}, m).state, parse_state::success);
  EXPECT_EQ(m.path, "/x?y=%20");
  EXPECT_EQ(m.minor_version, 0);
  ASSERT_EQ(m.headers.size(), 3u);
  EXPECT_EQ(m.find_header("accept"), "*/*");
  EXPECT_EQ(m.find_header("x-multi"), "a b");
  EXPECT_FALSE(m.find_header("cookie"));
}

TEST(http_parse, keeps_at_most_max_headers_but_still_frames_by_later_ones) {
  std::string in = "POST / HTTP/1.1\r\n";
  for (int i = 0; i < 60; ++i) in += "X-H" + std::to_string(i) + ": v\r\n";
  in += "Content-Length: 2\r\n\r\nhi";
  message m;
  parse_result r = parse_request(in, {}, m);
  ASSERT_EQ(r.state, parse_state::success);
  EXPECT_EQ(m.headers.size(), default_max_headers);
  EXPECT_EQ(m.headers_dropped, 11u);
  EXPECT_EQ(m.body, "hi");
}

TEST(http_parse, body_is_cut_at_the_limit_but_its_size_kept) {
  std::string body(5000, 'x');
  std::string in = "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + body;
  message m;
  ASSERT_EQ(parse_response(in, {}, {}, m).state, parse_state::success);
  EXPECT_EQ(m.body.size(), default_body_limit_bytes);
  EXPECT_EQ(m.body_size, 5000u);

  std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) chunked += "3e8\r\n" + std::string(1000, 'y') + "\r\n";
  chunked += "0\r\n\r\n";
  ASSERT_EQ(parse_response(chunked, {}, {}, m).state, parse_state::success);
  EXPECT_EQ(m.body.size(), default_body_limit_bytes);
  EXPECT_EQ(m.body_size, 4000u);
}

TEST(http_parse, endless_header_section_is_invalid) {
  message m;
  std::string in = "GET / HTTP/1.1\r\nX: " + std::string(default_max_header_section_bytes, 'a');
  EXPECT_EQ(parse_request(in, {}, m).state, parse_state::invalid);
}

TEST(http_parse, find_frame_boundary_resynchronises) {
  std::string_view reqs = "ody tail\r\nxx GET no\r\nPOST /p HTTP/1.1\r\n";
  EXPECT_EQ(find_frame_boundary(message_type::request, reqs, 0), reqs.find("POST"));
  std::string_view resps = "junk HTTP/1.1\nHTTP/1.1 200 OK\r\n";
  EXPECT_EQ(find_frame_boundary(message_type::response, resps, 0), resps.find("\nHTTP") + 1);
  EXPECT_EQ(find_frame_boundary(message_type::response, "HTTP/1.1 200", 1), no_frame_boundary);
  EXPECT_EQ(find_frame_boundary(message_type::request, "abc\r\nGE", 0), 5u);  // split token
  EXPECT_EQ(find_frame_boundary(message_type::request, "no boundary", 0), no_frame_boundary);
}

TEST(http_parse, classify) {
  EXPECT_EQ(classify("GET / HTTP/1.1\r\n"), message_type::request);
  EXPECT_EQ(classify("HTTP/1.1 200 OK\r\n"), message_type::response);
  EXPECT_EQ(classify("body\r\nHTTP/1.0 404 x\r\n"), message_type::response);
  EXPECT_FALSE(classify("GE"));
  EXPECT_FALSE(classify("hello"));
}

// Every fixture parses completely, frame after frame, on each side.
struct fixture_case {
  std::string file;
  std::vector<std::string> methods;
  std::vector<std::int64_t> statuses;  // including interim responses
};

class fixture_parse : public ::testing::TestWithParam<fixture_case> {};

TEST_P(fixture_parse, every_frame_parses) {
  const fixture_case& c = GetParam();
  auto reads = test::load_trace("http/fixtures/" + c.file);
  ASSERT_FALSE(reads.empty());
  std::string req = test::side_bytes(reads, true);
  std::string resp = test::side_bytes(reads, false);
  std::vector<std::string> methods;
  for (std::string_view v = req; !v.empty();) {
    message m;
    parse_result r = parse_request(v, {}, m);
    ASSERT_EQ(r.state, parse_state::success) << v;
    methods.push_back(m.method);
    v.remove_prefix(r.consumed);
  }
  EXPECT_EQ(methods, c.methods);
  std::vector<std::int64_t> statuses;
  std::size_t answered = 0;
  for (std::string_view v = resp; !v.empty();) {
    message m;
    response_hint hint{answered < methods.size() && methods[answered] == "HEAD", true};
    parse_result r = parse_response(v, hint, {}, m);
    ASSERT_EQ(r.state, parse_state::success) << v;
    statuses.push_back(m.status);
    if (!m.is_interim()) ++answered;
    v.remove_prefix(r.consumed);
  }
  EXPECT_EQ(statuses, c.statuses);
}

INSTANTIATE_TEST_SUITE_P(
    http, fixture_parse,
    ::testing::Values(
        fixture_case{"nginx_keepalive.trace", {"GET", "GET", "GET"}, {200, 200, 404}},
        fixture_case{"nginx_head.trace", {"HEAD"}, {200}},
        fixture_case{"nginx_not_modified.trace", {"GET"}, {304}},
        fixture_case{"nginx_post.trace", {"POST"}, {200}},
        fixture_case{"nginx_pipelined.trace", {"GET", "GET", "HEAD", "GET"}, {200, 200, 200, 404}},
        fixture_case{"py_chunked.trace", {"GET", "GET", "GET"}, {200, 204, 200}},
        fixture_case{"py_expect_continue.trace", {"POST"}, {100, 201}},
        fixture_case{"py_close.trace", {"GET"}, {200}},
        fixture_case{"httpserver_get.trace", {"GET"}, {200}}),
    [](const auto& info) {
      std::string n = info.param.file;
      return n.substr(0, n.find('.'));
    });

}  // namespace
}  // namespace wisp::protocols::http
