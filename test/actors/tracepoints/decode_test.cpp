// The decoder on hand-made events: every decode kind, sign extension, faults, and payloads that
// are shorter than the layout says (never read past them).
#include <gtest/gtest.h>

#include <cstring>

#include "actors/tracepoints/decode.hpp"

namespace wisp::tracepoints {
namespace {

using schemas::data_type;

capture_layout leaf(std::string name, decode_kind k, data_type t, std::uint16_t out, std::uint16_t size,
                    std::uint8_t bit) {
  return {std::move(name), k, t, out, size, bit, {}};
}

struct fixture {
  std::vector<capture_layout> layout;
  std::vector<std::uint8_t> payload = std::vector<std::uint8_t>(64, 0);
  wisp_dt_event ev{};

  fixture() {
    layout = {leaf("i8", decode_kind::int_signed, data_type::int64, 0, 1, 0),
              leaf("u16", decode_kind::int_unsigned, data_type::int64, 2, 2, 1),
              leaf("f32", decode_kind::float32, data_type::float64, 4, 4, 2),
              leaf("ok", decode_kind::boolean, data_type::boolean, 8, 1, 3),
              leaf("s", decode_kind::string, data_type::string, 10, 10, 4),
              leaf("tag", decode_kind::char_array, data_type::string, 20, 6, 5),
              leaf("lat", decode_kind::latency, data_type::int64, 0, 0, 6)};
    capture_layout obj{"obj", decode_kind::object, data_type::string, 0, 0, 7, {}};
    obj.members = {leaf("n", decode_kind::int_signed, data_type::int64, 26, 4, 7),
                   leaf("name", decode_kind::byte_array, data_type::string, 30, 8, 7)};
    layout.push_back(obj);
    payload[0] = 0xfe;  // -2
    payload[2] = 0xff;
    payload[3] = 0xff;  // 65535
    const float f = 1.5f;
    std::memcpy(&payload[4], &f, 4);
    payload[8] = 1;
    payload[10] = 3;
    std::memcpy(&payload[12], "abc", 3);
    std::memcpy(&payload[20], "xy\0zz", 5);
    const std::int32_t n = -7;
    std::memcpy(&payload[26], &n, 4);
    payload[30] = 2;
    std::memcpy(&payload[32], "q\"", 2);
    ev.payload_len = static_cast<std::uint32_t>(payload.size());
    ev.entry_ns = 1000;
    ev.return_ns = 1750;
  }
  schemas::row_batch batch() const {
    return schemas::make_empty_batch(schemas::relation{capture_columns(layout)});
  }
};

TEST(Decode, EveryKind) {
  fixture f;
  auto b = f.batch();
  EXPECT_EQ(decode(f.layout, f.ev, f.payload, b, 0), 0u);
  ASSERT_EQ(b.num_rows(), 1u);
  EXPECT_EQ(b.columns[0].ints()[0], -2);
  EXPECT_EQ(b.columns[1].ints()[0], 65535);
  EXPECT_DOUBLE_EQ(b.columns[2].floats()[0], 1.5);
  EXPECT_EQ(b.columns[3].bools()[0], 1);
  EXPECT_EQ(b.columns[4].strings().at(0), "abc");
  EXPECT_EQ(b.columns[5].strings().at(0), "xy");
  EXPECT_EQ(b.columns[6].ints()[0], 750);
  EXPECT_EQ(b.columns[7].strings().at(0), R"({"n":-7,"name":"q\""})");
}

TEST(Decode, FaultedValuesAreZeroOrEmptyAndCounted) {
  fixture f;
  f.ev.faults = (1U << 0) | (1U << 4) | (1U << 7);
  auto b = f.batch();
  EXPECT_EQ(decode(f.layout, f.ev, f.payload, b, 0), 3u);
  EXPECT_EQ(b.columns[0].ints()[0], 0);
  EXPECT_EQ(b.columns[1].ints()[0], 65535);
  EXPECT_EQ(b.columns[4].strings().at(0), "");
  EXPECT_EQ(b.columns[7].strings().at(0), "");
}

TEST(Decode, ShortPayloadNeverReadsPastIt) {
  fixture f;
  f.payload[10] = 200;  // a length beyond the slot is clamped to it
  auto b = f.batch();
  decode(f.layout, f.ev, std::span<const std::uint8_t>(f.payload).first(12), b, 0);
  EXPECT_EQ(b.columns[0].ints()[0], -2);
  EXPECT_EQ(b.columns[2].floats()[0], 1.5);
  EXPECT_EQ(b.columns[4].strings().at(0), "");  // bytes 12.. are missing
  EXPECT_EQ(b.columns[5].strings().at(0), "");
  f.ev.payload_len = 4;  // the header's length wins over a longer buffer
  auto b2 = f.batch();
  decode(f.layout, f.ev, f.payload, b2, 0);
  EXPECT_EQ(b2.columns[1].ints()[0], 65535);
  EXPECT_EQ(b2.columns[2].floats()[0], 0.0);
}

TEST(Decode, AppendsAtAColumnOffset) {
  fixture f;
  schemas::relation rel{{{"time_", data_type::time64ns, schemas::semantic_type::st_time_ns, ""}}};
  for (const auto& c : capture_columns(f.layout)) rel.columns.push_back(c);
  auto b = schemas::make_empty_batch(rel);
  b.columns[0].push_int(1);
  decode(f.layout, f.ev, f.payload, b, 1);
  EXPECT_TRUE(schemas::matches(b, rel));
  EXPECT_EQ(b.columns[1].ints()[0], -2);
}

}  // namespace
}  // namespace wisp::tracepoints
