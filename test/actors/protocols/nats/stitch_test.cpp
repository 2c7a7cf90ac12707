#include "actors/protocols/nats/stitch.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/protocols/nats/parse.hpp"

namespace wisp::protocols::nats {
namespace {

message parsed(message_type type, const std::string& bytes, std::int64_t ts) {
  message m;
  EXPECT_EQ(parse_message(type, bytes, {}, m).state, parse_state::success) << bytes;
  m.timestamp_ns = ts;
  return m;
}
message client(const std::string& bytes, std::int64_t ts) { return parsed(message_type::request, bytes, ts); }
message server(const std::string& bytes, std::int64_t ts) { return parsed(message_type::response, bytes, ts); }

// "CMD|ack" per record, in order.
std::vector<std::string> summary(const std::vector<record>& rs) {
  std::vector<std::string> out;
  for (const record& r : rs) out.push_back(r.msg.command + "|" + r.resp.command);
  return out;
}

struct queues {
  std::deque<message> reqs;
  std::deque<message> resps;
  session state;
  stitch_counters counters;
  std::vector<record> out;
  void run(bool eos = false) { stitch(reqs, resps, eos, state, counters, out); }
};

const std::string verbose_connect = "CONNECT {\"verbose\":true}\r\n";
const std::string quiet_connect = "CONNECT {\"verbose\":false}\r\n";

TEST(nats_stitch, quiet_client_messages_are_records_without_ack) {
  queues q;
  q.reqs = {client(quiet_connect, 2), client("SUB foo 1\r\n", 3), client("PUB foo 1\r\nx\r\n", 4)};
  q.resps = {server("INFO {}\r\n", 1), server("MSG foo 1 1\r\nx\r\n", 5)};
  q.run();
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{"INFO|", "CONNECT|", "SUB|", "PUB|", "MSG|"}));
  EXPECT_TRUE(q.reqs.empty());
  EXPECT_TRUE(q.resps.empty());
  EXPECT_EQ(q.counters.errors, 0u);
  EXPECT_EQ(q.state.verbose, false);
}

TEST(nats_stitch, verbose_client_messages_carry_their_ack_in_order) {
  queues q;
  q.reqs = {client(verbose_connect, 2), client("PING\r\n", 3), client("SUB foo 1\r\n", 4),
            client("PUB foo 1\r\nx\r\n", 5), client("PUB bad..subj 1\r\nx\r\n", 6)};
  q.resps = {server("INFO {}\r\n", 1),   server("+OK\r\n", 3),           server("PONG\r\n", 4),
             server("+OK\r\n", 5),       server("MSG foo 1 1\r\nx\r\n", 6), server("+OK\r\n", 6),
             server("-ERR 'Invalid Publish Subject'\r\n", 7)};
  q.run();
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{"INFO|", "CONNECT|+OK", "PING|", "PONG|", "SUB|+OK",
                                                      "MSG|", "PUB|+OK", "PUB|-ERR"}));
  EXPECT_EQ(q.counters.attempts, 4u);
  EXPECT_EQ(q.counters.errors, 0u);
  // The record keeps the message's time; the ack's is on the response.
  EXPECT_EQ(q.out[1].msg.timestamp_ns, 2);
  EXPECT_EQ(q.out[1].resp.timestamp_ns, 3);
}

TEST(nats_stitch, verbose_message_waits_for_its_ack_across_rounds) {
  queues q;
  q.reqs = {client(verbose_connect, 1)};
  q.resps = {server("+OK\r\n", 2)};
  q.run();
  q.reqs.push_back(client("PUB foo 1\r\nx\r\n", 3));
  q.run();
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{"CONNECT|+OK"}));
  ASSERT_EQ(q.reqs.size(), 1u);
  q.run(true);
  EXPECT_EQ(q.reqs.size(), 1u);  // left for the tracker to count
  q.resps.push_back(server("+OK\r\n", 4));
  q.run();
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{"CONNECT|+OK", "PUB|+OK"}));
}

TEST(nats_stitch, ok_without_a_message_is_an_orphan) {
  queues q;
  q.resps = {server("+OK\r\n", 1), server("MSG foo 1 1\r\nx\r\n", 2)};
  q.run();
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{"MSG|"}));
  EXPECT_EQ(q.counters.attempts, 1u);
  EXPECT_EQ(q.counters.errors, 1u);
  EXPECT_EQ(q.counters.orphan_responses, 1u);
  EXPECT_EQ(q.state.verbose, true);  // only verbose clients get +OK
}

TEST(nats_stitch, ok_stamped_before_the_message_is_an_orphan) {
  queues q;
  q.state.verbose = true;
  q.reqs = {client("SUB foo 1\r\n", 5)};
  q.resps = {server("+OK\r\n", 4), server("+OK\r\n", 6)};
  q.run();
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{"SUB|+OK"}));
  EXPECT_EQ(q.out[0].resp.timestamp_ns, 6);
  EXPECT_EQ(q.counters.orphan_responses, 1u);
}

TEST(nats_stitch, err_for_a_quiet_client_is_a_record_of_its_own) {
  queues q;
  q.reqs = {client(quiet_connect, 1), client("SUB bad..subject 1\r\n", 2)};
  q.resps = {server("-ERR 'Invalid Subject'\r\n", 3)};
  q.run();
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{"CONNECT|", "SUB|", "-ERR|"}));
  EXPECT_EQ(q.out[2].msg.body, R"({"error":"Invalid Subject"})");
  EXPECT_EQ(q.counters.errors, 0u);
}

TEST(nats_stitch, mid_connection_ok_makes_the_session_verbose) {
  queues q;  // no CONNECT seen
  q.reqs = {client("SUB foo 1\r\n", 1), client("PUB foo 1\r\nx\r\n", 2)};
  q.resps = {server("+OK\r\n", 3), server("+OK\r\n", 4)};
  q.run();
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{"SUB|+OK", "PUB|+OK"}));
  EXPECT_EQ(q.counters.errors, 0u);
}

TEST(nats_stitch, connect_decides_verbosity_over_earlier_state) {
  queues q;
  q.state.verbose = true;
  q.reqs = {client(quiet_connect, 1), client("SUB foo 1\r\n", 2)};
  q.run();
  EXPECT_EQ(summary(q.out), (std::vector<std::string>{"CONNECT|", "SUB|"}));
}

}  // namespace
}  // namespace wisp::protocols::nats
