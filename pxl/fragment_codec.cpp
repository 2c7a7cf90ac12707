#include "pxl/fragment_codec.hpp"

#include <bit>
#include <cstring>
#include <map>
#include <set>

#include <flatbuffers/flatbuffers.h>

#include "pxl/functions.hpp"
#include "pxl/types.hpp"
#include "schemas/plan_generated.h"

namespace wisp::pxl {

namespace {

namespace fb = flatbuffers;
namespace pw = plan_wire;
using schemas::data_type;

constexpr const char* identifier = "WSPF";

std::string node_prefix(node_id id, std::string_view kind) {
  return "node " + std::to_string(id) + " (" + std::string{kind} + "): ";
}

std::string str(const fb::String* s) { return s ? s->str() : std::string{}; }

// Errors quote names from the bytes: keep them one printable line of bounded length.
std::string one_line(std::string e) {
  constexpr std::size_t max_error = 512;
  for (auto& c : e)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  if (e.size() > max_error) e = e.substr(0, max_error) + "...";
  return e;
}

// --- encoding --------------------------------------------------------------------------------

class encoder {
 public:
  std::optional<std::string> run(const plan& p, std::string& error) {
    if (p.nodes.size() > fragment_limits::max_nodes) {
      error = "the fragment has " + std::to_string(p.nodes.size()) + " nodes, more than " +
              std::to_string(fragment_limits::max_nodes);
      return std::nullopt;
    }
    std::vector<fb::Offset<pw::Node>> nodes;
    for (const auto& n : p.nodes) {
      prefix_ = node_prefix(n.id, op_name(n.op));
      auto [type, op] = std::visit([&](const auto& o) { return encode_op(o); }, n.op);
      if (!error_.empty()) {
        error = error_;
        return std::nullopt;
      }
      auto parents = b_.CreateVector(n.parents);
      nodes.push_back(pw::CreateNode(b_, n.id, parents, type, op));
    }
    auto root = pw::CreateFragment(b_, fragment_version, b_.CreateVector(nodes));
    b_.Finish(root, identifier);
    return std::string{reinterpret_cast<const char*>(b_.GetBufferPointer()), b_.GetSize()};
  }

 private:
  using op_offset = std::pair<pw::NodeOp, fb::Offset<void>>;

  void fail(std::string what) {
    if (error_.empty()) error_ = prefix_ + what;
  }
  bool too_many(std::size_t n, std::string_view what) {
    if (n <= fragment_limits::max_columns) return false;
    fail(std::to_string(n) + " " + std::string{what} + ", more than " +
         std::to_string(fragment_limits::max_columns));
    return true;
  }
  fb::Offset<fb::Vector<fb::Offset<fb::String>>> strings(const std::vector<std::string>& v) {
    std::vector<fb::Offset<fb::String>> out;
    for (const auto& s : v) out.push_back(b_.CreateString(s));
    return b_.CreateVector(out);
  }

  fb::Offset<pw::Literal> encode_literal(const scalar& v) {
    auto s = v.type == data_type::string ? b_.CreateString(std::get<std::string>(v.value)) : 0;
    pw::LiteralBuilder lb(b_);
    lb.add_data_type(static_cast<std::uint8_t>(v.type));
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, bool>) lb.add_b(x);
          else if constexpr (std::is_same_v<T, std::int64_t>) lb.add_i(x);
          else if constexpr (std::is_same_v<T, double>) lb.add_f(x);
          else if constexpr (std::is_same_v<T, schemas::uint128>) {
            const wire::Uint128 u{x.high, x.low};
            lb.add_u(&u);
          }
        },
        v.value);
    if (v.type == data_type::string) lb.add_s(s);
    return lb.Finish();
  }

  fb::Offset<pw::Expression> encode_expr(const expression& e, std::size_t depth) {
    if (depth > fragment_limits::max_expression_depth) {
      fail("an expression nests deeper than " + std::to_string(fragment_limits::max_expression_depth));
      return 0;
    }
    if (e.kind == expression_kind::metadata) {
      fail("a metadata expression (ctx['" + e.column_name + "']) is not typed");
      return 0;
    }
    if (e.type == data_type::unknown) fail("an expression is not typed");
    const auto type = static_cast<std::uint8_t>(e.type);
    const auto semantic = static_cast<std::uint16_t>(e.semantic);
    switch (e.kind) {
      case expression_kind::column:
        return pw::CreateExpression(b_, pw::ExpressionKind::Column, type, semantic,
                                    static_cast<std::uint32_t>(e.column_index),
                                    b_.CreateString(e.column_name));
      case expression_kind::literal:
        return pw::CreateExpression(b_, pw::ExpressionKind::Literal, type, semantic, 0, 0,
                                    encode_literal(e.literal));
      case expression_kind::call: {
        if (e.args.size() > fragment_limits::max_call_args) {
          fail("px." + e.function + " has more than " + std::to_string(fragment_limits::max_call_args) + " arguments");
          return 0;
        }
        std::vector<fb::Offset<pw::Expression>> args;
        for (const auto& a : e.args) args.push_back(encode_expr(a, depth + 1));
        auto fn = b_.CreateString(e.function);
        return pw::CreateExpression(b_, pw::ExpressionKind::Call, type, semantic, 0, 0, 0, fn,
                                    b_.CreateVector(args));
      }
      case expression_kind::metadata: break;
    }
    return 0;
  }

  op_offset encode_op(const memory_source_op& o) {
    too_many(o.columns.size(), "columns");
    auto table = b_.CreateString(o.table);
    auto cols = strings(o.columns);
    return {pw::NodeOp::MemorySource,
            pw::CreateMemorySource(b_, table, o.start_ns.has_value(), o.start_ns.value_or(0),
                                   o.end_ns.has_value(), o.end_ns.value_or(0), cols)
                .Union()};
  }
  op_offset encode_op(const map_op& o) {
    if (o.keep_input_columns || !o.drop_columns.empty()) fail("the map is not typed");
    too_many(o.exprs.size(), "expressions");
    std::vector<fb::Offset<pw::NamedExpression>> exprs;
    for (const auto& e : o.exprs) {
      auto name = b_.CreateString(e.name);
      exprs.push_back(pw::CreateNamedExpression(b_, name, encode_expr(e.expr, 0)));
    }
    return {pw::NodeOp::Map, pw::CreateMap(b_, b_.CreateVector(exprs)).Union()};
  }
  op_offset encode_op(const filter_op& o) {
    return {pw::NodeOp::Filter, pw::CreateFilter(b_, encode_expr(o.predicate, 0)).Union()};
  }
  op_offset encode_op(const limit_op& o) {
    return {pw::NodeOp::Limit, pw::CreateLimit(b_, o.n, b_.CreateString(o.result_table)).Union()};
  }
  op_offset encode_op(const aggregate_op& o) {
    if (o.mode == aggregate_mode::final) fail("a final aggregate runs on the broker, not in a fragment");
    if (o.groups.size() != o.group_names.size()) fail("the aggregate is not typed");
    too_many(o.group_names.size() + o.aggregates.size(), "groups and aggregates");
    std::vector<fb::Offset<pw::AggregateExpr>> aggs;
    for (const auto& a : o.aggregates) {
      if (a.arg.kind != expression_kind::column) fail("aggregate '" + a.output_name + "' is not over a column");
      auto name = b_.CreateString(a.output_name);
      auto fn = b_.CreateString(a.function);
      aggs.push_back(pw::CreateAggregateExpr(b_, name, fn, encode_expr(a.arg, 0)));
    }
    std::vector<std::uint32_t> groups;
    for (auto g : o.groups) groups.push_back(static_cast<std::uint32_t>(g));
    auto names = strings(o.group_names);
    auto mode = o.mode == aggregate_mode::partial ? pw::AggregateMode::Partial : pw::AggregateMode::Full;
    return {pw::NodeOp::Aggregate,
            pw::CreateAggregate(b_, mode, names, b_.CreateVector(groups), b_.CreateVector(aggs)).Union()};
  }
  op_offset encode_op(const result_sink_op& o) {
    return {pw::NodeOp::ResultSink, pw::CreateResultSink(b_, b_.CreateString(o.name)).Union()};
  }
  template <class Op>
  op_offset encode_op(const Op&) {
    fail("this kind of node runs on the broker, never in an agent's fragment");
    return {pw::NodeOp::NONE, 0};
  }

  fb::FlatBufferBuilder b_;
  std::string prefix_;
  std::string error_;
};

// --- decoding --------------------------------------------------------------------------------

bool valid_semantic(std::uint16_t v) {
  const auto t = static_cast<schemas::semantic_type>(v);
  return t == schemas::semantic_type::st_unspecified || schemas::to_string(t) != "ST_UNSPECIFIED";
}

class decoder {
 public:
  decoder(const function_registry& functions, const table_catalog& tables) {
    opts_.functions = &functions;
    opts_.tables = tables;
    if (!opts_.tables.names) opts_.tables.names = [] { return std::vector<std::string>{}; };
    if (!opts_.tables.desc) opts_.tables.desc = [](std::string_view) { return std::string{}; };
  }

  std::optional<plan> run(const pw::Fragment& f, std::string& error) {
    if (!opts_.tables.find) {
      error = "no table catalog to check the fragment against";
      return std::nullopt;
    }
    const auto* nodes = f.nodes();
    if (nodes == nullptr || nodes->size() == 0) {
      error = "the fragment has no nodes";
      return std::nullopt;
    }
    if (nodes->size() > fragment_limits::max_nodes) {
      error = "the fragment has " + std::to_string(nodes->size()) + " nodes, more than " +
              std::to_string(fragment_limits::max_nodes);
      return std::nullopt;
    }
    plan p;
    p.nodes.reserve(nodes->size());
    for (const auto* fn : *nodes) {
      if (!decode_node(*fn, p)) {
        error = prefix_ + why_;
        return std::nullopt;
      }
    }
    return p;
  }

 private:
  bool fail(std::string why) {
    why_ = std::move(why);
    return false;
  }

  bool decode_node(const pw::Node& fn, plan& p) {
    plan_node n;
    n.id = fn.id();
    prefix_ = "node " + std::to_string(n.id) + ": ";
    if (!index_.emplace(n.id, p.nodes.size()).second) return fail("a second node with this id");
    std::vector<const schemas::relation*> inputs;
    if (const auto* parents = fn.parents()) {
      // The Verifier checks a vector's length field, not that its 8-byte elements are aligned:
      // copy them out (FlatBuffers is little-endian, as the host) instead of loading them.
      static_assert(std::endian::native == std::endian::little);
      for (fb::uoffset_t i = 0; i < parents->size(); ++i) {
        node_id parent = 0;
        std::memcpy(&parent, parents->Data() + i * sizeof(node_id), sizeof(node_id));
        auto it = index_.find(parent);
        if (it == index_.end() || parent == n.id)
          return fail("parent " + std::to_string(parent) + " is not an earlier node of the fragment");
        n.parents.push_back(parent);
        inputs.push_back(&p.nodes[it->second].output);
      }
    }
    bool ok = false;
    std::size_t want_parents = 1;
    static constexpr const char* kinds[] = {"", "memory_source", "map", "filter", "limit", "aggregate", "result_sink"};
    const auto kind = static_cast<std::size_t>(fn.op_type());
    if (kind > 0 && kind < std::size(kinds)) prefix_ = node_prefix(n.id, kinds[kind]);
    // The Verifier accepts a union whose type is set and whose value is absent.
    if (kind != 0 && fn.op() == nullptr) return fail("the node's op is missing");
    switch (fn.op_type()) {
      case pw::NodeOp::MemorySource:
        ok = decode(*fn.op_as_MemorySource(), n);
        want_parents = 0;
        break;
      case pw::NodeOp::Map: ok = decode(*fn.op_as_Map(), n); break;
      case pw::NodeOp::Filter: ok = decode(*fn.op_as_Filter(), n); break;
      case pw::NodeOp::Limit: ok = decode(*fn.op_as_Limit(), n); break;
      case pw::NodeOp::Aggregate: ok = decode(*fn.op_as_Aggregate(), n); break;
      case pw::NodeOp::ResultSink: ok = decode(*fn.op_as_ResultSink(), n); break;
      default: return fail("not a node kind a fragment may hold (op type " + std::to_string(static_cast<int>(fn.op_type())) + ")");
    }
    if (!ok) return false;
    if (n.parents.size() != want_parents)
      return fail("has " + std::to_string(n.parents.size()) + " parents, takes " + std::to_string(want_parents));
    diagnostics diags{"fragment"};
    if (!resolve_node(n, inputs, opts_, diags))
      return fail(diags.list().empty() ? "does not type" : diags.list().front().message);
    if (!check_resolved(fn, n, inputs)) return false;
    p.nodes.push_back(std::move(n));
    return true;
  }

  // Strings naming an output: non-empty, and at most max_columns of them.
  bool names(const fb::Vector<fb::Offset<fb::String>>* v, std::vector<std::string>& out, std::string_view what) {
    if (v == nullptr) return true;
    if (v->size() > fragment_limits::max_columns) return fail("more than " + std::to_string(fragment_limits::max_columns) + " " + std::string{what});
    for (const auto* s : *v) {
      if (s == nullptr || s->size() == 0) return fail("an empty name in its " + std::string{what});
      out.push_back(s->str());
    }
    return true;
  }

  bool decode(const pw::MemorySource& f, plan_node& n) {
    memory_source_op op;
    op.table = str(f.table());
    if (f.has_start()) op.start_ns = f.start_ns();
    if (f.has_end()) op.end_ns = f.end_ns();
    if (!names(f.columns(), op.columns, "columns")) return false;
    if (op.columns.empty()) return fail("reads no columns");
    n.op = std::move(op);
    return true;
  }

  bool decode(const pw::Map& f, plan_node& n) {
    map_op op;
    const auto* exprs = f.exprs();
    if (exprs == nullptr || exprs->size() == 0) return fail("computes no columns");
    if (exprs->size() > fragment_limits::max_columns) return fail("more than " + std::to_string(fragment_limits::max_columns) + " expressions");
    for (const auto* e : *exprs) {
      named_expression ne;
      ne.name = str(e->name());
      if (ne.name.empty()) return fail("an output column without a name");
      if (!decode_expr(e->expr(), 0, ne.expr)) return false;
      op.exprs.push_back(std::move(ne));
    }
    n.op = std::move(op);
    return true;
  }

  bool decode(const pw::Filter& f, plan_node& n) {
    filter_op op;
    if (!decode_expr(f.predicate(), 0, op.predicate)) return false;
    n.op = std::move(op);
    return true;
  }

  bool decode(const pw::Limit& f, plan_node& n) {
    if (f.n() < 0) return fail("a negative row count " + std::to_string(f.n()));
    n.op = limit_op{f.n(), str(f.result_table())};
    return true;
  }

  bool decode(const pw::Aggregate& f, plan_node& n) {
    aggregate_op op;
    switch (f.mode()) {
      case pw::AggregateMode::Full: op.mode = aggregate_mode::full; break;
      case pw::AggregateMode::Partial: op.mode = aggregate_mode::partial; break;
      default: return fail("aggregate mode " + std::to_string(static_cast<int>(f.mode())) + " is not full or partial");
    }
    if (!names(f.group_names(), op.group_names, "group columns")) return false;
    const std::size_t groups = f.groups() ? f.groups()->size() : 0;
    if (groups != op.group_names.size())
      return fail(std::to_string(groups) + " group indexes for " + std::to_string(op.group_names.size()) + " group names");
    const auto* aggs = f.aggregates();
    if (aggs != nullptr && aggs->size() > fragment_limits::max_columns) return fail("more than " + std::to_string(fragment_limits::max_columns) + " aggregates");
    if (aggs != nullptr) {
      for (const auto* a : *aggs) {
        aggregate_expr e;
        e.output_name = str(a->output_name());
        e.function = str(a->function());
        if (e.output_name.empty()) return fail("an aggregate without a name");
        if (a->arg() == nullptr || a->arg()->kind() != pw::ExpressionKind::Column)
          return fail("aggregate '" + e.output_name + "' is not over a column");
        if (!decode_expr(a->arg(), 0, e.arg)) return false;
        op.aggregates.push_back(std::move(e));
      }
    }
    n.op = std::move(op);
    return true;
  }

  bool decode(const pw::ResultSink& f, plan_node& n) {
    result_sink_op op{str(f.name())};
    if (op.name.empty()) return fail("a result sink without a name");
    if (!sinks_.insert(op.name).second) return fail("a second sink named '" + op.name + "'");
    n.op = std::move(op);
    return true;
  }

  bool decode_literal(const pw::Literal* l, scalar& out) {
    if (l == nullptr) return fail("a literal without a value");
    const auto t = static_cast<data_type>(l->data_type());
    out.type = t;
    switch (t) {
      case data_type::boolean: out.value = l->b(); return true;
      case data_type::int64:
      case data_type::time64ns: out.value = l->i(); return true;
      case data_type::float64: out.value = l->f(); return true;
      case data_type::string: out.value = str(l->s()); return true;
      case data_type::uint128:
        if (l->u() == nullptr) return fail("a UINT128 literal without its value");
        out.value = schemas::uint128{l->u()->high(), l->u()->low()};
        return true;
      default: break;
    }
    return fail("a literal of unknown data type " + std::to_string(l->data_type()));
  }

  // The untyped expression: the types pass resolves it, check_expr compares the result.
  bool decode_expr(const pw::Expression* f, std::size_t depth, expression& out) {
    if (f == nullptr) return fail("a missing expression");
    if (depth > fragment_limits::max_expression_depth)
      return fail("an expression nests deeper than " + std::to_string(fragment_limits::max_expression_depth));
    switch (f->kind()) {
      case pw::ExpressionKind::Column:
        out = expression::column_ref(str(f->column_name()), {});
        return true;
      case pw::ExpressionKind::Literal: {
        scalar v;
        if (!decode_literal(f->literal(), v)) return false;
        out = expression::constant(std::move(v), {});
        return true;
      }
      case pw::ExpressionKind::Call: {
        const std::string fn = str(f->function());
        if (fn.empty()) return fail("a call without a function name");
        std::vector<expression> args;
        if (f->args() != nullptr) {
          if (f->args()->size() > fragment_limits::max_call_args)
            return fail("px." + fn + " with more than " + std::to_string(fragment_limits::max_call_args) + " arguments");
          for (const auto* a : *f->args()) {
            args.emplace_back();
            if (!decode_expr(a, depth + 1, args.back())) return false;
          }
        }
        out = expression::call(fn, std::move(args), {});
        return true;
      }
    }
    return fail("an expression of unknown kind " + std::to_string(static_cast<int>(f->kind())));
  }

  // What the bytes state about a typed expression must be what the types pass derived.
  bool check_expr(const pw::Expression* f, const expression& e) {
    const auto stated = static_cast<data_type>(f->type());
    if (f->kind() == pw::ExpressionKind::Call && e.kind != expression_kind::call)
      return fail("px." + str(f->function()) + " is a cast, which a typed plan never holds");
    if (stated != e.type)
      return fail("an expression stated " + std::string{schemas::to_string(stated)} + " is " +
                  std::string{schemas::to_string(e.type)});
    if (!valid_semantic(f->semantic_type()))
      return fail("an expression of unknown semantic type " + std::to_string(f->semantic_type()));
    if (e.kind == expression_kind::column && f->column_index() != e.column_index)
      return fail("column '" + e.column_name + "' is column " + std::to_string(e.column_index) +
                  " of the parent, not " + std::to_string(f->column_index()));
    if (e.kind == expression_kind::call)
      for (std::size_t i = 0; i < e.args.size(); ++i)
        if (!check_expr(f->args()->Get(static_cast<fb::uoffset_t>(i)), e.args[i])) return false;
    return true;
  }

  bool check_resolved(const pw::Node& fn, plan_node& n, const std::vector<const schemas::relation*>& in) {
    if (auto* m = std::get_if<map_op>(&n.op)) {
      const auto* exprs = fn.op_as_Map()->exprs();
      for (std::size_t i = 0; i < m->exprs.size(); ++i) {
        const auto* fe = exprs->Get(static_cast<fb::uoffset_t>(i))->expr();
        if (!check_expr(fe, m->exprs[i].expr)) return false;
        // A semantic-type cast (px.Bytes(...)) only relabels; the label travels in the bytes.
        const auto semantic = static_cast<schemas::semantic_type>(fe->semantic_type());
        m->exprs[i].expr.semantic = semantic;
        n.output.columns[i].semantic = semantic;
      }
    } else if (auto* f = std::get_if<filter_op>(&n.op)) {
      return check_expr(fn.op_as_Filter()->predicate(), f->predicate);
    } else if (auto* a = std::get_if<aggregate_op>(&n.op)) {
      const auto* fa = fn.op_as_Aggregate();
      for (std::size_t i = 0; i < a->groups.size(); ++i)
        if (fa->groups()->Get(static_cast<fb::uoffset_t>(i)) != a->groups[i])
          return fail("group '" + a->group_names[i] + "' is column " + std::to_string(a->groups[i]) +
                      " of the parent, not " + std::to_string(fa->groups()->Get(static_cast<fb::uoffset_t>(i))));
      for (std::size_t i = 0; i < a->aggregates.size(); ++i)
        if (!check_expr(fa->aggregates()->Get(static_cast<fb::uoffset_t>(i))->arg(), a->aggregates[i].arg))
          return false;
      if (a->mode == aggregate_mode::partial) n.output = partial_aggregate_relation(*a, *in.at(0));
    }
    return true;
  }

  compile_options opts_;
  std::map<node_id, std::size_t> index_;
  std::set<std::string> sinks_;
  std::string prefix_;
  std::string why_;
};

}  // namespace

std::optional<std::string> encode_fragment(const plan& p, std::string& error) {
  auto bytes = encoder{}.run(p, error);
  if (bytes && bytes->size() > fragment_limits::max_bytes) {
    error = "the fragment is " + std::to_string(bytes->size()) + " bytes, more than " +
            std::to_string(fragment_limits::max_bytes);
    return std::nullopt;
  }
  return bytes;
}

std::optional<plan> decode_fragment(std::string_view bytes, const function_registry& functions,
                                    const table_catalog& tables, std::string& error) {
  if (bytes.size() > fragment_limits::max_bytes) {
    error = "a fragment of " + std::to_string(bytes.size()) + " bytes, more than the limit of " +
            std::to_string(fragment_limits::max_bytes);
    return std::nullopt;
  }
  // The Verifier checks alignment relative to the start: verify an 8-byte aligned copy.
  std::vector<std::uint64_t> aligned((bytes.size() + 7) / 8);
  if (!bytes.empty()) std::memcpy(aligned.data(), bytes.data(), bytes.size());
  const auto* data = reinterpret_cast<const std::uint8_t*>(aligned.data());
  fb::Verifier::Options vo;
  vo.max_depth = 2 * fragment_limits::max_expression_depth + 64;  // a table and a vector per level
  fb::Verifier v(data, bytes.size(), vo);
  if (!v.VerifyBuffer<pw::Fragment>(identifier)) {
    error = std::to_string(bytes.size()) + " bytes failed FlatBuffers verification as a plan fragment (identifier " +
            identifier + ")";
    return std::nullopt;
  }
  const auto* root = fb::GetRoot<pw::Fragment>(data);
  if (root->version() != fragment_version) {
    error = "plan fragment version " + std::to_string(root->version()) + " is not supported (this build reads " +
            std::to_string(fragment_version) + ")";
    return std::nullopt;
  }
  auto p = decoder{functions, tables}.run(*root, error);
  if (!p) error = one_line(std::move(error));
  return p;
}

}  // namespace wisp::pxl
