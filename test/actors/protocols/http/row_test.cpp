#include "actors/protocols/http/row.hpp"

#include <gtest/gtest.h>

#include "actors/protocols/http/protocol.hpp"
#include "schemas/http_events.hpp"
#include "test/actors/protocols/trace_fixture.hpp"

namespace wisp::protocols::http {
namespace {

using schemas::http_events;

std::vector<record> records_of(const std::string& file) {
  conn_meta m;
  m.role = schemas::trace_role::server;
  tracker t{{}, m};
  return test::run(t, test::to_chunks(test::load_trace("http/fixtures/" + file), true));
}

struct built_row {
  schemas::row_batch batch = schemas::make_empty_batch(schemas::to_relation(http_events));
  std::int64_t i(std::size_t col) const { return batch.columns[col].ints().at(0); }
  std::string_view s(std::size_t col) const { return batch.columns[col].strings().at(0); }
};

built_row row_of(const record& r, const conn_meta& meta = {}, const row_options& o = {}) {
  built_row b;
  append_row(b.batch, meta, r, o);
  EXPECT_TRUE(schemas::matches(b.batch, schemas::to_relation(http_events)));
  EXPECT_EQ(b.batch.num_rows(), 1u);
  return b;
}

TEST(http_row, json_response_from_python_server) {
  auto rs = records_of("py_expect_continue.trace");
  ASSERT_EQ(rs.size(), 1u);
  conn_meta meta;
  meta.upid = {7, 9};
  meta.local = {"10.0.0.1", 80};
  meta.remote = {"10.0.0.2", 5555};
  meta.role = schemas::trace_role::server;
  auto b = row_of(rs[0], meta);
  EXPECT_EQ(b.i(http_events.col("time_")), rs[0].resp.timestamp_ns);
  EXPECT_EQ(b.batch.columns[http_events.col("upid")].uint128s().at(0), (schemas::uint128{7, 9}));
  EXPECT_EQ(b.s(http_events.col("remote_addr")), "10.0.0.2");
  EXPECT_EQ(b.i(http_events.col("remote_port")), 5555);
  EXPECT_EQ(b.s(http_events.col("local_addr")), "10.0.0.1");
  EXPECT_EQ(b.i(http_events.col("local_port")), 80);
  EXPECT_EQ(b.i(http_events.col("trace_role")), 2);
  EXPECT_EQ(b.batch.columns[http_events.col("encrypted")].bools().at(0), 0);
  EXPECT_EQ(b.i(http_events.col("major_version")), 1);
  EXPECT_EQ(b.i(http_events.col("minor_version")), 1);
  EXPECT_EQ(b.i(http_events.col("content_type")), 1);
  EXPECT_EQ(b.s(http_events.col("req_method")), "POST");
  EXPECT_EQ(b.s(http_events.col("req_path")), "/json");
  EXPECT_EQ(b.s(http_events.col("req_body")), R"({"k":"v","n":12345})");
  EXPECT_EQ(b.i(http_events.col("req_body_size")), 19);
  EXPECT_EQ(b.i(http_events.col("resp_status")), 201);
  EXPECT_EQ(b.s(http_events.col("resp_message")), "Created");
  EXPECT_EQ(b.s(http_events.col("resp_body")), R"({"received":19})");
  EXPECT_EQ(b.i(http_events.col("resp_body_size")), 15);
  EXPECT_EQ(b.i(http_events.col("latency")), rs[0].resp.timestamp_ns - rs[0].req.timestamp_ns);
  std::string_view req_headers = b.s(http_events.col("req_headers"));
  EXPECT_TRUE(req_headers.starts_with(R"({"Accept":"*/*","Content-Length":"19","Content-Type":"application/json","Expect":"100-continue","Host":)"))
      << req_headers;
  EXPECT_TRUE(b.s(http_events.col("resp_headers")).find(R"("Content-Type":"application/json")") != std::string_view::npos);
}

TEST(http_row, form_body_is_url_decoded) {
  auto rs = records_of("nginx_post.trace");
  ASSERT_EQ(rs.size(), 1u);
  auto b = row_of(rs[0]);
  EXPECT_EQ(b.s(http_events.col("req_body")), "name=wisp agent&q=a&b");
  EXPECT_EQ(b.i(http_events.col("req_body_size")), 23);
  EXPECT_EQ(b.s(http_events.col("resp_body")), "echo\n");  // text/plain
}

TEST(http_row, response_body_filters_by_content_type) {
  auto rs = records_of("py_chunked.trace");
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(row_of(rs[0]).s(http_events.col("resp_body")), "hello chunked world\n");  // text/plain
  EXPECT_EQ(row_of(rs[0]).i(http_events.col("resp_body_size")), 20);
  EXPECT_EQ(row_of(rs[1]).s(http_events.col("resp_body")), "");  // 204, no content type
  EXPECT_EQ(row_of(rs[2]).s(http_events.col("resp_body")), removed_non_text_body);  // image/png
  EXPECT_EQ(row_of(rs[2]).i(http_events.col("resp_body_size")), 256);
  EXPECT_EQ(row_of(rs[2]).i(http_events.col("content_type")), 0);

  message no_type;
  no_type.body = "x";
  no_type.body_size = 1;
  EXPECT_EQ(response_body_column(no_type, {}), removed_unknown_body);
}

TEST(http_row, head_and_not_modified_have_empty_bodies) {
  auto head = records_of("nginx_head.trace");
  ASSERT_EQ(head.size(), 1u);
  EXPECT_EQ(row_of(head[0]).i(http_events.col("resp_body_size")), 0);
  auto nm = records_of("nginx_not_modified.trace");
  ASSERT_EQ(nm.size(), 1u);
  EXPECT_EQ(row_of(nm[0]).i(http_events.col("resp_status")), 304);
  EXPECT_EQ(row_of(nm[0]).s(http_events.col("resp_message")), "Not Modified");
  EXPECT_EQ(row_of(nm[0]).i(http_events.col("resp_body_size")), 0);
}

TEST(http_row, http10_minor_version) {
  auto rs = records_of("httpserver_get.trace");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(row_of(rs[0]).i(http_events.col("minor_version")), 0);
}

TEST(http_row, bodies_are_truncated_with_original_size) {
  record r;
  r.req.body = std::string(600, 'a');
  r.req.body_size = 5000;
  r.resp.headers.push_back({"Content-Type", "text/html"});
  r.resp.body = std::string(1024, 'b');
  r.resp.body_size = 1 << 20;
  row_options o;
  o.max_body_bytes = 10;
  auto b = row_of(r, {}, o);
  EXPECT_EQ(b.s(http_events.col("req_body")), "aaaaaaaaaa... [TRUNCATED]");
  EXPECT_EQ(b.i(http_events.col("req_body_size")), 5000);
  EXPECT_EQ(b.s(http_events.col("resp_body")).size(), 10 + truncated_suffix.size());
  EXPECT_EQ(b.i(http_events.col("resp_body_size")), 1 << 20);
  EXPECT_EQ(row_of(r).s(http_events.col("req_body")).size(), default_max_body_bytes + truncated_suffix.size());
}

TEST(http_row, content_type_detection) {
  message m;
  m.headers.push_back({"content-type", "application/grpc+proto"});
  EXPECT_EQ(detect_content_type(m), content_type::grpc);
  m.headers[0].value = "application/problem+JSON; charset=utf-8";
  EXPECT_EQ(detect_content_type(m), content_type::json);
  m.headers[0].value = "text/html";
  EXPECT_EQ(detect_content_type(m), content_type::unknown);
}

TEST(http_row, header_json_is_escaped_sorted_and_cut_to_valid_json) {
  std::vector<header> h{{"b", "q\"uote\\"}, {"A", "ctl\x01\n"}, {"c", "bad\xff utf8 \xc3\xa9"}};
  EXPECT_EQ(headers_to_json(h, default_max_headers_json_bytes),
            R"({"A":"ctl\u0001\n","b":"q\"uote\\","c":"bad\ufffd utf8 )" "\xc3\xa9" R"("})");
  std::vector<header> many;
  for (int i = 0; i < 1000; ++i) many.push_back({"X-Header-" + std::to_string(i), std::string(20, 'v')});
  std::string json = headers_to_json(many, default_max_headers_json_bytes);
  EXPECT_LE(json.size(), default_max_headers_json_bytes);
  EXPECT_GT(json.size(), default_max_headers_json_bytes - 64);
  EXPECT_EQ(json.back(), '}');
  EXPECT_EQ(headers_to_json({}, default_max_headers_json_bytes), "{}");
}

TEST(http_row, url_decode) {
  EXPECT_EQ(url_decode("a+b%20c%2fd%zz%4"), "a b c/d%zz%4");
}

}  // namespace
}  // namespace wisp::protocols::http
