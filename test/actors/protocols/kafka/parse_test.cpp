// Kafka framing and body decoding, table-driven over hand-built messages (test/wire.hpp).
#include "actors/protocols/kafka/parse.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/protocols/kafka/decode.hpp"
#include "test/actors/protocols/kafka/wire.hpp"

namespace wisp::protocols::kafka {
namespace {

using namespace wire;

struct request_case {
  const char* name;
  std::string bytes;
  int api_key;
  std::string client_id;
  std::string body;
  bool expects_response = true;
};

std::vector<request_case> request_cases() {
  return {
      {"api_versions_v3_flexible", request(18, 3, 1, "rdkafka", true, cstr("librdkafka") + cstr("2.0.2") + no_tags), 18,
       "rdkafka", R"({"client_software_name":"librdkafka","client_software_version":"2.0.2"})"},
      {"api_versions_v0_empty_body", request(18, 0, 1, "c", false, ""), 18, "c", "{}"},
      {"metadata_v1", request(3, 1, 2, "c", false, i32(1) + str("wisp")), 3, "c", R"({"topics":[{"name":"wisp"}]})"},
      {"metadata_v1_all_topics_null", request(3, 1, 2, "c", false, i32(-1)), 3, "c", R"({"topics":[]})"},
      {"metadata_v9_flexible",
       request(3, 9, 7, "c", true, uvarint(2) + cstr("t") + no_tags + i8(1) + i8(0) + i8(0) + no_tags), 3, "c",
       R"({"topics":[{"name":"t"}],"allow_auto_topic_creation":true,"include_cluster_authorized_operations":false,)"
       R"("include_topic_authorized_operations":false})"},
      {"heartbeat_v4_flexible_null_instance",
       request(12, 4, 9, "c", true, cstr("g") + i32(3) + cstr("m-1") + uvarint(0) + no_tags), 12, "c",
       R"({"group_id":"g","generation_id":3,"member_id":"m-1","group_instance_id":""})"},
      {"produce_v3_acks_all",
       request(0, 3, 4, "p", false,
               i16(-1) + i16(-1) + i32(1500) + i32(1) + str("wisp") + i32(1) + i32(0) + i32(3) + "abc"),
       0, "p",
       R"({"transactional_id":"","acks":-1,"timeout_ms":1500,"topic_data":[{"name":"wisp","partition_data":)"
       R"([{"index":0,"records":{"size":3}}]}]})"},
      {"produce_v3_acks_0_gets_no_response",
       request(0, 3, 4, "p", false, i16(-1) + i16(0) + i32(1500) + i32(0)), 0, "p",
       R"({"transactional_id":"","acks":0,"timeout_ms":1500,"topic_data":[]})", false},
      {"list_offsets_v1",
       request(2, 1, 5, "c", false, i32(-1) + i32(1) + str("wisp") + i32(1) + i32(0) + i64(-2)), 2, "c",
       R"({"replica_id":-1,"topics":[{"name":"wisp","partitions":[{"partition_index":0,"timestamp":-2}]}]})"},
      {"find_coordinator_v4_flexible", request(10, 4, 6, "c", true, i8(0) + uvarint(2) + cstr("grp") + no_tags), 10,
       "c", R"({"key_type":0,"coordinator_keys":["grp"]})"},
      {"sync_group_v5_flexible_bytes",
       request(14, 5, 8, "c", true,
               cstr("g") + i32(1) + cstr("m") + uvarint(0) + cstr("consumer") + cstr("range") + uvarint(2) + cstr("m") +
                   uvarint(4) + "xyz" + no_tags + no_tags),
       14, "c",
       R"({"group_id":"g","generation_id":1,"member_id":"m","group_instance_id":"","protocol_type":"consumer",)"
       R"("protocol_name":"range","assignments":[{"member_id":"m","assignment":{"size":3}}]})"},
      {"unknown_api_has_empty_body", request(50, 0, 3, "c", false, "whatever"), 50, "c", ""},
      {"known_api_beyond_decoded_versions", request(0, 15, 3, "c", false, "x"), 0, "c", ""},
      {"lying_array_count_stops_with_error", request(3, 1, 2, "c", false, i32(1'000'000'000) + str("t")), 3, "c",
       R"({"topics":[],"error":true})"},
  };
}

TEST(kafka_parse, requests) {
  for (const request_case& c : request_cases()) {
    SCOPED_TRACE(c.name);
    message m;
    parse_result r = parse_message(message_type::request, c.bytes, {}, m);
    ASSERT_EQ(r.state, parse_state::success);
    EXPECT_EQ(r.consumed, c.bytes.size());
    EXPECT_EQ(m.api_key, c.api_key);
    EXPECT_EQ(m.client_id, c.client_id);
    EXPECT_EQ(m.body, c.body);
    EXPECT_EQ(m.expects_response, c.expects_response);
    // Every proper prefix needs more data; the classification sees a request.
    for (std::size_t n = 0; n < c.bytes.size(); ++n)
      ASSERT_EQ(parse_message(message_type::request, c.bytes.substr(0, n), {}, m).state, parse_state::needs_more_data)
          << n;
    EXPECT_EQ(classify(c.bytes), message_type::request);
    EXPECT_EQ(find_frame_boundary(message_type::request, "zz" + c.bytes, 0), 2u);
  }
}

TEST(kafka_parse, request_header_fields) {
  message m;
  std::string b = request(1, 4, 77, "kcat", false, "");
  ASSERT_EQ(parse_message(message_type::request, b + "next", {}, m).state, parse_state::success);
  EXPECT_EQ(m.correlation_id, 77);
  EXPECT_EQ(m.api_version, 4);
}

TEST(kafka_parse, invalid_requests) {
  struct bad {
    const char* name;
    std::string bytes;
  };
  for (const bad& c : std::vector<bad>{
           {"negative_size", i32(-5) + i16(0) + i16(0) + i32(1) + str("")},
           {"size_below_header", i32(4) + i16(0) + i16(0)},
           {"api_key_too_large", request(900, 0, 1, "c", false, "")},
           {"negative_api_key", request(-2, 0, 1, "c", false, "")},
           {"version_too_large", request(0, 99, 1, "c", false, "")},
           {"negative_correlation_id", request(0, 1, -1, "c", false, "")},
           {"client_id_length_below_minus_one", i32(10) + i16(0) + i16(1) + i32(1) + i16(-7)},
           {"client_id_past_the_message", i32(12) + i16(0) + i16(1) + i32(1) + i16(50) + "ab" + std::string(60, 'x')},
           {"text", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"},
       }) {
    SCOPED_TRACE(c.name);
    message m;
    EXPECT_EQ(parse_message(message_type::request, c.bytes, {}, m).state, parse_state::invalid);
    EXPECT_EQ(classify(c.bytes), std::nullopt);
  }
}

TEST(kafka_parse, huge_sizes_are_oversize_without_waiting_or_allocating) {
  // A 2 GiB - 1 size with a plausible header: skipped by its full size, decided from 16 bytes.
  std::string head = i32(0x7fffffff) + i16(0) + i16(3) + i32(1) + str("c");
  message m;
  parse_result r = parse_message(message_type::request, head, {}, m);
  EXPECT_EQ(r.state, parse_state::oversize);
  EXPECT_EQ(r.consumed, 4u + 0x7fffffffu);
  r = parse_message(message_type::response, i32(0x7fffffff) + i32(1), {}, m);
  EXPECT_EQ(r.state, parse_state::oversize);
  EXPECT_EQ(r.consumed, 4u + 0x7fffffffu);
  // The limit is the option's.
  parse_options small;
  small.max_message_bytes = 16;
  std::string b = request(3, 1, 2, "c", false, i32(1) + str("a-long-topic-name"));
  r = parse_message(message_type::request, b.substr(0, 20), small, m);
  EXPECT_EQ(r.state, parse_state::oversize);
  EXPECT_EQ(r.consumed, b.size());
  // A size with the top bit set is not a size.
  EXPECT_EQ(parse_message(message_type::response, i32(-1) + i32(1), {}, m).state, parse_state::invalid);
}

TEST(kafka_parse, responses_keep_their_payload_for_stitch) {
  message m;
  std::string b = response(42, i16(0) + i32(0));
  parse_result r = parse_message(message_type::response, b + "rest", {}, m);
  ASSERT_EQ(r.state, parse_state::success);
  EXPECT_EQ(r.consumed, b.size());
  EXPECT_EQ(m.correlation_id, 42);
  EXPECT_EQ(m.body, i16(0) + i32(0));
  EXPECT_FALSE(m.body_cut);
  for (std::size_t n = 0; n < b.size(); ++n)
    EXPECT_EQ(parse_message(message_type::response, b.substr(0, n), {}, m).state, parse_state::needs_more_data);
  parse_options cut;
  cut.max_payload_bytes = 2;
  ASSERT_EQ(parse_message(message_type::response, b, cut, m).state, parse_state::success);
  EXPECT_EQ(m.body, i16(0));
  EXPECT_TRUE(m.body_cut);
  EXPECT_EQ(parse_message(message_type::response, i32(3) + "abc", {}, m).state, parse_state::invalid);
}

struct response_case {
  const char* name;
  int key, version;
  std::string payload;
  bool cut;
  std::string json;
};

TEST(kafka_decode, responses) {
  std::vector<response_case> cases{
      {"api_versions_v3_header_v0", 18, 3,
       i16(0) + uvarint(2) + i16(0) + i16(0) + i16(3) + no_tags + i32(0) + no_tags, false,
       R"({"error_code":0,"api_keys":[{"api_key":0,"min_version":0,"max_version":3}],"throttle_time_ms":0})"},
      {"produce_v3", 0, 3,
       i32(1) + str("wisp") + i32(1) + i32(0) + i16(0) + i64(9) + i64(-1) + i32(0), false,
       R"({"responses":[{"name":"wisp","partition_responses":[{"index":0,"error_code":0,"base_offset":9,)"
       R"("log_append_time_ms":-1}]}],"throttle_time_ms":0})"},
      {"heartbeat_v4_flexible_header_tags_skipped", 12, 4,
       uvarint(1) + uvarint(0) + uvarint(2) + "zz" + i32(0) + i16(27) + no_tags, false,
       R"({"throttle_time_ms":0,"error_code":27})"},
      {"find_coordinator_v0", 10, 0, i16(0) + i32(1) + str("h") + i32(9092), false,
       R"({"error_code":0,"node_id":1,"host":"h","port":9092})"},
      {"fetch_v4_cut_payload", 1, 4, i32(0) + i32(1) + str("wisp") + i32(1) + i32(0), true,
       R"({"throttle_time_ms":0,"responses":[{"topic":"wisp","partitions":[{"partition_index":0)"
       R"(}]}],"truncated":true})"},
      {"unknown_api", 50, 0, i16(0), false, ""},
  };
  for (const response_case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(decode_body(message_type::response, static_cast<std::int16_t>(c.key), static_cast<std::int16_t>(c.version),
                          c.payload, c.cut, max_json_bytes),
              c.json);
  }
}

TEST(kafka_decode, output_stops_growing_past_the_limit) {
  std::string topics = i32(10000);
  for (int i = 0; i < 10000; ++i) topics += str("topic-" + std::to_string(i));
  std::string json = decode_body(message_type::request, 3, 1, topics, false, 1000);
  EXPECT_GT(json.size(), 1000u);
  EXPECT_LT(json.size(), 1100u);
}

TEST(kafka_parse, response_boundary_and_classify) {
  std::string b = response(3, i16(0));
  EXPECT_EQ(find_frame_boundary(message_type::response, i32(-1) + b, 0), 4u);
  EXPECT_EQ(find_frame_boundary(message_type::response, "", 0), no_frame_boundary);
  EXPECT_EQ(find_frame_boundary(message_type::request, std::string(64, '\xff'), 0), no_frame_boundary);
  EXPECT_EQ(classify("ab"), std::nullopt);
  // A binary client_id does not make a request.
  EXPECT_EQ(classify(request(0, 1, 1, std::string("\x01\x02", 2), false, "")), std::nullopt);
  // Nor does an empty one: that is what most responses look like read as a request.
  EXPECT_EQ(classify(request(0, 1, 1, "", false, "")), std::nullopt);
  EXPECT_EQ(classify(response(1, i16(0) + i32(0))), std::nullopt);
}

}  // namespace
}  // namespace wisp::protocols::kafka
