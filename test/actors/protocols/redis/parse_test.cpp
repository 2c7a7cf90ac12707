#include "actors/protocols/redis/parse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/protocols/common/truncate.hpp"
#include "test/actors/protocols/redis/resp_builder.hpp"

namespace wisp::protocols::redis {
namespace {

using resp::bulk;
using resp::command;

// Replies: every RESP2 and RESP3 type, rendered as Pixie renders them.
struct reply_case {
  std::string name;
  std::string bytes;
  std::string payload;
  reply_kind kind = reply_kind::reply;
  std::string channel_kind;
};

std::vector<reply_case> reply_cases() {
  return {
      {"simple_string", "+OK\r\n", "OK", reply_kind::reply, ""},
      {"error", "-ERR unknown command 'FOO'\r\n", "-ERR unknown command 'FOO'", reply_kind::reply, ""},
      {"integer", ":-42\r\n", "-42", reply_kind::reply, ""},
      {"bulk", bulk("bulk string"), "bulk string", reply_kind::reply, ""},
      {"bulk_with_crlf_inside", bulk("a\r\nb"), "a\r\nb", reply_kind::reply, ""},
      {"empty_bulk", "$0\r\n\r\n", "", reply_kind::reply, ""},
      {"null_bulk", "$-1\r\n", "<NULL>", reply_kind::reply, ""},
      {"array", "*3\r\n+OK\r\n-Error message\r\n$11\r\nbulk string\r\n", R"(["OK","-Error message","bulk string"])", reply_kind::reply, ""},
      {"array_with_null", "*2\r\n$-1\r\n:1\r\n", R"(["<NULL>","1"])", reply_kind::reply, ""},
      {"null_array", "*-1\r\n", "[NULL]", reply_kind::reply, ""},
      {"empty_array", "*0\r\n", "[]", reply_kind::reply, ""},
      {"nested_array_is_a_string", "*2\r\n*1\r\n+a\r\n+b\r\n", R"(["[\"a\"]","b"])", reply_kind::reply, ""},
      {"escaped_json", bulk("q\"\\\n"), "q\"\\\n", reply_kind::reply, ""},
      {"array_escapes_json", "*1\r\n" + bulk("q\"\\\n"), R"(["q\"\\\n"])", reply_kind::reply, ""},
      {"resp3_null", "_\r\n", "<NULL>", reply_kind::reply, ""},
      {"resp3_true", "#t\r\n", "true", reply_kind::reply, ""},
      {"resp3_false", "#f\r\n", "false", reply_kind::reply, ""},
      {"resp3_double", ",3.141\r\n", "3.141", reply_kind::reply, ""},
      {"resp3_double_inf", ",-inf\r\n", "-inf", reply_kind::reply, ""},
      {"resp3_big_number", "(1234567999999999999999999999999999999\r\n", "1234567999999999999999999999999999999", reply_kind::reply, ""},
      {"resp3_blob_error", "!21\r\nSYNTAX invalid syntax\r\n", "-SYNTAX invalid syntax", reply_kind::reply, ""},
      {"resp3_verbatim", "=15\r\ntxt:Some string\r\n", "Some string", reply_kind::reply, ""},
      {"resp3_map", "%2\r\n+first\r\n:1\r\n+second\r\n#t\r\n", R"({"first":"1","second":"true"})", reply_kind::reply, ""},
      {"resp3_set", "~2\r\n+orange\r\n+apple\r\n", R"(["orange","apple"])", reply_kind::reply, ""},
      {"resp3_attribute_dropped", "|1\r\n+key-popularity\r\n*1\r\n:90\r\n$5\r\nreply\r\n", "reply", reply_kind::reply, ""},
      {"resp3_attribute_in_array", "*2\r\n|1\r\n+ttl\r\n:3\r\n:1\r\n:2\r\n", R"(["1","2"])", reply_kind::reply, ""},
      {"subscribe_confirmation", "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n", R"(["subscribe","news","1"])",
       reply_kind::subscription, "subscribe"},
      {"unsubscribe_from_nothing", "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n", R"(["unsubscribe","<NULL>","0"])",
       reply_kind::subscription, "unsubscribe"},
      {"published_message", "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n", R"(["message","news","hello"])",
       reply_kind::published, "message"},
      {"pattern_message", "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n", R"(["pmessage","n*","news","hi"])",
       reply_kind::published, "pmessage"},
      {"resp3_push_message", ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n", R"(["message","c","m"])", reply_kind::published, "message"},
      {"resp3_push_confirmation", ">3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:1\r\n", R"(["psubscribe","n*","1"])",
       reply_kind::subscription, "psubscribe"},
      {"resp3_push_other", ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n", R"(["invalidate","[\"k\"]"])", reply_kind::push, "invalidate"},
      {"message_with_wrong_arity_is_a_reply", "*2\r\n$7\r\nmessage\r\n$1\r\nx\r\n", R"(["message","x"])", reply_kind::reply, ""},
  };
}

class redis_reply : public ::testing::TestWithParam<reply_case> {};

TEST_P(redis_reply, parses_whole_message) {
  const reply_case& c = GetParam();
  for (const std::string& tail : {std::string{}, std::string{"+NEXT\r\n"}}) {
    message m;
    parse_result r = parse_response(c.bytes + tail, {}, m);
    ASSERT_EQ(r.state, parse_state::success);
    EXPECT_EQ(r.consumed, c.bytes.size());
    EXPECT_EQ(m.type, message_type::response);
    EXPECT_EQ(m.payload, c.payload);
    EXPECT_EQ(m.kind, c.kind);
    EXPECT_EQ(m.channel_kind, c.channel_kind);
    EXPECT_EQ(m.bytes_cut, 0u);
  }
}

TEST_P(redis_reply, every_strict_prefix_needs_more_data) {
  const std::string& bytes = GetParam().bytes;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    message m;
    EXPECT_EQ(parse_response(bytes.substr(0, n), {}, m).state, parse_state::needs_more_data) << n;
  }
}

INSTANTIATE_TEST_SUITE_P(all, redis_reply, ::testing::ValuesIn(reply_cases()),
                         [](const auto& info) { return info.param.name; });

// Requests: the command name and argument rendering Pixie uses.
struct request_case {
  std::string name;
  std::string bytes;
  std::string command;
  std::string args;
};

std::vector<request_case> request_cases() {
  return {
      {"get", command({"get", "k"}), "GET", R"({"key":"k"})"},
      {"append", command({"append", "foo", "bar"}), "APPEND", R"({"key":"foo","value":"bar"})"},
      {"two_word_command", command({"config", "get", "maxmemory"}), "CONFIG GET", R"({"parameter":"maxmemory"})"},
      {"two_words_in_one_element", command({"acl getuser", "user"}), "ACL GETUSER", R"({"username":"user"})"},
      {"list_argument", command({"ACL", "DELUSER", "foo", "bar"}), "ACL DELUSER", R"({"username":["foo","bar"]})"},
      {"name_pixie_does_not_render", command({"CLIENT", "SETNAME", "wisp"}), "CLIENT SETNAME", R"(["wisp"])"},
      {"subcommand_pixie_does_not_know", command({"XINFO", "STREAM", "s"}), "XINFO", R"(["STREAM","s"])"},
      {"no_arguments", command({"DBSIZE"}), "DBSIZE", "[]"},
      {"no_argument_list_extra_words", command({"COMMAND", "DOCS"}), "COMMAND", R"(["DOCS"])"},
      {"unknown_command", command({"FOO", "bar"}), "", R"(["FOO","bar"])"},
      {"optional_present", command({"zpopmax", "z", "10"}), "ZPOPMAX", R"({"key":"z","count":"10"})"},
      {"optional_absent", command({"zpopmax", "z"}), "ZPOPMAX", R"({"key":"z"})"},
      {"fixed_missing_falls_back", command({"GET"}), "GET", "[]"},
      {"extra_words_not_shown", command({"GET", "a", "b"}), "GET", R"({"key":"a"})"},
      {"list_then_fixed_falls_back", command({"BLPOP", "a", "b", "0"}), "BLPOP", R"(["a","b","0"])"},
      {"repeated_group", command({"hset", "h", "f", "v"}), "HSET", R"({"key":"h","field value":[{"field":"f"},{"value":"v"}]})"},
      {"repeated_group_uneven", command({"HSET", "h", "f"}), "HSET", R"(["h","f"])"},
      {"set_with_options", command({"SET", "k", "v", "ex", "60", "NX"}), "SET", R"({"key":"k","value":"v","options":["ex 60","NX"]})"},
      {"set_plain", command({"SET", "k", "v"}), "SET", R"({"key":"k","value":"v","options":[]})"},
      {"set_expiry_without_value", command({"SET", "k", "v", "PX"}), "SET", R"(["k","v","PX"])"},
      {"evalsha", command({"evalsha", "sha", "3", "foo", "bar"}), "EVALSHA", R"({"sha1":"sha","numkeys":"3","key":["foo"],"value":["bar"]})"},
      {"evalsha_odd", command({"EVALSHA", "sha", "1", "k"}), "EVALSHA", R"(["sha","1","k"])"},
      {"sscan", command({"SSCAN", "s", "0", "MATCH", "a*", "COUNT", "5"}), "SSCAN", R"({"key":"s","cursor":"0","pattern":"a*","count":"5"})"},
      {"sscan_bad_option", command({"SSCAN", "s", "0", "TYPE", "x"}), "SSCAN", R"(["s","0","TYPE","x"])"},
      {"subscribe", command({"SUBSCRIBE", "a", "b"}), "SUBSCRIBE", R"({"channel":["a","b"]})"},
      {"binary_argument", command({"SET", "k", std::string{"\x00\xff", 2}}), "SET", "{\"key\":\"k\",\"value\":\"\\u0000\\ufffd\",\"options\":[]}"},
      {"inline", "PING\r\n", "PING", "{}"},  // only optional arguments, none given
      {"inline_bare_lf", "GET k\n", "GET", R"({"key":"k"})"},
      {"inline_quotes", "SET k \"two words\\n\" 'it\\'s'\r\n", "SET", R"({"key":"k","value":"two words\n","options":["it's"]})"},
  };
}

class redis_request : public ::testing::TestWithParam<request_case> {};

TEST_P(redis_request, names_command_and_renders_arguments) {
  const request_case& c = GetParam();
  message m;
  parse_result r = parse_request(c.bytes + command({"PING"}), {}, m);
  ASSERT_EQ(r.state, parse_state::success);
  EXPECT_EQ(r.consumed, c.bytes.size());
  EXPECT_EQ(m.type, message_type::request);
  EXPECT_EQ(m.command, c.command);
  EXPECT_EQ(m.payload, c.args);
  EXPECT_EQ(m.inline_command, c.bytes.front() != '*');
}

TEST_P(redis_request, every_strict_prefix_needs_more_data) {
  const std::string& bytes = GetParam().bytes;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    message m;
    EXPECT_EQ(parse_request(bytes.substr(0, n), {}, m).state, parse_state::needs_more_data) << n;
  }
}

INSTANTIATE_TEST_SUITE_P(all, redis_request, ::testing::ValuesIn(request_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(redis_request, subscribe_family_expects_one_reply_per_channel) {
  struct expectation {
    std::vector<std::string> words;
    std::string kind;
    std::size_t replies;
  };
  for (const auto& e : std::vector<expectation>{{{"SUBSCRIBE", "a", "b", "c"}, "subscribe", 3},
                                                {{"psubscribe", "n*"}, "psubscribe", 1},
                                                {{"UNSUBSCRIBE"}, "unsubscribe", unknown_replies},
                                                {{"PUNSUBSCRIBE", "x", "y"}, "punsubscribe", 2},
                                                {{"GET", "k"}, "", 1}}) {
    message m;
    ASSERT_EQ(parse_request(command(e.words), {}, m).state, parse_state::success);
    EXPECT_EQ(m.channel_kind, e.kind) << e.words[0];
    EXPECT_EQ(m.expected_replies, e.replies) << e.words[0];
  }
}

TEST(redis_request, empty_and_null_arrays_and_blank_lines_are_ignored) {
  for (const std::string& bytes : {std::string{"*0\r\n"}, std::string{"*-1\r\n"}, std::string{"\r\n"}, std::string{"  \n"}}) {
    message m;
    parse_result r = parse_request(bytes, {}, m);
    EXPECT_EQ(r.state, parse_state::ignored);
    EXPECT_EQ(r.consumed, bytes.size());
  }
}

struct invalid_case {
  std::string name;
  message_type type;
  std::string bytes;
};

std::vector<invalid_case> invalid_cases() {
  const auto req = message_type::request;
  const auto resp = message_type::response;
  return {
      {"unknown_type_byte", resp, "a\r\n"},
      {"bulk_not_terminated", resp, "$1\r\nabc"},
      {"bulk_length_below_null", resp, "$-2\r\n"},
      {"array_count_below_null", resp, "*-2\r\n"},
      {"bulk_length_not_a_number", resp, "$1x\r\na\r\n"},
      {"bulk_longer_than_redis_allows", resp, "$536870913\r\n"},
      {"count_longer_than_redis_allows", resp, "*2147483648\r\n"},
      {"length_too_many_digits", resp, "$000000000000000000001\r\n"},
      {"bare_cr_in_line", resp, "+O\rK\r\n"},
      {"bare_lf_in_line", resp, "+O\nK\r\n"},
      {"integer_not_a_number", resp, ":12a\r\n"},
      {"boolean_other", resp, "#x\r\n"},
      {"null_with_text", resp, "_x\r\n"},
      {"verbatim_without_format", resp, "=3\r\nabc\r\n"},
      {"map_count_negative", resp, "%-1\r\n"},
      {"line_without_end_too_long", resp, "+" + std::string(max_line_bytes + 1, 'a')},
      {"too_deep", resp, [] { std::string s; for (std::size_t i = 0; i <= default_max_depth; ++i) s += "*1\r\n"; return s + ":1\r\n"; }()},
      {"request_with_non_bulk_element", req, "*2\r\n$3\r\nGET\r\n:1\r\n"},
      {"request_not_array_or_text", req, "+OK\r\n"},
      {"inline_starting_with_digit", req, "123 abc\r\n"},
      {"inline_binary", req, "GET \x01\x02\r\n"},
      {"inline_unbalanced_quote", req, "SET k \"abc\r\n"},
      {"inline_quote_glued_to_word", req, "SET k \"a\"b\r\n"},
      {"inline_too_long", req, "GET " + std::string(max_line_bytes, 'k')},
      {"tls_hello", req, "\x16\x03\x01\x02\x00\x01"},
  };
}

class redis_invalid : public ::testing::TestWithParam<invalid_case> {};

TEST_P(redis_invalid, is_rejected) {
  message m;
  EXPECT_EQ(parse_message(GetParam().type, GetParam().bytes, {}, m).state, parse_state::invalid);
}

INSTANTIATE_TEST_SUITE_P(all, redis_invalid, ::testing::ValuesIn(invalid_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(redis_parse, lying_lengths_wait_without_allocating_what_they_claim) {
  // A header claiming ~1 GB (bulk) or a billion elements with little data behind it is a valid
  // prefix: the parser waits, and the data_stream's memory bound decides how long.
  for (const std::string& bytes : {std::string{"$999999\r\nabc"}, std::string{"*999999999\r\n:1\r\n:2\r\n"},
                                   std::string{"%999999999\r\n+k\r\n"}, std::string{"~99999\r\n_\r\n"}}) {
    message m;
    EXPECT_EQ(parse_response(bytes, {}, m).state, parse_state::needs_more_data) << bytes;
  }
  message m;
  EXPECT_EQ(parse_request("*999999999\r\n" + bulk("GET"), {}, m).state, parse_state::needs_more_data);
}

TEST(redis_parse, huge_values_are_cut_to_the_column_limit_and_counted) {
  const std::string value(100'000, 'v');
  message req;
  ASSERT_EQ(parse_request(command({"SET", "k", value}), {}, req).state, parse_state::success);
  EXPECT_EQ(req.command, "SET");
  EXPECT_EQ(req.payload.size(), default_max_payload_bytes + truncated_suffix.size());
  EXPECT_TRUE(req.payload.starts_with(R"({"key":"k","value":"vvv)"));
  EXPECT_TRUE(req.payload.ends_with(truncated_suffix));
  EXPECT_GT(req.bytes_cut, value.size() - default_max_payload_bytes - 1);

  message resp;
  ASSERT_EQ(parse_response(bulk(value), {}, resp).state, parse_state::success);
  EXPECT_EQ(resp.payload, std::string(default_max_payload_bytes, 'v') + std::string{truncated_suffix});
  EXPECT_EQ(resp.bytes_cut, value.size() - default_max_payload_bytes - 1);

  // Many small elements: the JSON array is cut, the element count is not a limit.
  std::string many = "*100000\r\n";
  for (int i = 0; i < 100'000; ++i) many += ":7\r\n";
  ASSERT_EQ(parse_response(many, {}, resp).state, parse_state::success);
  EXPECT_TRUE(resp.payload.starts_with(R"(["7","7",)"));
  EXPECT_EQ(resp.payload.size(), default_max_payload_bytes + truncated_suffix.size());
  EXPECT_GT(resp.bytes_cut, 0u);
}

TEST(redis_parse, payload_limit_is_an_option) {
  parse_options small;
  small.max_payload_bytes = 4;
  message m;
  ASSERT_EQ(parse_response(bulk("hello"), small, m).state, parse_state::success);
  EXPECT_EQ(m.payload, "hell" + std::string{truncated_suffix});
  ASSERT_EQ(parse_response(bulk("hell"), small, m).state, parse_state::success);
  EXPECT_EQ(m.payload, "hell");
}

TEST(redis_parse, attribute_chains_do_not_recurse) {
  std::string chain;
  for (int i = 0; i < 100'000; ++i) chain += "|0\r\n";
  message m;
  parse_result r = parse_response(chain + "+OK\r\n", {}, m);
  ASSERT_EQ(r.state, parse_state::success);
  EXPECT_EQ(m.payload, "OK");
}

TEST(redis_parse, frame_boundaries_are_line_starts_with_a_type_byte) {
  const std::string reqs = "T\r\n" + command({"GET", "k"});
  EXPECT_EQ(find_frame_boundary(message_type::request, reqs, 0), 3u);
  EXPECT_EQ(find_frame_boundary(message_type::request, "x*1\r\n*x\r\n", 0), no_frame_boundary);
  EXPECT_EQ(find_frame_boundary(message_type::request, command({"GET", "k"}), 1), no_frame_boundary);
  EXPECT_EQ(find_frame_boundary(message_type::response, "xx\r\n:1\r\n", 0), 4u);
  EXPECT_EQ(find_frame_boundary(message_type::response, "+OK\r\n", 0), 0u);
  EXPECT_EQ(find_frame_boundary(message_type::response, "+OK\r\n:1\r\n", 1), 5u);
  EXPECT_EQ(find_frame_boundary(message_type::response, "abc", 0), no_frame_boundary);
}

TEST(redis_parse, classify_only_decides_clear_cases) {
  EXPECT_EQ(classify("+OK\r\n"), message_type::response);
  EXPECT_EQ(classify("%1\r\n"), message_type::response);
  EXPECT_EQ(classify(command({"GET", "k"})), message_type::request);
  EXPECT_EQ(classify("PING\r\n"), message_type::request);
  EXPECT_EQ(classify(command({"foo", "bar"})), std::nullopt);  // could be a reply
  EXPECT_EQ(classify(bulk("x")), std::nullopt);                // could be inside a request
  EXPECT_EQ(classify("*2\r\n$3\r\nGE"), std::nullopt);
  EXPECT_EQ(classify(""), std::nullopt);
}

}  // namespace
}  // namespace wisp::protocols::redis
