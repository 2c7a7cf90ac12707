#include "actors/protocols/mysql/parse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/protocols/mysql/payload.hpp"
#include "test/actors/protocols/mysql/wire.hpp"

namespace wisp::protocols::mysql {
namespace {

using wire::command;
using wire::le;
using wire::pkt;

constexpr auto rq = message_type::request;
constexpr auto rs = message_type::response;

struct parse_case {
  std::string name;
  message_type type;
  std::string bytes;
  parse_state state;
  std::size_t consumed;  // success/oversize
  std::uint8_t seq;
  std::string payload;
};

std::vector<parse_case> cases() {
  const std::string q = command(cmd::query, "SELECT 1");
  const std::string login(40, '\x85');
  return {
      {"query", rq, q, parse_state::success, q.size(), 0, "\x03SELECT 1"},
      {"query_then_more", rq, q + command(cmd::ping), parse_state::success, q.size(), 0, "\x03SELECT 1"},
      {"ping", rq, command(cmd::ping), parse_state::success, 5, 0, "\x0e"},
      {"stmt_close", rq, command(cmd::stmt_close, le(7, 4)), parse_state::success, 9, 0, std::string("\x19\x07\0\0\0", 5)},
      {"login_request", rq, pkt(1, login), parse_state::success, 44, 1, login},
      {"empty_header", rq, "", parse_state::needs_more_data, 0, 0, ""},
      {"partial_header", rq, q.substr(0, 3), parse_state::needs_more_data, 0, 0, ""},
      {"header_without_command", rq, q.substr(0, 4), parse_state::needs_more_data, 0, 0, ""},
      {"partial_payload", rq, q.substr(0, q.size() - 1), parse_state::needs_more_data, 0, 0, ""},
      {"unknown_command", rq, pkt(0, "\x20xyz"), parse_state::invalid, 0, 0, ""},
      {"empty_command", rq, pkt(0, ""), parse_state::invalid, 0, 0, ""},
      {"ping_with_a_tail", rq, pkt(0, "\x0ex"), parse_state::invalid, 0, 0, ""},
      {"stmt_close_too_short", rq, pkt(0, "\x19\x01"), parse_state::invalid, 0, 0, ""},
      {"handshake_packet_too_long", rq, le(max_handshake_bytes + 1, 3) + "\x01", parse_state::invalid, 0, 0, ""},
      {"ok", rs, pkt(1, wire::ok()), parse_state::success, 11, 1, wire::ok()},
      {"empty_server_packet", rs, pkt(3, ""), parse_state::success, 4, 3, ""},
      {"row_of_any_bytes", rs, pkt(7, "\x05hello"), parse_state::success, 10, 7, "\x05hello"},
      {"oversize_response", rs, le(default_max_packet_bytes + 1, 3) + "\x02" + "abc", parse_state::oversize,
       4 + default_max_packet_bytes + 1, 0, ""},
      {"oversize_query", rq, le(default_max_packet_bytes + 1, 3) + std::string(1, '\0') + "\x03SELECT", parse_state::oversize,
       4 + default_max_packet_bytes + 1, 0, ""},
      {"oversize_continued", rs, le(max_piece_payload, 3) + "\x01" + "abc", parse_state::oversize, 4 + max_piece_payload, 0, ""},
  };
}

class mysql_parse : public ::testing::TestWithParam<parse_case> {};

TEST_P(mysql_parse, table) {
  const parse_case& c = GetParam();
  packet p;
  parse_result r = parse_packet(c.type, c.bytes, {}, p);
  ASSERT_EQ(r.state, c.state);
  if (r.state == parse_state::success || r.state == parse_state::oversize) {
    EXPECT_EQ(r.consumed, c.consumed);
  }
  if (r.state == parse_state::success) {
    EXPECT_EQ(p.seq, c.seq);
    EXPECT_EQ(p.last_seq, c.seq);
    EXPECT_EQ(p.payload, c.payload);
  }
}

INSTANTIATE_TEST_SUITE_P(mysql, mysql_parse, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

TEST(mysql_parse, continuation_pieces_are_joined) {
  // A 0xffffff-byte piece, then one of 3 bytes: one frame of 0xffffff + 3 payload bytes.
  std::string first(max_piece_payload, 'a');
  first[0] = static_cast<char>(cmd::query);
  std::string bytes = pkt(0, first) + pkt(1, "bcd") + command(cmd::ping);
  parse_options big;
  big.max_packet_bytes = std::size_t{32} << 20;
  packet p;
  parse_result r = parse_packet(rq, bytes, big, p);
  ASSERT_EQ(r.state, parse_state::success);
  EXPECT_EQ(r.consumed, bytes.size() - 5);
  EXPECT_EQ(p.payload.size(), max_piece_payload + 3);
  EXPECT_TRUE(p.payload.ends_with("abcd"));
  EXPECT_EQ(p.seq, 0);
  EXPECT_EQ(p.last_seq, 1);
  // Every prefix waits for more.
  for (std::size_t n : {std::size_t{4}, first.size() + 4, first.size() + 7, bytes.size() - 6}) {
    EXPECT_EQ(parse_packet(rq, std::string_view{bytes}.substr(0, n), big, p).state, parse_state::needs_more_data) << n;
  }
  // A piece of exactly 0xffffff bytes ends with an empty one.
  std::string exact = pkt(0, first) + pkt(1, "");
  ASSERT_EQ(parse_packet(rq, exact, big, p).state, parse_state::success);
  EXPECT_EQ(p.payload.size(), max_piece_payload);
}

TEST(mysql_parse, oversize_across_pieces_counts_the_pieces_seen) {
  std::string first(max_piece_payload, 'x');
  std::string bytes = pkt(3, first) + pkt(4, "tail");
  parse_options opts;
  opts.max_packet_bytes = max_piece_payload + 1;  // the first piece fits, the whole does not
  packet p;
  parse_result r = parse_packet(rs, bytes, opts, p);
  EXPECT_EQ(r.state, parse_state::oversize);
  EXPECT_EQ(r.consumed, bytes.size());
  EXPECT_TRUE(p.payload.empty());
}

TEST(mysql_parse, frame_boundary) {
  const std::string q = command(cmd::query, "SELECT 1");
  const std::string junk = "\x01\x02\x03\xff\xfe";
  EXPECT_EQ(find_frame_boundary(rq, junk + q, 0), junk.size());
  EXPECT_EQ(find_frame_boundary(rq, q + q, 1), q.size());
  // A command whose next header is not a command is not a boundary.
  EXPECT_NE(find_frame_boundary(rq, command(cmd::ping) + pkt(5, "x"), 0), 0u);
  EXPECT_EQ(find_frame_boundary(rq, junk, 0), no_frame_boundary);
  const std::string answer = pkt(1, wire::ok()) + pkt(1, wire::err(1146, "42S02", "no"));
  EXPECT_EQ(find_frame_boundary(rs, junk + answer, 0), junk.size());
  EXPECT_EQ(find_frame_boundary(rs, answer, 1), pkt(1, wire::ok()).size());
  // A row in the middle of a result set is not an answer start; the next answer is.
  std::string rows = pkt(6, "\x01" "1\x05" "apple") + pkt(1, "\x02");
  EXPECT_EQ(find_frame_boundary(rs, rows, 0), pkt(6, "\x01" "1\x05" "apple").size());
  EXPECT_EQ(find_frame_boundary(rs, "", 0), no_frame_boundary);
}

TEST(mysql_parse, classify) {
  const std::string greeting = pkt(0, "\x0a" "10.11.19-MariaDB" + std::string(40, '\0'));
  EXPECT_EQ(classify(greeting), rs);
  EXPECT_EQ(classify(pkt(1, std::string(40, '\x85'))), rq);  // login request
  EXPECT_EQ(classify(command(cmd::query, "SELECT 1")), rq);
  EXPECT_EQ(classify(pkt(1, wire::ok())), rs);
  EXPECT_EQ(classify(pkt(1, "\x03")), rs);  // column count
  EXPECT_EQ(classify(pkt(1, wire::err(1045, "28000", "denied"))), rs);
  EXPECT_EQ(classify(pkt(0, "\x20")), std::nullopt);
  EXPECT_EQ(classify(pkt(9, "x")), std::nullopt);
  EXPECT_EQ(classify("\x01\x00"), std::nullopt);
}

TEST(mysql_payload, lenenc) {
  struct c {
    std::string bytes;
    std::optional<std::uint64_t> value;
    std::size_t left;
  };
  for (const c& t : std::vector<c>{{"\x05x", 5, 1},
                                   {"\xfc\x10\x27", 10000, 0},
                                   {"\xfd\x01\x02\x03", 0x030201, 0},
                                   {"\xfe" + le(0x0102030405060708, 8), 0x0102030405060708, 0},
                                   {"\xfc\x10", std::nullopt, 2},
                                   {"\xfb", std::nullopt, 1},
                                   {"\xff", std::nullopt, 1},
                                   {"", std::nullopt, 0}}) {
    std::string_view in = t.bytes;
    EXPECT_EQ(read_lenenc(in), t.value) << t.bytes;
    EXPECT_EQ(in.size(), t.left) << t.bytes;
  }
}

packet server(std::string payload) {
  packet p;
  p.seq = 1;
  p.payload = std::move(payload);
  return p;
}

TEST(mysql_payload, generic_answers) {
  EXPECT_TRUE(is_ok(server(wire::ok())));
  EXPECT_FALSE(is_ok(server(std::string(3, '\0'))));
  EXPECT_TRUE(is_eof(server(wire::eof())));
  EXPECT_FALSE(is_eof(server(wire::ok(2, 0xfe))));
  EXPECT_TRUE(is_eof_ok(server(wire::ok(2, 0xfe))));
  EXPECT_EQ(status_flags(server(wire::eof(0x000a))), 0x000a);
  EXPECT_EQ(status_flags(server(wire::ok(0x0008))), 0x0008);
  EXPECT_EQ(status_flags(server(wire::ok(0x0022, 0xfe))), 0x0022);
  EXPECT_EQ(status_flags(server(std::string("\x00\xfc", 2))), 0);
  EXPECT_EQ(error_message(server(wire::err(1146, "42S02", "Table 'x' doesn't exist"))), "Table 'x' doesn't exist");
  EXPECT_EQ(error_message(server("\xff\x10\x04Too many connections")), "Too many connections");  // no SQL state
  EXPECT_EQ(error_message(server("\xff\x10\x04#42")), "");
  struct count_case {
    std::string bytes;
    std::optional<std::uint64_t> count;
    bool definitions_follow;
  };
  for (const count_case& t : std::vector<count_case>{{"\x03", 3, true},
                                                     {"\x03\x01", 3, true},  // MariaDB: metadata follows
                                                     {std::string("\x03\0", 2), 3, false},  // cached
                                                     {std::string("\xfc\x00\x01", 3), 256, true},
                                                     {std::string(1, '\0'), std::nullopt, false},
                                                     {"\x03x", std::nullopt, false},
                                                     {"\x03\x01\x01", std::nullopt, false},
                                                     {"\xfc\x01\x20", std::nullopt, false}}) {  // 8193 > max_columns
    auto h = column_count(server(t.bytes));
    ASSERT_EQ(h.has_value(), t.count.has_value()) << t.bytes;
    if (h) {
      EXPECT_EQ(h->count, *t.count);
      EXPECT_EQ(h->definitions_follow, t.definitions_follow);
    }
  }
  EXPECT_TRUE(is_column_definition(server(wire::column_def("id"))));
  auto ok = decode_prepare_ok(server(wire::prepare_ok(7, 3, 2)));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->stmt_id, 7u);
  EXPECT_EQ(ok->num_columns, 3u);
  EXPECT_EQ(ok->num_params, 2u);
  EXPECT_FALSE(decode_prepare_ok(server(wire::ok())));
}

// COM_STMT_EXECUTE payload: command, id, flags, iterations, NULL bitmap, bound flag, types, values.
std::string execute(std::uint32_t id, std::string_view bitmap, bool bound, std::string_view types, std::string_view values) {
  return "\x17" + le(id, 4) + std::string(1, '\0') + le(1, 4) + std::string{bitmap} + (bound ? "\x01" : std::string(1, '\0')) +
         std::string{types} + std::string{values};
}

TEST(mysql_payload, execute_parameters_in_pixies_forms) {
  const std::string zero(1, '\0');
  std::vector<std::uint16_t> types;
  std::string values = le(static_cast<std::uint64_t>(-5), 8) + "\x05" "apple" + le(0x4024666666666666, 8) +
                       le(0xfffe, 2) + "\x7f" + le(0x41233333, 4) + "\x04\xda\x07\x0a\x11" + "\x05" "12.50";
  std::string t = le(0x08, 2) + le(0xfe, 2) + le(0x05, 2) + le(0x8002, 2) + le(0x01, 2) + le(0x04, 2) +
                  le(0x0a, 2) + le(0xf6, 2) + le(0x06, 2) + le(0x03, 2);
  std::string bitmap = le(0x200, 2);  // the 10th parameter is NULL
  auto s = render_execute(execute(1, bitmap, true, t, values), "? ? ? ? ? ? ? ? ? ? ?", 10, types);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, "-5 apple 10.200000 65534 127 10.200000 " + std::string{datetime_placeholder} + " 12.50 NULL NULL ?");
  EXPECT_EQ(types.size(), 10u);
  // A later execution without types reuses them.
  std::vector<std::uint16_t> two{0x08, 0xfe};
  auto again = render_execute(execute(1, zero, false, "", le(9, 8) + "\x02hi"), "a=? b=?", 2, two);
  EXPECT_EQ(again, "a=9 b=hi");
  // Without known types, or with values cut short, nothing is rendered.
  std::vector<std::uint16_t> none;
  EXPECT_EQ(render_execute(execute(1, zero, false, "", le(9, 8)), "a=?", 1, none), std::nullopt);
  EXPECT_EQ(render_execute(execute(1, zero, true, le(0x08, 2), le(9, 4)), "a=?", 1, none), std::nullopt);
  EXPECT_EQ(render_execute(execute(1, zero, true, le(0x08, 2) , le(9, 8)).substr(0, 9), "a=?", 1, none), std::nullopt);
  EXPECT_EQ(render_execute(execute(1, zero, true, le(0x42, 2), "x"), "a=?", 1, none), std::nullopt);
  // No parameters: the query as prepared.
  EXPECT_EQ(render_execute(execute(1, "", false, "", "").substr(0, 10), "SELECT 1", 0, none), "SELECT 1");
}

}  // namespace
}  // namespace wisp::protocols::mysql
