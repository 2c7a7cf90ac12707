#include "actors/exec/udtf_source.hpp"

#include <memory>

#include "pxl/functions.hpp"
#include "pxl/udtf.hpp"

namespace wisp::exec {

namespace {

using schemas::data_type;

/// Builds rows column by column and cuts them into batches of udtf_batch_rows.
class batch_builder {
 public:
  explicit batch_builder(const schemas::relation& rel) : rel_(rel) { start(); }

  schemas::column& col(std::size_t i) { return current_.columns.at(i); }
  /// Call after the row's every column got its value.
  void end_row() {
    if (current_.num_rows() >= udtf_batch_rows) flush();
  }
  std::vector<schemas::row_batch_ptr> finish() {
    flush();
    return std::move(out_);
  }

 private:
  void start() { current_ = schemas::make_empty_batch(rel_); }
  void flush() {
    if (current_.num_rows() > 0) out_.push_back(std::make_shared<schemas::row_batch>(std::move(current_)));
    start();
  }

  const schemas::relation& rel_;
  schemas::row_batch current_;
  std::vector<schemas::row_batch_ptr> out_;
};

std::string type_name(data_type t) { return std::string{schemas::to_string(t)}; }

std::string type_list(const std::vector<data_type>& types) {
  std::string s;
  for (auto t : types) s += (s.empty() ? "" : ",") + type_name(t);
  return s;
}

udtf_rows tables(const pxl::plan_node& node, const udtf_context& ctx, bool with_columns) {
  batch_builder b(node.output);
  if (!ctx.tables.names || !ctx.tables.find) return {{}, "no table catalog on this node"};
  for (const auto& name : ctx.tables.names()) {
    if (!with_columns) {
      b.col(0).push_string(name);
      b.col(1).push_string(ctx.tables.desc ? ctx.tables.desc(name) : std::string{});
      b.end_row();
      continue;
    }
    auto rel = ctx.tables.find(name);
    if (!rel) continue;  // dropped between names() and find()
    for (const auto& c : rel->columns) {
      b.col(0).push_string(name);
      b.col(1).push_string(c.name);
      b.col(2).push_string(type_name(c.type));
      b.col(3).push_string("UNSPECIFIED");
      b.col(4).push_string(c.desc);
      b.end_row();
    }
  }
  return {b.finish(), {}};
}

udtf_rows functions(const pxl::plan_node& node, const udtf_context& ctx, bool aggregates) {
  const auto& reg = ctx.functions ? *ctx.functions : pxl::function_registry::builtin();
  batch_builder b(node.output);
  if (aggregates) {
    for (const auto& f : reg.udas()) {
      b.col(0).push_string(f.name);
      b.col(1).push_string(type_name(f.result));
      b.col(2).push_string(type_name(f.arg));
      b.end_row();
    }
  } else {
    for (const auto& f : reg.udfs()) {
      b.col(0).push_string(f.name);
      b.col(1).push_string(type_name(f.result));
      b.col(2).push_string(type_list(f.args));
      b.end_row();
    }
  }
  return {b.finish(), {}};
}

udtf_rows udtf_list(const pxl::plan_node& node) {
  batch_builder b(node.output);
  for (const auto& u : pxl::builtin_udtfs()) {
    std::string args;
    for (const auto& a : u.args) {
      args += (args.empty() ? "" : ",") + a.name + " " + type_name(a.type);
      if (a.default_value) args += "=" + pxl::to_string(*a.default_value);
    }
    std::string rel;
    for (const auto& c : u.output.columns) rel += (rel.empty() ? "" : ",") + c.name + " " + type_name(c.type);
    b.col(0).push_string(u.name);
    b.col(1).push_string(u.executor);
    b.col(2).push_string(args);
    b.col(3).push_string(rel);
    b.end_row();
  }
  return {b.finish(), {}};
}

udtf_rows agent_status_rows(const pxl::plan_node& node, const pxl::udtf_source_op& op, const udtf_context& ctx) {
  if (!ctx.agents) return {{}, "px.GetAgentStatus: this node has no agent registry"};
  const bool include_kelvin =
      op.args.empty() || !std::holds_alternative<bool>(op.args[0].value) || std::get<bool>(op.args[0].value);
  batch_builder b(node.output);
  for (const auto& a : ctx.agents()) {
    if (a.is_kelvin && !include_kelvin) continue;
    b.col(0).push_uint128(a.agent_id);
    b.col(1).push_int(a.asid);
    b.col(2).push_string(a.hostname);
    b.col(3).push_string(a.ip_address);
    b.col(4).push_string(a.state);
    b.col(5).push_int(a.create_time_ns);
    b.col(6).push_int(a.last_heartbeat_ns);
    b.col(7).push_bool(a.kernel_headers_installed);
    b.end_row();
  }
  return {b.finish(), {}};
}

udtf_rows tracepoint_status_rows(const pxl::plan_node& node, const udtf_context& ctx) {
  if (!ctx.tracepoints) return {{}, "px.GetTracepointStatus: this node has no tracepoint manager"};
  batch_builder b(node.output);
  for (const auto& t : ctx.tracepoints()) {
    std::string tables = "[";
    for (std::size_t i = 0; i < t.tables.size(); ++i) tables += (i ? ",\"" : "\"") + t.tables[i] + "\"";
    b.col(0).push_uint128(t.id);
    b.col(1).push_string(t.name);
    b.col(2).push_string(t.state);
    b.col(3).push_string(t.status);
    b.col(4).push_string(tables + "]");
    b.end_row();
  }
  return {b.finish(), {}};
}

}  // namespace

udtf_rows run_udtf(const pxl::plan_node& node, const udtf_context& ctx) {
  const auto* op = std::get_if<pxl::udtf_source_op>(&node.op);
  if (op == nullptr) return {{}, "not a table-function node"};
  const pxl::udtf_def* def = pxl::find_udtf(op->name);
  if (def == nullptr || !(node.output == def->output))
    return {{}, "table function '" + op->name + "' is not typed"};
  if (op->name == "GetTables") return tables(node, ctx, false);
  if (op->name == "GetSchemas") return tables(node, ctx, true);
  if (op->name == "GetUDFList") return functions(node, ctx, false);
  if (op->name == "GetUDAList") return functions(node, ctx, true);
  if (op->name == "GetUDTFList") return udtf_list(node);
  if (op->name == "GetAgentStatus") return agent_status_rows(node, *op, ctx);
  if (op->name == "GetTracepointStatus") return tracepoint_status_rows(node, ctx);
  return {{}, "table function 'px." + op->name + "' is not implemented in Wisp yet"};
}

}  // namespace wisp::exec
