#include "schemas/wire.hpp"

#include <flatbuffers/flatbuffers.h>

#include "schemas/wire_codec.hpp"
#include "schemas/wire_generated.h"

namespace wisp::wire {

namespace fb = flatbuffers;
namespace {

// Client and server roots carry different identifiers, so one is never mistaken for the other.
constexpr const char* client_identifier = "WSPC";
constexpr const char* server_identifier = "WSPS";

template <class Root>
constexpr const char* identifier_of() {
  return std::is_same_v<Root, ClientMessage> ? client_identifier : server_identifier;
}

template <class Root>
std::string finish(fb::FlatBufferBuilder& b, fb::Offset<Root> root) {
  return finish_buffer(b, root, identifier_of<Root>());
}

template <class Root>
const Root* verified_root(std::string_view bytes, std::string& error) {
  fb::Verifier v(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  if (!v.VerifyBuffer<Root>(identifier_of<Root>())) {
    error = "not a valid Wisp message (" + std::to_string(bytes.size()) + " bytes failed verification)";
    return nullptr;
  }
  const auto* root = fb::GetRoot<Root>(bytes.data());
  if (root->version() != protocol_version) {
    error = "protocol version " + std::to_string(root->version()) + " is not supported (this build speaks " +
            std::to_string(protocol_version) + ")";
    return nullptr;
  }
  return root;
}

// Strings through CreateString(std::string): the *Direct(c_str()) helpers would cut at a NUL.
fb::Offset<QueryRequest> encode_query_request(fb::FlatBufferBuilder& b, const query_request& r) {
  std::vector<fb::Offset<ScriptArg>> args;
  for (const auto& [k, v] : r.args) args.push_back(CreateScriptArg(b, b.CreateString(k), b.CreateString(v)));
  fb::Offset<VisSpec> vis;
  if (r.vis) vis = CreateVisSpec(b, b.CreateString(r.vis->file_name), b.CreateString(r.vis->text));
  auto script = b.CreateString(r.script);
  auto file = b.CreateString(r.file_name);
  return CreateQueryRequest(b, script, file, r.explain, b.CreateVector(args), vis);
}

query_request decode_query_request(const QueryRequest* q) {  // absent: empty
  query_request r;
  if (!q) return r;
  r.script = string_of(q->script());
  r.file_name = string_of(q->file_name());
  r.explain = q->explain();
  if (q->args())
    for (const auto* a : *q->args()) r.args.emplace_back(string_of(a->name()), string_of(a->value()));
  if (const auto* v = q->vis()) r.vis = vis_spec_file{string_of(v->file_name()), string_of(v->text())};
  return r;
}

}  // namespace

std::string encode(const client_message& m) {
  fb::FlatBufferBuilder b;
  auto req = encode_query_request(b, m.request);
  return finish(b, CreateClientMessage(b, protocol_version, m.query_id, Request::QueryRequest, req.Union()));
}

std::string encode(const server_message& m) {
  fb::FlatBufferBuilder b;
  Response type = Response::NONE;
  fb::Offset<void> payload;
  if (std::holds_alternative<accepted>(m.payload)) {
    type = Response::Accepted;
    payload = CreateAccepted(b).Union();
  } else if (const auto* s = std::get_if<table_schema>(&m.payload)) {
    type = Response::TableSchema;
    auto rel = encode_relation(b, s->rel);
    payload = CreateTableSchemaDirect(b, s->table_name.c_str(), rel).Union();
  } else if (const auto* t = std::get_if<table_batch>(&m.payload)) {
    type = Response::TableBatch;
    auto batch = encode_batch(b, t->batch);
    payload = CreateTableBatchDirect(b, t->table_name.c_str(), batch).Union();
  } else {
    const auto& d = std::get<done>(m.payload);
    type = Response::Done;
    std::vector<fb::Offset<Diagnostic>> diags;
    for (const auto& x : d.diagnostics)
      diags.push_back(CreateDiagnosticDirect(b, x.file.c_str(), x.line, x.col, x.message.c_str(), x.hint.c_str()));
    auto losses = encode_losses(b, d.losses);
    std::vector<fb::Offset<Truncation>> truncated;
    for (const auto& t : d.truncated) truncated.push_back(CreateTruncationDirect(b, t.table_name.c_str(), t.limit));
    auto error = b.CreateString(d.error);
    auto diag_vec = b.CreateVector(diags);
    auto explain = b.CreateString(d.explain);
    std::vector<fb::Offset<fb::String>> warnings;
    for (const auto& w : d.warnings) warnings.push_back(b.CreateString(w));
    auto truncated_vec = b.CreateVector(truncated);
    auto warning_vec = b.CreateVector(warnings);
    payload = CreateDone(b, static_cast<Status>(d.code), error, diag_vec, explain, losses, truncated_vec, warning_vec)
                  .Union();
  }
  return finish(b, CreateServerMessage(b, protocol_version, m.query_id, type, payload));
}

static std::optional<client_message> decode_client_from(std::string_view bytes, std::string& error) {
  const auto* root = verified_root<ClientMessage>(bytes, error);
  if (!root) return std::nullopt;
  const auto* q = root->request_as_QueryRequest();
  if (!q) {
    error = "message carries no query request";
    return std::nullopt;
  }
  client_message m;
  m.query_id = root->query_id();
  m.request = decode_query_request(q);
  return m;
}

static std::optional<server_message> decode_server_from(std::string_view bytes, std::string& error) {
  const auto* root = verified_root<ServerMessage>(bytes, error);
  if (!root) return std::nullopt;
  // The Verifier accepts a union whose type is set and whose value is absent.
  if (root->response_type() != Response::NONE && !root->response()) {
    error = "message names a response type but carries no response";
    return std::nullopt;
  }
  server_message m;
  m.query_id = root->query_id();
  switch (root->response_type()) {
    case Response::Accepted:
      m.payload = accepted{};
      return m;
    case Response::TableSchema: {
      const auto* s = root->response_as_TableSchema();
      auto rel = decode_relation(s->relation(), error);
      if (!rel) return std::nullopt;
      m.payload = table_schema{string_of(s->table_name()), std::move(*rel)};
      return m;
    }
    case Response::TableBatch: {
      const auto* t = root->response_as_TableBatch();
      auto batch = decode_batch(t->batch(), error);
      if (!batch) return std::nullopt;
      m.payload = table_batch{string_of(t->table_name()), std::move(*batch)};
      return m;
    }
    case Response::Done: {
      const auto* d = root->response_as_Done();
      done out;
      out.code = static_cast<status>(d->status());
      out.error = string_of(d->error());
      out.explain = string_of(d->explain());
      if (d->diagnostics())
        for (const auto* x : *d->diagnostics())
          out.diagnostics.push_back({string_of(x->file()), x->line(), x->col(), string_of(x->message()), string_of(x->hint())});
      out.losses = decode_losses(d->losses());
      if (d->truncated())
        for (const auto* t : *d->truncated()) out.truncated.push_back({string_of(t->table_name()), t->limit()});
      if (d->warnings())
        for (const auto* w : *d->warnings()) out.warnings.push_back(string_of(w));
      m.payload = std::move(out);
      return m;
    }
    case Response::NONE:
      break;
  }
  error = "message carries no response";
  return std::nullopt;
}

std::optional<client_message> decode_client(std::string_view bytes, std::string& error) {
  return decode_aligned(bytes, [&](std::string_view b) { return decode_client_from(b, error); });
}

std::optional<server_message> decode_server(std::string_view bytes, std::string& error) {
  return decode_aligned(bytes, [&](std::string_view b) { return decode_server_from(b, error); });
}

}  // namespace wisp::wire
