#include "pxl/mutation_codec.hpp"

#include <cstring>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "schemas/mutation_generated.h"

namespace wisp::pxl {

namespace {

namespace fb = flatbuffers;
namespace mw = mutation_wire;

constexpr const char* identifier = "WSTM";

std::string str(const fb::String* s) { return s ? s->str() : std::string{}; }

// Strings go through CreateString(std::string): the *Direct(c_str()) helpers would cut at a NUL.
fb::Offset<mw::Target> encode_target(fb::FlatBufferBuilder& b, const trace_target& t) {
  std::vector<fb::Offset<mw::Label>> labels;
  for (const auto& [k, v] : t.labels) labels.push_back(mw::CreateLabel(b, b.CreateString(k), b.CreateString(v)));
  const wire::Uint128 upid{t.upid.high, t.upid.low};
  auto exe = b.CreateString(t.exe);
  auto pod = b.CreateString(t.pod);
  auto container = b.CreateString(t.container);
  auto process = b.CreateString(t.process);
  auto label_vec = b.CreateVector(labels);
  auto ns = b.CreateString(t.namespace_name);
  auto so = b.CreateString(t.shared_object);
  return mw::CreateTarget(b, static_cast<std::uint8_t>(t.what), t.pid, exe, &upid, pod, container, process, label_vec,
                          ns, so);
}

template <class E>
bool in_range(std::uint8_t v, E last) {
  return v <= static_cast<std::uint8_t>(last);
}

}  // namespace

std::optional<std::string> encode_mutation(const tracepoint_mutation& m, std::string& error) {
  fb::FlatBufferBuilder b;
  std::vector<fb::Offset<mw::Output>> outputs;
  for (const auto& o : m.outputs)
    outputs.push_back(mw::CreateOutput(b, b.CreateString(o.column), static_cast<std::uint8_t>(o.what),
                                       b.CreateString(o.expr), o.loc.line, o.loc.col));
  std::vector<fb::Offset<mw::Program>> programs;
  for (const auto& p : m.programs)
    programs.push_back(mw::CreateProgram(b, b.CreateString(p.text), b.CreateString(p.min_kernel),
                                         b.CreateString(p.max_kernel), b.CreateString(p.host_name)));
  auto name = b.CreateString(m.name);
  auto table = b.CreateString(m.table);
  auto symbol = b.CreateString(m.symbol);
  auto output_vec = b.CreateVector(outputs);
  auto program_vec = b.CreateVector(programs);
  auto target = encode_target(b, m.target);
  b.Finish(mw::CreateMutation(b, mutation_version, static_cast<std::uint8_t>(m.what), name, table, symbol, output_vec,
                              program_vec, target, m.ttl_ns, m.loc.line, m.loc.col),
           identifier);
  if (b.GetSize() > max_mutation_bytes) {
    error = "tracepoint '" + m.name + "' encodes to " + std::to_string(b.GetSize()) + " bytes, more than the limit of " +
            std::to_string(max_mutation_bytes);
    return std::nullopt;
  }
  return std::string{reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

std::optional<tracepoint_mutation> decode_mutation(std::string_view bytes, std::string& error) {
  if (bytes.size() > max_mutation_bytes) {
    error = "a tracepoint mutation of " + std::to_string(bytes.size()) + " bytes, more than the limit of " +
            std::to_string(max_mutation_bytes);
    return std::nullopt;
  }
  // The Verifier checks alignment relative to the start: verify an 8-byte aligned copy.
  std::vector<std::uint64_t> aligned((bytes.size() + 7) / 8);
  if (!bytes.empty()) std::memcpy(aligned.data(), bytes.data(), bytes.size());
  const auto* data = reinterpret_cast<const std::uint8_t*>(aligned.data());
  fb::Verifier v(data, bytes.size());
  if (!v.VerifyBuffer<mw::Mutation>(identifier)) {
    error = std::to_string(bytes.size()) + " bytes failed FlatBuffers verification as a tracepoint mutation (identifier " +
            identifier + ")";
    return std::nullopt;
  }
  const auto* r = fb::GetRoot<mw::Mutation>(data);
  if (r->version() != mutation_version) {
    error = "tracepoint mutation version " + std::to_string(r->version()) + " is not supported (this build reads " +
            std::to_string(mutation_version) + ")";
    return std::nullopt;
  }
  tracepoint_mutation m;
  if (!in_range(r->kind(), tracepoint_mutation::kind::remove)) {
    error = "tracepoint mutation of unknown kind " + std::to_string(r->kind());
    return std::nullopt;
  }
  m.what = static_cast<tracepoint_mutation::kind>(r->kind());
  m.name = str(r->name());
  if (m.name.empty()) {
    error = "tracepoint mutation without a name";
    return std::nullopt;
  }
  m.table = str(r->table());
  m.symbol = str(r->symbol());
  m.ttl_ns = r->ttl_ns();
  if (m.ttl_ns < 0) {
    error = "tracepoint mutation with a negative ttl";
    return std::nullopt;
  }
  m.loc = {r->line(), r->col()};
  if (r->outputs())
    for (const auto* o : *r->outputs()) {
      if (!in_range(o->kind(), trace_output::kind::latency)) {
        error = "tracepoint output of unknown kind " + std::to_string(o->kind());
        return std::nullopt;
      }
      m.outputs.push_back({str(o->column()), static_cast<trace_output::kind>(o->kind()), str(o->expr()),
                           {o->line(), o->col()}});
    }
  if (r->programs())
    for (const auto* p : *r->programs())
      m.programs.push_back({str(p->text()), str(p->min_kernel()), str(p->max_kernel()), str(p->host_name())});
  if (const auto* t = r->target()) {
    if (!in_range(t->kind(), trace_target::kind::shared_object)) {
      error = "tracepoint target of unknown kind " + std::to_string(t->kind());
      return std::nullopt;
    }
    auto& out = m.target;
    out.what = static_cast<trace_target::kind>(t->kind());
    out.pid = t->pid();
    out.exe = str(t->exe());
    if (t->upid()) out.upid = {t->upid()->high(), t->upid()->low()};
    out.pod = str(t->pod());
    out.container = str(t->container());
    out.process = str(t->process());
    if (t->labels())
      for (const auto* l : *t->labels()) out.labels.emplace_back(str(l->key()), str(l->value()));
    out.namespace_name = str(t->namespace_name());
    out.shared_object = str(t->shared_object());
  }
  return m;
}

}  // namespace wisp::pxl
