#include "schemas/wire.hpp"

#include <flatbuffers/flatbuffers.h>

#include "schemas/wire_generated.h"

namespace wisp::wire {

namespace fb = flatbuffers;
using schemas::data_type;

namespace {

// --- encoding --------------------------------------------------------------------------------

fb::Offset<Relation> encode_relation(fb::FlatBufferBuilder& b, const schemas::relation& rel) {
  std::vector<fb::Offset<ColumnInfo>> cols;
  cols.reserve(rel.columns.size());
  for (const auto& c : rel.columns)
    cols.push_back(CreateColumnInfoDirect(b, c.name.c_str(), static_cast<std::uint8_t>(c.type),
                                          static_cast<std::uint16_t>(c.semantic), c.desc.c_str()));
  return CreateRelationDirect(b, &cols);
}

fb::Offset<Column> encode_column(fb::FlatBufferBuilder& b, const schemas::column& c) {
  const auto type = static_cast<std::uint8_t>(c.type());
  switch (c.type()) {
    case data_type::boolean:
      return CreateColumn(b, type, b.CreateVector(c.bools()));
    case data_type::int64:
    case data_type::time64ns:
      return CreateColumn(b, type, 0, b.CreateVector(c.ints()));
    case data_type::uint128: {
      std::vector<Uint128> v;
      v.reserve(c.size());
      for (const auto& x : c.uint128s()) v.emplace_back(x.high, x.low);
      return CreateColumn(b, type, 0, 0, b.CreateVectorOfStructs(v));
    }
    case data_type::float64:
      return CreateColumn(b, type, 0, 0, 0, b.CreateVector(c.floats()));
    case data_type::string:
    case data_type::unknown:
      break;
  }
  const auto& s = c.strings();
  auto offsets = b.CreateVector(s.offsets());
  auto bytes = b.CreateVector(reinterpret_cast<const std::uint8_t*>(s.bytes().data()), s.bytes().size());
  return CreateColumn(b, static_cast<std::uint8_t>(data_type::string), 0, 0, 0, 0, offsets, bytes);
}

fb::Offset<RowBatch> encode_batch(fb::FlatBufferBuilder& b, const schemas::row_batch& batch) {
  std::vector<fb::Offset<Column>> cols;
  cols.reserve(batch.columns.size());
  for (const auto& c : batch.columns) cols.push_back(encode_column(b, c));
  return CreateRowBatchDirect(b, batch.num_rows(), &cols);
}

// Client and server roots carry different identifiers, so one is never mistaken for the other.
constexpr const char* client_identifier = "WSPC";
constexpr const char* server_identifier = "WSPS";

template <class Root>
constexpr const char* identifier_of() {
  return std::is_same_v<Root, ClientMessage> ? client_identifier : server_identifier;
}

template <class Root>
std::string finish(fb::FlatBufferBuilder& b, fb::Offset<Root> root) {
  b.Finish(root, identifier_of<Root>());
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

// --- decoding --------------------------------------------------------------------------------

bool valid_type(std::uint8_t t) {
  return t >= static_cast<std::uint8_t>(data_type::boolean) &&
         t <= static_cast<std::uint8_t>(data_type::time64ns);
}

std::string str(const fb::String* s) { return s ? s->str() : std::string{}; }

std::optional<schemas::relation> decode_relation(const Relation* r, std::string& error) {
  schemas::relation rel;
  if (!r || !r->columns()) return rel;
  for (const auto* c : *r->columns()) {
    if (!valid_type(c->data_type())) {
      error = "column '" + str(c->name()) + "' has unknown data type " + std::to_string(c->data_type());
      return std::nullopt;
    }
    rel.columns.push_back({str(c->name()), static_cast<data_type>(c->data_type()),
                           static_cast<schemas::semantic_type>(c->semantic_type()), str(c->desc())});
  }
  return rel;
}

template <class V>
std::size_t len(const V* v) {
  return v ? v->size() : 0;
}

std::optional<schemas::column> decode_column(const Column* c, std::size_t rows, std::string& error) {
  if (!valid_type(c->data_type())) {
    error = "column has unknown data type " + std::to_string(c->data_type());
    return std::nullopt;
  }
  schemas::column out(static_cast<data_type>(c->data_type()));
  auto wrong_length = [&](std::size_t n) {
    error = "column holds " + std::to_string(n) + " values, batch has " + std::to_string(rows) + " rows";
    return std::nullopt;
  };
  switch (out.type()) {
    case data_type::boolean:
      if (len(c->bools()) != rows) return wrong_length(len(c->bools()));
      if (rows) out.bools().assign(c->bools()->begin(), c->bools()->end());
      break;
    case data_type::int64:
    case data_type::time64ns:
      if (len(c->ints()) != rows) return wrong_length(len(c->ints()));
      if (rows) out.ints().assign(c->ints()->begin(), c->ints()->end());
      break;
    case data_type::uint128:
      if (len(c->uint128s()) != rows) return wrong_length(len(c->uint128s()));
      for (std::size_t i = 0; i < rows; ++i)
        out.uint128s().push_back({c->uint128s()->Get(i)->high(), c->uint128s()->Get(i)->low()});
      break;
    case data_type::float64:
      if (len(c->floats()) != rows) return wrong_length(len(c->floats()));
      if (rows) out.floats().assign(c->floats()->begin(), c->floats()->end());
      break;
    case data_type::string:
    case data_type::unknown: {
      const auto* offs = c->str_offsets();
      const auto nbytes = len(c->str_bytes());
      if (len(offs) != rows + 1) return wrong_length(len(offs) > 0 ? len(offs) - 1 : 0);
      const char* bytes = nbytes ? reinterpret_cast<const char*>(c->str_bytes()->data()) : "";
      std::uint64_t prev = offs->Get(0);
      if (prev != 0) {
        error = "string column offsets do not start at 0";
        return std::nullopt;
      }
      out.strings().reserve(rows, nbytes);
      for (std::size_t i = 1; i <= rows; ++i) {
        const auto next = offs->Get(static_cast<fb::uoffset_t>(i));
        if (next < prev || next > nbytes) {
          error = "string column offset " + std::to_string(i) + " is out of range";
          return std::nullopt;
        }
        out.strings().push_back({bytes + prev, static_cast<std::size_t>(next - prev)});
        prev = next;
      }
      break;
    }
  }
  return out;
}

std::optional<schemas::row_batch> decode_batch(const RowBatch* b, std::string& error) {
  schemas::row_batch out;
  if (!b || !b->columns()) return out;
  const auto rows = static_cast<std::size_t>(b->num_rows());
  for (const auto* c : *b->columns()) {
    auto col = decode_column(c, rows, error);
    if (!col) return std::nullopt;
    out.columns.push_back(std::move(*col));
  }
  return out;
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

}  // namespace

std::string encode(const client_message& m) {
  fb::FlatBufferBuilder b;
  std::vector<fb::Offset<ScriptArg>> args;
  for (const auto& [k, v] : m.request.args) args.push_back(CreateScriptArgDirect(b, k.c_str(), v.c_str()));
  fb::Offset<VisSpec> vis;
  if (m.request.vis)
    vis = CreateVisSpecDirect(b, m.request.vis->file_name.c_str(), m.request.vis->text.c_str());
  auto req = CreateQueryRequestDirect(b, m.request.script.c_str(), m.request.file_name.c_str(),
                                      m.request.explain, &args, vis);
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
    std::vector<fb::Offset<LossCounter>> losses;
    for (const auto& l : d.losses)
      losses.push_back(CreateLossCounterDirect(b, l.stage.c_str(), l.name.c_str(), l.value));
    std::vector<fb::Offset<Truncation>> truncated;
    for (const auto& t : d.truncated) truncated.push_back(CreateTruncationDirect(b, t.table_name.c_str(), t.limit));
    payload = CreateDoneDirect(b, static_cast<Status>(d.code), d.error.c_str(), &diags, d.explain.c_str(),
                               &losses, &truncated)
                  .Union();
  }
  return finish(b, CreateServerMessage(b, protocol_version, m.query_id, type, payload));
}

std::optional<client_message> decode_client(std::string_view bytes, std::string& error) {
  const auto* root = verified_root<ClientMessage>(bytes, error);
  if (!root) return std::nullopt;
  const auto* q = root->request_as_QueryRequest();
  if (!q) {
    error = "message carries no query request";
    return std::nullopt;
  }
  client_message m;
  m.query_id = root->query_id();
  m.request.script = str(q->script());
  m.request.file_name = str(q->file_name());
  m.request.explain = q->explain();
  if (q->args())
    for (const auto* a : *q->args()) m.request.args.emplace_back(str(a->name()), str(a->value()));
  if (const auto* v = q->vis()) m.request.vis = vis_spec_file{str(v->file_name()), str(v->text())};
  return m;
}

std::optional<server_message> decode_server(std::string_view bytes, std::string& error) {
  const auto* root = verified_root<ServerMessage>(bytes, error);
  if (!root) return std::nullopt;
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
      m.payload = table_schema{str(s->table_name()), std::move(*rel)};
      return m;
    }
    case Response::TableBatch: {
      const auto* t = root->response_as_TableBatch();
      auto batch = decode_batch(t->batch(), error);
      if (!batch) return std::nullopt;
      m.payload = table_batch{str(t->table_name()), std::move(*batch)};
      return m;
    }
    case Response::Done: {
      const auto* d = root->response_as_Done();
      done out;
      out.code = static_cast<status>(d->status());
      out.error = str(d->error());
      out.explain = str(d->explain());
      if (d->diagnostics())
        for (const auto* x : *d->diagnostics())
          out.diagnostics.push_back({str(x->file()), x->line(), x->col(), str(x->message()), str(x->hint())});
      if (d->losses())
        for (const auto* l : *d->losses()) out.losses.push_back({str(l->stage()), str(l->name()), l->value()});
      if (d->truncated())
        for (const auto* t : *d->truncated()) out.truncated.push_back({str(t->table_name()), t->limit()});
      m.payload = std::move(out);
      return m;
    }
    case Response::NONE:
      break;
  }
  error = "message carries no response";
  return std::nullopt;
}

}  // namespace wisp::wire
