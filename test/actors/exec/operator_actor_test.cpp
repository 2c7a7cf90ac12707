// The operator actors run a join the way a query does: batches and per-parent eos messages from
// two parents, in any interleaving, reach a result sink in the join's order.

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>

#include "actors/exec/operator_actor.hpp"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/scoped_actor.hpp"
#include "exec_test_util.hpp"
#include "pxl/compile.hpp"

namespace wisp::exec {
namespace {

TEST(operator_actor, join_holds_probe_batches_until_the_build_parent_ends) {
  auto p = testing::compile_tiny(
      "import px\nl = px.DataFrame('tiny')\nr = px.DataFrame('tiny')\n"
      "px.display(l.merge(r, how='left', left_on='service', right_on='service'))\n");
  const auto& join = testing::first_node<pxl::join_op>(p);
  const auto& limit = testing::first_node<pxl::limit_op>(p);
  const auto& sink = testing::first_node<pxl::result_sink_op>(p);

  std::mutex mu;
  std::vector<std::string> rows;  // "left service/left bytes|right bytes"
  std::promise<std::string> ended;
  auto results = std::make_shared<result_handler>();
  results->on_batch = [&](const std::string&, schemas::row_batch_ptr b) {
    std::lock_guard lock{mu};
    for (std::size_t r = 0; r < b->num_rows(); ++r)
      rows.push_back(std::string{b->columns[1].strings().at(r)} + "/" +
                     std::to_string(b->columns[2].ints()[r]) + "|" +
                     std::to_string(b->columns[6].ints()[r]));
  };
  results->on_end = [&](const std::string& table, const std::string& error) {
    ended.set_value(table + error);
  };

  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto [sink_actor, e1] = spawn_operator(sys, p, sink, nullptr, {}, results);
  ASSERT_TRUE(e1.empty()) << e1;
  auto [limit_actor, e2] = spawn_operator(sys, p, limit, nullptr, {{sink_actor, 0}}, results);
  ASSERT_TRUE(e2.empty()) << e2;
  auto [join_actor, e3] = spawn_operator(sys, p, join, nullptr, {{limit_actor, 0}}, results);
  ASSERT_TRUE(e3.empty()) << e3;

  caf::scoped_actor self{sys};
  auto send = [&](std::size_t parent, schemas::row_batch_ptr b) {
    self->send(join_actor, actors::batch_atom::value, parent, std::move(b));
  };
  send(0, testing::tiny_batch({1, 2}, {"a", "b"}, {1, 2}));      // probe before the build
  send(1, testing::tiny_batch({1, 2}, {"b", "a"}, {20, 10}));    // build
  self->send(join_actor, actors::eos_atom::value, std::size_t{1});  // build side complete
  send(0, testing::tiny_batch({3}, {"z"}, {3}));                  // streamed
  self->send(join_actor, actors::eos_atom::value, std::size_t{0});

  auto done = ended.get_future();
  ASSERT_EQ(done.wait_for(std::chrono::seconds{30}), std::future_status::ready);
  EXPECT_EQ(done.get(), "output");
  std::lock_guard lock{mu};
  EXPECT_EQ(rows, (std::vector<std::string>{"a/1|10", "b/2|20", "z/3|0"}));
}

// A UDTF source actor feeds the output limit, which reports the cut before the sink ends.
TEST(operator_actor, udtf_source_feeds_a_truncating_output_limit) {
  pxl::compile_options o;
  o.max_output_rows_per_table = 1;
  auto compiled = pxl::compile("import px\npx.display(px.GetSchemas(), 'tables')\n", o);
  ASSERT_TRUE(compiled.ok());
  const auto& p = compiled.plan;
  std::mutex mu;
  std::size_t rows = 0;
  std::vector<std::string> events;  // in arrival order
  std::promise<void> ended;
  auto results = std::make_shared<result_handler>();
  results->on_batch = [&](const std::string&, schemas::row_batch_ptr b) {
    std::lock_guard lock{mu};
    rows += b->num_rows();
  };
  results->on_truncated = [&](const std::string& table, std::int64_t limit) {
    std::lock_guard lock{mu};
    events.push_back("truncated " + table + " " + std::to_string(limit));
  };
  results->on_end = [&](const std::string& table, const std::string& error) {
    {
      std::lock_guard lock{mu};
      events.push_back("end " + table + error);
    }
    ended.set_value();
  };
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto [sink_actor, e1] = spawn_operator(sys, p, testing::first_node<pxl::result_sink_op>(p), nullptr, {}, results);
  ASSERT_TRUE(e1.empty()) << e1;
  auto [limit_actor, e2] =
      spawn_operator(sys, p, testing::first_node<pxl::limit_op>(p), nullptr, {{sink_actor, 0}}, results);
  ASSERT_TRUE(e2.empty()) << e2;
  auto [udtf_actor, e3] =
      spawn_operator(sys, p, testing::first_node<pxl::udtf_source_op>(p), nullptr, {{limit_actor, 0}}, results);
  ASSERT_TRUE(e3.empty()) << e3;
  auto done = ended.get_future();
  ASSERT_EQ(done.wait_for(std::chrono::seconds{30}), std::future_status::ready);
  std::lock_guard lock{mu};
  EXPECT_EQ(rows, 1u);
  EXPECT_EQ(events, (std::vector<std::string>{"truncated tables 1", "end tables"}));
}

}  // namespace
}  // namespace wisp::exec
