#include "actors/protocols/pgsql/parse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/protocols/pgsql/payload.hpp"
#include "test/actors/protocols/pgsql/wire.hpp"

namespace wisp::protocols::pgsql {
namespace {

using wire::be16;
using wire::be32;
using wire::cstr;
using wire::msg;

constexpr std::uint32_t ssl_code = 80877103;
constexpr std::uint32_t protocol_3_0 = 196608;

std::string startup(std::string_view params) {
  return be32(static_cast<std::uint32_t>(params.size() + 8)) + be32(protocol_3_0) + std::string{params};
}

struct parse_case {
  std::string name;
  message_type type;
  std::string bytes;
  bool reply_due;
  parse_state state;
  std::size_t consumed;  // for success/oversize; 0 = whole input
  message_kind kind;
  char tag;
  std::string payload;
};

std::vector<parse_case> cases() {
  const auto q = msg('Q', cstr("SELECT 1"));
  const auto rq = message_type::request;
  const auto rs = message_type::response;
  const auto reg = message_kind::regular;
  const std::size_t big = default_max_message_bytes * 2;
  return {
      {"query", rq, q, false, parse_state::success, 0, reg, 'Q', cstr("SELECT 1")},
      {"query_then_more", rq, q + "Q\0", false, parse_state::success, q.size(), reg, 'Q', cstr("SELECT 1")},
      {"partial_header", rq, q.substr(0, 3), false, parse_state::needs_more_data, 0, reg, 0, ""},
      {"partial_body", rq, q.substr(0, q.size() - 1), false, parse_state::needs_more_data, 0, reg, 0, ""},
      {"backend_tag_from_client", rq, msg('Z', "I"), false, parse_state::invalid, 0, reg, 0, ""},
      {"length_below_itself", rq, "Q" + be32(3) + "abc", false, parse_state::invalid, 0, reg, 0, ""},
      {"sync_with_a_body", rq, msg('S', "x"), false, parse_state::invalid, 0, reg, 0, ""},
      {"terminate", rq, msg('X', ""), false, parse_state::success, 0, reg, 'X', ""},
      {"length_2gib_is_not_a_message", rq, "Q" + be32(0x80000000), false, parse_state::invalid, 0, reg, 0, ""},
      {"length_over_1gib_is_not_a_message", rq, "d" + be32(0x40000000), false, parse_state::invalid, 0, reg, 0, ""},
      {"oversize_is_skipped_whole", rq, "d" + be32(static_cast<std::uint32_t>(big)), false, parse_state::oversize, big + 1, reg, 0, ""},
      {"copy_data_payload_not_kept", rq, msg('d', "1,alpha\n"), false, parse_state::success, 0, reg, 'd', ""},
      {"describe_is_not_a_data_row", rq, msg('D', cstr("Pname")), false, parse_state::success, 0, reg, 'D', cstr("Pname")},
      {"ssl_request", rq, be32(8) + be32(ssl_code), false, parse_state::success, 8, message_kind::ssl_request, 0, be32(ssl_code)},
      {"ssl_request_partial", rq, be32(8), false, parse_state::needs_more_data, 0, reg, 0, ""},
      {"ssl_request_wrong_length", rq, be32(12) + be32(ssl_code) + be32(0), false, parse_state::invalid, 0, reg, 0, ""},
      {"gssenc_request", rq, be32(8) + be32(80877104), false, parse_state::success, 8, message_kind::gssenc_request, 0, be32(80877104)},
      {"cancel_request", rq, be32(16) + be32(80877102) + be32(7) + be32(9), false, parse_state::success, 16, message_kind::cancel_request, 0, be32(80877102) + be32(7) + be32(9)},
      {"startup", rq, startup(cstr("user") + cstr("u") + cstr("")), false, parse_state::success, 0, message_kind::startup, 0, be32(protocol_3_0) + cstr("user") + cstr("u") + cstr("")},
      {"startup_unterminated", rq, startup("user"), false, parse_state::invalid, 0, reg, 0, ""},
      {"startup_too_long", rq, be32(20000) + be32(protocol_3_0), false, parse_state::invalid, 0, reg, 0, ""},
      {"protocol_2_startup", rq, be32(9) + be32(0x20000) + std::string(1, '\0'), false, parse_state::invalid, 0, reg, 0, ""},
      {"ssl_refused", rs, "NR" + be32(8) + be32(0), true, parse_state::success, 1, message_kind::encryption_reply, 'N', ""},
      {"ssl_accepted", rs, "S\x16\x03\x01", true, parse_state::success, 1, message_kind::encryption_reply, 'S', ""},
      {"bare_n_without_request_is_no_notice", rs, "NR" + be32(8) + be32(0), false, parse_state::invalid, 0, reg, 0, ""},
      {"data_row_rendered", rs, msg('D', wire::data_row({"1", nullptr, "x"})), false, parse_state::success, 0, reg, 'D', "1,[NULL],x"},
      {"data_row_short", rs, msg('D', be16(2) + be32(1) + "1"), false, parse_state::invalid, 0, reg, 0, ""},
      {"data_row_value_past_end", rs, msg('D', be16(1) + be32(100) + "1"), false, parse_state::invalid, 0, reg, 0, ""},
      {"data_row_negative_length", rs, msg('D', be16(1) + be32(0xfffffff0)), false, parse_state::invalid, 0, reg, 0, ""},
      {"ready_for_query", rs, msg('Z', "I"), false, parse_state::success, 0, reg, 'Z', "I"},
      {"ready_for_query_too_long", rs, msg('Z', "II"), false, parse_state::invalid, 0, reg, 0, ""},
      {"parse_complete_with_body", rs, msg('1', "x"), false, parse_state::invalid, 0, reg, 0, ""},
      {"frontend_tag_from_server", rs, q, false, parse_state::invalid, 0, reg, 0, ""},
      {"command_complete", rs, msg('C', cstr("SELECT 2")), false, parse_state::success, 0, reg, 'C', cstr("SELECT 2")},
  };
}

class parse_table : public ::testing::TestWithParam<parse_case> {};

TEST_P(parse_table, parses) {
  const parse_case& c = GetParam();
  message m;
  parse_result r = parse_message(c.type, c.bytes, response_hint{c.reply_due}, {}, m);
  ASSERT_EQ(r.state, c.state);
  if (c.state == parse_state::oversize) {
    EXPECT_EQ(r.consumed, c.consumed);
  }
  if (c.state != parse_state::success) return;
  EXPECT_EQ(r.consumed, c.consumed ? c.consumed : c.bytes.size());
  EXPECT_EQ(m.kind, c.kind);
  EXPECT_EQ(m.tag, c.tag);
  EXPECT_EQ(m.payload, c.payload);
  EXPECT_EQ(m.rows, 1u);
}

INSTANTIATE_TEST_SUITE_P(pgsql, parse_table, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

TEST(pgsql_parse, every_prefix_of_a_message_needs_more_data) {
  std::vector<std::pair<message_type, std::string>> whole{
      {message_type::request, msg('P', cstr("") + cstr("SELECT $1") + be16(0))},
      {message_type::request, startup(cstr("user") + cstr("u") + cstr(""))},
      {message_type::response, msg('D', wire::data_row({"abc", nullptr}))},
      {message_type::response, msg('E', "SERROR" + std::string(1, '\0') + std::string(1, '\0'))},
  };
  for (const auto& [type, bytes] : whole) {
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      message m;
      EXPECT_EQ(parse_message(type, bytes.substr(0, n), {}, {}, m).state, parse_state::needs_more_data) << n;
    }
    message m;
    EXPECT_EQ(parse_message(type, bytes, {}, {}, m).state, parse_state::success);
  }
}

TEST(pgsql_parse, data_row_text_is_cut_at_the_limit) {
  std::string value(1000, 'v');
  parse_options o;
  o.max_row_text_bytes = 100;
  message m;
  auto bytes = msg('D', wire::data_row({value.c_str(), value.c_str()}));
  ASSERT_EQ(parse_response(bytes, {}, o, m).state, parse_state::success);
  EXPECT_EQ(m.payload, std::string(100, 'v'));
}

TEST(pgsql_parse, oversize_limit_is_an_option) {
  parse_options o;
  o.max_message_bytes = 16;
  auto bytes = msg('Q', cstr("SELECT 'a long query'"));
  message m;
  parse_result r = parse_request(bytes, o, m);
  EXPECT_EQ(r.state, parse_state::oversize);
  EXPECT_EQ(r.consumed, bytes.size());
}

TEST(pgsql_parse, frame_boundary_after_garbage) {
  std::string good = msg('Q', cstr("SELECT 1")) + msg('X', "");
  std::string garbage = "\x01\x02zzz";
  EXPECT_EQ(find_frame_boundary(message_type::request, garbage + good, 0), garbage.size());
  // From inside the query, the next boundary is the Terminate after it.
  EXPECT_EQ(find_frame_boundary(message_type::request, good, 1), good.size() - header_bytes);
  // A tag followed by an implausible length is skipped.
  EXPECT_EQ(find_frame_boundary(message_type::request, "Q\x7f\x7f\x7f\x7f" + good, 0), 5u);
  // A header cut by the end of the buffer may still be one.
  EXPECT_EQ(find_frame_boundary(message_type::request, garbage + "Q\0", 0), garbage.size());
  // Two consecutive headers are needed when the buffer holds the second.
  std::string lone = msg('Q', cstr("x")) + "zzzzzz";
  EXPECT_EQ(find_frame_boundary(message_type::request, lone, 0), no_frame_boundary);
  std::string ssl = be32(8) + be32(ssl_code);
  EXPECT_EQ(find_frame_boundary(message_type::request, "zz" + ssl, 0), 2u);
  std::string resp = msg('C', cstr("SELECT 1")) + msg('Z', "I");
  EXPECT_EQ(find_frame_boundary(message_type::response, "\xff" + resp, 0), 1u);
  EXPECT_EQ(find_frame_boundary(message_type::response, "zz" + msg('Q', cstr("x")), 0), no_frame_boundary);
}

TEST(pgsql_parse, classify) {
  EXPECT_EQ(classify(be32(8) + be32(ssl_code)), message_type::request);
  EXPECT_EQ(classify(startup(cstr(""))), message_type::request);
  EXPECT_EQ(classify(msg('Q', cstr("x"))), message_type::request);
  EXPECT_EQ(classify(msg('R', be32(0))), message_type::response);
  EXPECT_EQ(classify(msg('Z', "I")), message_type::response);
  // Tags both sides use are walked over.
  EXPECT_EQ(classify(msg('S', "") + msg('P', cstr("") + cstr("x") + be16(0))), message_type::request);
  EXPECT_EQ(classify(msg('D', wire::data_row({"1"})) + msg('C', cstr("SELECT 1")) + msg('Z', "I")),
            message_type::response);
  EXPECT_EQ(classify(msg('D', wire::data_row({"1"}))), std::nullopt);
  EXPECT_EQ(classify("GET / HTTP/1.1\r\n"), std::nullopt);
  EXPECT_EQ(classify(""), std::nullopt);
  EXPECT_EQ(classify("Z" + be32(99)), std::nullopt);
}

TEST(pgsql_payload, bind_with_per_parameter_formats) {
  std::string p = cstr("portal") + cstr("stmt") + be16(3) + be16(0) + be16(1) + be16(0) + be16(3) + be32(2) + "42" +
                  be32(2) + std::string("\x01\xff", 2) + be32(0xffffffff) + be16(1) + be16(1);
  auto b = decode_bind(p);
  ASSERT_TRUE(b);
  EXPECT_EQ(render_bind(*b),
            "portal=portal statement=stmt parameters=[[format=kText value=42], [format=kBinary value=\\x01ff], "
            "[format=kText value=[NULL]]] result_format_codes=[kBinary]");
  EXPECT_EQ(render_param_values(b->params), "42, \\x01ff, [NULL]");
}

TEST(pgsql_payload, malformed_payloads_are_rejected) {
  // Two format codes for three parameters.
  EXPECT_FALSE(decode_bind(cstr("") + cstr("") + be16(2) + be16(0) + be16(0) + be16(3)));
  // Format code 2 does not exist.
  EXPECT_FALSE(decode_bind(cstr("") + cstr("") + be16(1) + be16(2) + be16(0) + be16(0)));
  // A parameter count larger than the payload can hold does not allocate.
  EXPECT_FALSE(decode_bind(cstr("") + cstr("") + be16(0) + be16(0x7fff)));
  EXPECT_FALSE(decode_row_description(be16(0x7fff)));
  EXPECT_FALSE(decode_parse(cstr("") + cstr("SELECT 1") + be16(2) + be32(23)));
  EXPECT_FALSE(decode_target("X" + cstr("name")));
  EXPECT_FALSE(decode_target("S" + std::string("name")));
  EXPECT_FALSE(decode_text("no terminator"));
  EXPECT_FALSE(render_error("SERROR"));
}

TEST(pgsql_payload, error_fields_in_wire_order_unknown_ones_by_code) {
  std::string p = "SERROR" + std::string(1, '\0') + "C23505" + std::string(1, '\0') + "nitems_pkey" +
                  std::string(1, '\0') + "Yodd" + std::string(1, '\0') + std::string(1, '\0');
  EXPECT_EQ(render_error(p), "ERROR RESPONSE [Severity=ERROR Code=23505 ConstraintName=items_pkey Field:Y=odd]");
}

TEST(pgsql_payload, row_description_text) {
  std::string p = be16(2) + cstr("id") + be32(16395) + be16(1) + be32(23) + be16(4) + be32(0xffffffff) + be16(0) +
                  cstr("blob") + be32(0) + be16(0) + be32(17) + be16(0xffff) + be32(0xffffffff) + be16(1);
  auto f = decode_row_description(p);
  ASSERT_TRUE(f);
  EXPECT_EQ(render_row_description(*f),
            "ROW DESCRIPTION [name=id table_oid=16395 attr_num=1 type_oid=23 type_size=4 type_modifier=-1 "
            "fmt_code=kText] [name=blob table_oid=0 attr_num=0 type_oid=17 type_size=-1 type_modifier=-1 "
            "fmt_code=kBinary]");
  EXPECT_EQ(column_names(*f), "id,blob");
  EXPECT_EQ(render_row_description({}), "ROW DESCRIPTION []");
}

}  // namespace
}  // namespace wisp::protocols::pgsql
