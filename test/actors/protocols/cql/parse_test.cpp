// Table-driven tests of the CQL framing and body rendering (parse.hpp, body.hpp).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/protocols/cql/parse.hpp"
#include "test/actors/protocols/cql/wire.hpp"

namespace wisp::protocols::cql {
namespace {

using namespace wire;

struct body_case {
  const char* name;
  bool response;
  std::uint8_t op;
  std::string body;
  std::string expected;
  std::uint8_t flags = 0;
};

std::string rows_body() {
  // flags global_tables_spec, 2 columns (k text, v list<int>), 3 rows (contents not rendered)
  std::string b = int_(2) + int_(0x0001) + int_(2) + string("ks") + string("t") + string("k") + short_(0x000D) +
                  string("v") + short_(0x0020) + short_(0x0009) + int_(3);
  for (int i = 0; i < 3; ++i) b += bytes("a") + bytes(int_(i));
  return b;
}

const std::vector<body_case>& body_cases() {
  static const std::vector<body_case> cases{
    {"startup", false, 0x01, short_(1) + string("CQL_VERSION") + string("3.0.0"), R"({"CQL_VERSION":"3.0.0"})"},
    {"options", false, 0x05, "", ""},
    {"query", false, 0x07, query("SELECT * FROM t"), "SELECT * FROM t"},
    {"query_with_values", false, 0x07,
     long_string("SELECT ? FROM t") + short_(1) + std::string(1, '\x05') + short_(1) + bytes("x") + int_(100),
     "SELECT ? FROM t"},
    {"query_with_named_values", false, 0x07,
     long_string("Q") + short_(1) + std::string(1, '\x41') + short_(1) + string("n") + bytes("x"), "Q"},
    {"prepare", false, 0x09, long_string("SELECT k FROM t WHERE k = ?"), "SELECT k FROM t WHERE k = ?"},
    {"execute", false, 0x0a, string("\x01\x02") + short_(1) + std::string(1, '\x01') + short_(2) + bytes("ab") + int_(-1),
     R"({"id":"0102","values":["6162",""]})"},
    {"batch", false, 0x0d,
     std::string(1, '\0') + short_(2) + std::string(1, '\0') + long_string("INSERT 1") + short_(0) +
         std::string(1, '\x01') + string("\xab") + short_(1) + bytes("v") + short_(1) + std::string(1, '\0'),
     R"(["INSERT 1","ab"])"},
    {"register", false, 0x0b, string_list({"TOPOLOGY_CHANGE", "SCHEMA_CHANGE"}), R"(["TOPOLOGY_CHANGE","SCHEMA_CHANGE"])"},
    {"auth_response_hidden", false, 0x0f, bytes(std::string("\0user\0secret", 12)), ""},
    {"ready", true, 0x02, "", ""},
    {"authenticate", true, 0x03, string("org.apache.cassandra.auth.PasswordAuthenticator"),
     "org.apache.cassandra.auth.PasswordAuthenticator"},
    {"supported", true, 0x06, short_(1) + string("COMPRESSION") + string_list({"lz4", "snappy"}),
     R"({"COMPRESSION":["lz4","snappy"]})"},
    {"error", true, 0x00, int_(0x2200) + string("unconfigured table x"), "[8704] unconfigured table x"},
    {"error_with_fields", true, 0x00, int_(0x1000) + string("Unavailable") + short_(1) + int_(3) + int_(1),
     "[4096] Unavailable"},
    {"result_void", true, 0x08, void_result(), "Response type = VOID"},
    {"result_rows", true, 0x08, rows_body(),
     "Response type = ROWS\nNumber of columns = 2\n[\"k\", \"v\"]\nNumber of rows = 3"},
    {"result_rows_no_metadata", true, 0x08, int_(2) + int_(0x0004) + int_(2) + int_(0),
     "Response type = ROWS\nNumber of columns = 2\n[]\nNumber of rows = 0"},
    {"result_set_keyspace", true, 0x08, int_(3) + string("wisp"), "Response type = SET_KEYSPACE\nKeyspace = wisp"},
    {"result_prepared", true, 0x08, int_(4) + string("\x0a\x0b") + int_(1) + int_(0) + int_(0) + int_(4) + int_(0),
     "Response type = PREPARED\nPrepared ID = 0a0b"},
    {"result_schema_change", true, 0x08, int_(5) + string("CREATED") + string("TABLE") + string("ks") + string("t"),
     "Response type = SCHEMA_CHANGE\nChange type = CREATED\nTarget = TABLE\nKeyspace = ks\nName = t"},
    {"event_status", true, 0x0c, string("STATUS_CHANGE") + string("UP") + std::string(1, '\x04') + std::string("\x7f\0\0\x01", 4) + int_(9042),
     "STATUS_CHANGE UP 127.0.0.1:9042"},
    {"event_schema", true, 0x0c, string("SCHEMA_CHANGE") + string("DROPPED") + string("KEYSPACE") + string("ks"),
     "SCHEMA_CHANGE\nChange type = DROPPED\nTarget = KEYSPACE\nKeyspace = ks"},
    {"tracing_and_warning_skipped", true, 0x08, std::string(16, 'T') + string_list({"careful"}) + void_result(),
     "Response type = VOID", flag_tracing | flag_warning},
    {"custom_payload_skipped", false, 0x07, short_(1) + string("k") + bytes("v") + query("Q"), "Q", flag_custom_payload},
    {"compressed_not_decoded", false, 0x07, "\x01\x02\x03", "", flag_compression},
  };
  return cases;
}

class cql_body : public ::testing::TestWithParam<body_case> {};

TEST_P(cql_body, renders_as_pixie_shows_it_and_consumes_the_frame) {
  const body_case& c = GetParam();
  std::string bytes = frame(c.response, 7, c.op, c.body, c.flags) + "trailing";
  message m;
  parse_result r = parse_message(c.response ? message_type::response : message_type::request, bytes, {}, m);
  ASSERT_EQ(r.state, parse_state::success);
  EXPECT_EQ(r.consumed, header_bytes + c.body.size());
  EXPECT_EQ(m.body, c.expected);
  EXPECT_EQ(static_cast<int>(m.op), c.op);
  EXPECT_EQ(m.stream, 7);
  EXPECT_EQ(m.version, 4);
  EXPECT_EQ(m.flags, c.flags);
}

INSTANTIATE_TEST_SUITE_P(cql, cql_body, ::testing::ValuesIn(body_cases()),
                         [](const auto& info) { return std::string{info.param.name}; });

struct state_case {
  const char* name;
  message_type type;
  std::string bytes;
  parse_state expected;
};

std::string header(std::uint8_t v, std::uint8_t flags, std::uint8_t op, std::uint32_t len) {
  return std::string{static_cast<char>(v), static_cast<char>(flags), '\0', '\x01', static_cast<char>(op)} + be(len, 4);
}

const std::vector<state_case>& state_cases() {
  static const std::vector<state_case> cases{
    {"empty", message_type::request, "", parse_state::needs_more_data},
    {"one_byte", message_type::request, "\x04", parse_state::needs_more_data},
    {"header_only", message_type::request, header(0x04, 0, 0x07, 20), parse_state::needs_more_data},
    {"v3", message_type::request, frame(false, 1, 0x05, "", 0, 3), parse_state::success},
    {"v5_before_segments", message_type::request, frame(false, 1, 0x05, "", 0, 5), parse_state::success},
    {"v2_rejected", message_type::request, frame(false, 1, 0x05, "", 0, 2), parse_state::invalid},
    {"v6_rejected", message_type::request, frame(false, 1, 0x05, "", 0, 6), parse_state::invalid},
    {"response_bit_on_request_side", message_type::request, frame(true, 1, 0x02, ""), parse_state::invalid},
    {"request_on_response_side", message_type::response, frame(false, 1, 0x05, ""), parse_state::invalid},
    {"unknown_flag", message_type::request, frame(false, 1, 0x05, "", 0x20), parse_state::invalid},
    {"response_opcode_from_client", message_type::request, header(0x04, 0, 0x08, 0), parse_state::invalid},
    {"opcode_4_unused", message_type::request, header(0x04, 0, 0x04, 0), parse_state::invalid},
    {"negative_stream_not_event", message_type::response, frame(true, -1, 0x08, void_result()), parse_state::invalid},
    {"negative_stream_event", message_type::response,
     frame(true, -1, 0x0c, string("SCHEMA_CHANGE") + string("DROPPED") + string("KEYSPACE") + string("k")),
     parse_state::success},
    {"body_shorter_than_its_fields", message_type::request, frame(false, 1, 0x07, long_string("SELECT") + short_(1)),
     parse_state::invalid},
    {"body_longer_than_its_fields", message_type::response, frame(true, 1, 0x08, void_result() + "x"),
     parse_state::invalid},
    {"unknown_result_kind", message_type::response, frame(true, 1, 0x08, int_(9)), parse_state::invalid},
    {"negative_column_count", message_type::response, frame(true, 1, 0x08, int_(2) + int_(0) + int_(-5)),
     parse_state::invalid},
    {"huge_column_count_without_bytes", message_type::response,
     frame(true, 1, 0x08, int_(2) + int_(1) + int_(0x7fffffff) + string("k") + string("t")), parse_state::invalid},
    {"type_nesting_too_deep", message_type::response,
     frame(true, 1, 0x08,
           int_(2) + int_(1) + int_(1) + string("k") + string("t") + string("c") + [] {
             std::string s;
             for (int i = 0; i < 40; ++i) s += short_(0x0020);
             return s + short_(0x0009);
           }() + int_(0)),
     parse_state::invalid},
    {"over_the_frame_limit", message_type::request, header(0x04, 0, 0x07, (2u << 20)), parse_state::oversize},
    {"length_2gib_is_not_cql", message_type::request, header(0x04, 0, 0x07, 0x7fffffffu), parse_state::invalid},
    {"length_sign_bit", message_type::request, header(0x04, 0, 0x07, 0xfffffff0u), parse_state::invalid},
    {"http_text", message_type::request, "GET / HTTP/1.1\r\n\r\n", parse_state::invalid},
  };
  return cases;
}

class cql_state : public ::testing::TestWithParam<state_case> {};

TEST_P(cql_state, gives_the_expected_state) {
  const state_case& c = GetParam();
  message m;
  parse_result r = parse_message(c.type, c.bytes, {}, m);
  EXPECT_EQ(r.state, c.expected);
  if (r.state == parse_state::success) {
    EXPECT_EQ(r.consumed, c.bytes.size());
  }
}

INSTANTIATE_TEST_SUITE_P(cql, cql_state, ::testing::ValuesIn(state_cases()),
                         [](const auto& info) { return std::string{info.param.name}; });

TEST(cql_parse, oversize_reports_the_full_frame_size_without_the_body) {
  message m;
  parse_result r = parse_message(message_type::request, header(0x04, 0, 0x07, 5u << 20), {}, m);
  ASSERT_EQ(r.state, parse_state::oversize);
  EXPECT_EQ(r.consumed, header_bytes + (5u << 20));
}

TEST(cql_parse, every_prefix_of_a_frame_needs_more_data) {
  std::string f = frame(true, 3, 0x08, int_(3) + string("wisp"));
  for (std::size_t n = 0; n < f.size(); ++n) {
    message m;
    EXPECT_EQ(parse_message(message_type::response, f.substr(0, n), {}, m).state, parse_state::needs_more_data) << n;
  }
}

TEST(cql_parse, long_bodies_are_cut_to_the_text_limit) {
  std::string q(5000, 'q');
  message m;
  parse_options opts;
  opts.max_body_text_bytes = 100;
  ASSERT_EQ(parse_message(message_type::request, request(1, 0x07, query(q)), opts, m).state, parse_state::success);
  EXPECT_EQ(m.body, std::string(100, 'q') + std::string{truncated_suffix});
}

TEST(cql_parse, boundary_and_classify_use_the_direction_bit) {
  std::string req = request(2, 0x05);
  std::string resp = response(2, 0x02);
  EXPECT_EQ(classify(req), message_type::request);
  EXPECT_EQ(classify(resp), message_type::response);
  EXPECT_EQ(classify("GET / HTTP/1.1\r\n"), std::nullopt);
  EXPECT_EQ(classify("\x04\x00"), std::nullopt);
  std::string junk = "xx\x04zzzzzzzzzz";
  EXPECT_EQ(find_frame_boundary(message_type::request, junk + req, 0), junk.size());
  EXPECT_EQ(find_frame_boundary(message_type::response, junk + req, 0), no_frame_boundary);
  EXPECT_EQ(find_frame_boundary(message_type::response, req + resp, 1), req.size());
}

}  // namespace
}  // namespace wisp::protocols::cql
