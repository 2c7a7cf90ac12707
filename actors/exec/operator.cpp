#include "actors/exec/operator.hpp"

#include "actors/exec/aggregate_operator.hpp"
#include "actors/exec/filter_operator.hpp"
#include "actors/exec/join_operator.hpp"
#include "actors/exec/limit_operator.hpp"
#include "actors/exec/map_operator.hpp"
#include "actors/exec/pass_through_operator.hpp"
#include "actors/exec/union_operator.hpp"

namespace wisp::exec {

namespace {

struct factory {
  const pxl::plan& plan;
  const pxl::plan_node& node;

  make_operator_result operator()(const pxl::memory_source_op&) const {
    return {nullptr, "memory_source nodes are read by the source actor, not an operator"};
  }
  make_operator_result operator()(const pxl::map_op& op) const {
    return {std::make_unique<map_operator>(op), {}};
  }
  make_operator_result operator()(const pxl::filter_op& op) const {
    return {std::make_unique<filter_operator>(op), {}};
  }
  make_operator_result operator()(const pxl::aggregate_op& op) const {
    const pxl::plan_node* parent = node.parents.empty() ? nullptr : plan.find(node.parents[0]);
    if (parent == nullptr) return {nullptr, "aggregate node has no parent"};
    std::vector<schemas::data_type> types;
    const auto& in = parent->output.columns;
    if (op.mode == pxl::aggregate_mode::final) {
      // The input is a partial aggregate's output: the groups, then one STRING state each.
      const std::size_t g = op.group_names.size();
      if (in.size() != g + op.aggregates.size())
        return {nullptr, "final aggregate: the input has " + std::to_string(in.size()) +
                             " columns, not the groups and one state per aggregate"};
      for (std::size_t i = 0; i < g; ++i) types.push_back(in[i].type);
      for (std::size_t i = g; i < in.size(); ++i)
        if (in[i].type != schemas::data_type::string)
          return {nullptr, "final aggregate: state column '" + in[i].name + "' is not STRING"};
    } else {
      for (auto g : op.groups) {
        if (g >= in.size()) return {nullptr, "aggregate group column out of range"};
        types.push_back(in[g].type);
      }
    }
    for (const auto& a : op.aggregates)
      if (a.uda == nullptr) return {nullptr, "aggregate '" + a.output_name + "' is not typed"};
    return {std::make_unique<aggregate_operator>(op, std::move(types)), {}};
  }
  make_operator_result operator()(const pxl::limit_op& op) const {
    return {std::make_unique<limit_operator>(op.n), {}};
  }
  make_operator_result operator()(const pxl::union_op& op) const {
    if (op.column_maps.size() != node.parents.size()) return {nullptr, "union node is not typed"};
    return {std::make_unique<union_operator>(op), {}};
  }
  make_operator_result operator()(const pxl::join_op& op) const {
    if (node.parents.size() != 2) return {nullptr, "join node needs two parents"};
    const pxl::plan_node* left = plan.find(node.parents[0]);
    const pxl::plan_node* right = plan.find(node.parents[1]);
    if (left == nullptr || right == nullptr) return {nullptr, "join node has a missing parent"};
    if (op.left_keys.size() != op.left_on.size() || op.right_keys.size() != op.left_keys.size())
      return {nullptr, "join node is not typed"};
    for (std::size_t i = 0; i < op.left_keys.size(); ++i)
      if (op.left_keys[i] >= left->output.columns.size() ||
          op.right_keys[i] >= right->output.columns.size())
        return {nullptr, "join key column out of range"};
    return {std::make_unique<join_operator>(op, left->output, right->output), {}};
  }
  make_operator_result operator()(const pxl::udtf_source_op&) const {
    return {nullptr, "udtf_source nodes are run by the source actor, not an operator"};
  }
  make_operator_result operator()(const pxl::result_sink_op&) const {
    return {std::make_unique<pass_through_operator>(), {}};
  }
  // Fed by the broker's query actor as the node's one parent (edge 0).
  make_operator_result operator()(const pxl::stream_source_op&) const {
    return {std::make_unique<pass_through_operator>(), {}};
  }
};

}  // namespace

make_operator_result make_operator(const pxl::plan& p, const pxl::plan_node& node) {
  return std::visit(factory{p, node}, node.op);
}

}  // namespace wisp::exec
