#include "schemas/cluster_wire.hpp"

#include <flatbuffers/flatbuffers.h>

#include "schemas/cluster_generated.h"
#include "schemas/wire_codec.hpp"

namespace wisp::cluster_wire {

namespace fb = flatbuffers;
using wire::finish_buffer;
using wire::string_of;

// Strings go through CreateString(std::string), never the generated *Direct(c_str()) helpers,
// which would cut a string at its first NUL.
namespace {

constexpr const char* agent_identifier = "WSAG";
constexpr const char* broker_identifier = "WSBR";

template <class Root>
constexpr const char* identifier_of() {
  return std::is_same_v<Root, AgentMessage> ? agent_identifier : broker_identifier;
}

template <class Root>
std::string finish(fb::FlatBufferBuilder& b, fb::Offset<Root> root) {
  return finish_buffer(b, root, identifier_of<Root>());
}

fb::Offset<StreamId> encode_stream(fb::FlatBufferBuilder& b, const stream_id& s) {
  return CreateStreamId(b, s.query_id, s.fragment_id, b.CreateString(s.sink));
}

std::optional<stream_id> decode_stream(const StreamId* s, const char* what, decode_error& err) {
  if (!s) {
    err = {decode_errc::invalid, std::string{what} + " carries no stream id"};
    return std::nullopt;
  }
  return stream_id{s->query_id(), s->fragment_id(), string_of(s->sink())};
}

bool valid_status(wire::Status s) {
  return static_cast<std::uint8_t>(s) <= static_cast<std::uint8_t>(wire::Status::MAX);
}

// Size first (cheap, and the Verifier's own limit is 2 GiB), then Verifier + identifier, then
// version: nothing of an unverified buffer is read.
template <class Root>
const Root* verified_root(std::string_view bytes, std::size_t max_bytes, decode_error& err) {
  if (bytes.size() > max_bytes) {
    err = {decode_errc::oversize,
           std::to_string(bytes.size()) + " bytes, more than the limit of " + std::to_string(max_bytes)};
    return nullptr;
  }
  fb::Verifier v(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  if (!v.VerifyBuffer<Root>(identifier_of<Root>())) {
    err = {decode_errc::malformed, std::to_string(bytes.size()) + " bytes failed FlatBuffers verification as " +
                                       (std::is_same_v<Root, AgentMessage> ? "an agent" : "a broker") +
                                       " message (identifier " + identifier_of<Root>() + ")"};
    return nullptr;
  }
  const auto* root = fb::GetRoot<Root>(bytes.data());
  if (root->version() != cluster_version) {
    err = {decode_errc::wrong_version, "cluster protocol version " + std::to_string(root->version()) +
                                           " is not supported (this build speaks " +
                                           std::to_string(cluster_version) + ")"};
    return nullptr;
  }
  return root;
}

fb::Offset<fb::Vector<fb::Offset<TracepointInfo>>> encode_tracepoints(fb::FlatBufferBuilder& b,
                                                                     const std::vector<tracepoint_info>& v) {
  std::vector<fb::Offset<TracepointInfo>> out;
  for (const auto& t : v) {
    const wire::Uint128 id{t.id.high, t.id.low};
    auto name = b.CreateString(t.name);
    auto state = b.CreateString(t.state);
    auto message = b.CreateString(t.message);
    std::vector<fb::Offset<fb::String>> tables;
    for (const auto& table : t.tables) tables.push_back(b.CreateString(table));
    out.push_back(CreateTracepointInfo(b, &id, name, state, message, b.CreateVector(tables)));
  }
  return b.CreateVector(out);
}

std::vector<tracepoint_info> decode_tracepoints(const fb::Vector<fb::Offset<TracepointInfo>>* v) {
  std::vector<tracepoint_info> out;
  if (!v) return out;
  for (const auto* t : *v) {
    tracepoint_info info;
    if (t->id()) info.id = {t->id()->high(), t->id()->low()};
    info.name = string_of(t->name());
    info.state = string_of(t->state());
    info.message = string_of(t->message());
    if (t->tables())
      for (const auto* table : *t->tables()) info.tables.push_back(string_of(table));
    out.push_back(std::move(info));
  }
  return out;
}

fb::Offset<TableInfo> encode_table(fb::FlatBufferBuilder& b, const table_info& t) {
  auto rel = wire::encode_relation(b, t.rel);
  return CreateTableInfo(b, b.CreateString(t.name), rel);
}

std::optional<table_info> decode_table(const TableInfo* t, const std::string& where, decode_error& err) {
  std::string why;
  auto rel = wire::decode_relation(t->relation(), why);
  if (!rel) {
    err = {decode_errc::invalid, where + ", table '" + string_of(t->name()) + "': " + why};
    return std::nullopt;
  }
  return table_info{string_of(t->name()), std::move(*rel)};
}

std::optional<tracepoint_reply> decode_tracepoint_reply(const TracepointReply* r, decode_error& err) {
  tracepoint_reply out{r->request_id(), string_of(r->error()), std::nullopt, decode_tracepoints(r->tracepoints())};
  if (r->table()) {
    out.table = decode_table(r->table(), "tracepoint reply " + std::to_string(r->request_id()), err);
    if (!out.table) return std::nullopt;
  }
  return out;
}

std::optional<register_request> decode_register(const Register* r, decode_error& err) {
  register_request out;
  out.requested_asid = r->requested_asid();
  out.agent_id = string_of(r->agent_id());
  out.hostname = string_of(r->hostname());
  out.kernel_release = string_of(r->kernel_release());
  out.ip_address = string_of(r->ip_address());
  out.start_time_ns = r->start_time_ns();
  out.kernel_headers_installed = r->kernel_headers_installed();
  if (out.agent_id.empty()) {
    err = {decode_errc::invalid, "registration carries no agent id"};
    return std::nullopt;
  }
  if (r->tables()) {
    for (const auto* t : *r->tables()) {
      auto table = decode_table(t, "registration", err);
      if (!table) return std::nullopt;
      out.tables.push_back(std::move(*table));
    }
  }
  return out;
}

std::optional<batch_message> decode_batch_message(const Batch* b, decode_error& err) {
  auto stream = decode_stream(b->stream(), "batch", err);
  if (!stream) return std::nullopt;
  std::string why;
  auto batch = wire::decode_batch(b->batch(), why);
  if (!batch) {
    err = {decode_errc::invalid, "batch " + std::to_string(b->sequence()) + " of sink '" + stream->sink + "': " + why};
    return std::nullopt;
  }
  return batch_message{std::move(*stream), b->sequence(), std::move(*batch)};
}

std::optional<end_of_stream> decode_end(const EndOfStream* e, decode_error& err) {
  auto stream = decode_stream(e->stream(), "end of stream", err);
  if (!stream) return std::nullopt;
  if (!valid_status(e->status())) {
    err = {decode_errc::invalid,
           "end of stream has unknown status " + std::to_string(static_cast<unsigned>(e->status()))};
    return std::nullopt;
  }
  return end_of_stream{std::move(*stream), e->batches(), static_cast<wire::status>(e->status()),
                       string_of(e->error()), wire::decode_losses(e->losses())};
}

}  // namespace

const char* to_string(decode_errc code) {
  switch (code) {
    case decode_errc::oversize:
      return "oversize";
    case decode_errc::malformed:
      return "malformed";
    case decode_errc::wrong_version:
      return "wrong_version";
    case decode_errc::invalid:
      return "invalid";
  }
  return "unknown";
}

std::string encode(const agent_message& m) {
  fb::FlatBufferBuilder b;
  AgentPayload type = AgentPayload::NONE;
  fb::Offset<void> payload;
  if (const auto* r = std::get_if<register_request>(&m.payload)) {
    type = AgentPayload::Register;
    std::vector<fb::Offset<TableInfo>> tables;
    for (const auto& t : r->tables) tables.push_back(encode_table(b, t));
    auto agent_id = b.CreateString(r->agent_id);
    auto hostname = b.CreateString(r->hostname);
    auto kernel = b.CreateString(r->kernel_release);
    auto ip = b.CreateString(r->ip_address);
    payload = CreateRegister(b, r->requested_asid, agent_id, hostname, kernel, b.CreateVector(tables), ip,
                             r->start_time_ns, r->kernel_headers_installed)
                  .Union();
  } else if (const auto* h = std::get_if<heartbeat>(&m.payload)) {
    type = AgentPayload::Heartbeat;
    auto losses = wire::encode_losses(b, h->losses);
    auto tracepoints = encode_tracepoints(b, h->tracepoints);
    payload = CreateHeartbeat(b, h->time_ns, h->sequence, losses, tracepoints).Union();
  } else if (const auto* bm = std::get_if<batch_message>(&m.payload)) {
    type = AgentPayload::Batch;
    auto stream = encode_stream(b, bm->stream);
    auto batch = wire::encode_batch(b, bm->batch);
    payload = CreateBatch(b, stream, bm->sequence, batch).Union();
  } else if (const auto* t = std::get_if<tracepoint_reply>(&m.payload)) {
    type = AgentPayload::TracepointReply;
    auto error = b.CreateString(t->error);
    auto table = t->table ? encode_table(b, *t->table) : fb::Offset<TableInfo>{};
    auto tracepoints = encode_tracepoints(b, t->tracepoints);
    payload = CreateTracepointReply(b, t->request_id, error, table, tracepoints).Union();
  } else {
    const auto& e = std::get<end_of_stream>(m.payload);
    type = AgentPayload::EndOfStream;
    auto stream = encode_stream(b, e.stream);
    auto error = b.CreateString(e.error);
    auto losses = wire::encode_losses(b, e.losses);
    payload = CreateEndOfStream(b, stream, e.batches, static_cast<wire::Status>(e.code), error, losses).Union();
  }
  return finish(b, CreateAgentMessage(b, cluster_version, m.asid, type, payload));
}

std::string encode(const broker_message& m) {
  fb::FlatBufferBuilder b;
  BrokerPayload type = BrokerPayload::NONE;
  fb::Offset<void> payload;
  if (const auto* r = std::get_if<register_reply>(&m.payload)) {
    type = BrokerPayload::RegisterReply;
    auto agent_id = b.CreateString(r->agent_id);
    auto error = b.CreateString(r->error);
    payload = CreateRegisterReply(b, r->asid, agent_id, error).Union();
  } else if (const auto* p = std::get_if<plan_fragment>(&m.payload)) {
    type = BrokerPayload::PlanFragment;
    auto plan = b.CreateVector(reinterpret_cast<const std::uint8_t*>(p->plan.data()), p->plan.size());
    payload = CreatePlanFragment(b, p->query_id, p->fragment_id, plan).Union();
  } else if (const auto* t = std::get_if<tracepoint_request>(&m.payload)) {
    type = BrokerPayload::TracepointRequest;
    auto mutation = b.CreateVector(reinterpret_cast<const std::uint8_t*>(t->mutation.data()), t->mutation.size());
    payload = CreateTracepointRequest(b, t->request_id, mutation).Union();
  } else {
    const auto& c = std::get<credit>(m.payload);
    type = BrokerPayload::Credit;
    auto stream = encode_stream(b, c.stream);
    payload = CreateCredit(b, stream, c.consumed).Union();
  }
  return finish(b, CreateBrokerMessage(b, cluster_version, type, payload));
}

static std::optional<agent_message> decode_agent_from(std::string_view bytes, decode_error& err, std::size_t max_bytes) {
  const auto* root = verified_root<AgentMessage>(bytes, max_bytes, err);
  if (!root) return std::nullopt;
  // The Verifier accepts a union whose type is set and whose value is absent.
  if (!root->payload()) {
    err = {decode_errc::invalid, "agent message names a payload type but carries no payload"};
    return std::nullopt;
  }
  agent_message m;
  m.asid = root->asid();
  switch (root->payload_type()) {
    case AgentPayload::Register: {
      auto r = decode_register(root->payload_as_Register(), err);
      if (!r) return std::nullopt;
      m.payload = std::move(*r);
      return m;
    }
    case AgentPayload::Heartbeat: {
      const auto* h = root->payload_as_Heartbeat();
      m.payload = heartbeat{h->time_ns(), h->sequence(), wire::decode_losses(h->losses()),
                            decode_tracepoints(h->tracepoints())};
      return m;
    }
    case AgentPayload::Batch: {
      auto b = decode_batch_message(root->payload_as_Batch(), err);
      if (!b) return std::nullopt;
      m.payload = std::move(*b);
      return m;
    }
    case AgentPayload::EndOfStream: {
      auto e = decode_end(root->payload_as_EndOfStream(), err);
      if (!e) return std::nullopt;
      m.payload = std::move(*e);
      return m;
    }
    case AgentPayload::TracepointReply: {
      auto t = decode_tracepoint_reply(root->payload_as_TracepointReply(), err);
      if (!t) return std::nullopt;
      m.payload = std::move(*t);
      return m;
    }
    case AgentPayload::NONE:
      break;
  }
  // The Verifier accepts an unknown union type (a newer peer's message); it is not ours to read.
  err = {decode_errc::invalid, "agent message carries no payload this build knows (type " +
                                   std::to_string(static_cast<unsigned>(root->payload_type())) + ")"};
  return std::nullopt;
}

static std::optional<broker_message> decode_broker_from(std::string_view bytes, decode_error& err, std::size_t max_bytes) {
  const auto* root = verified_root<BrokerMessage>(bytes, max_bytes, err);
  if (!root) return std::nullopt;
  if (!root->payload()) {
    err = {decode_errc::invalid, "broker message names a payload type but carries no payload"};
    return std::nullopt;
  }
  switch (root->payload_type()) {
    case BrokerPayload::RegisterReply: {
      const auto* r = root->payload_as_RegisterReply();
      return broker_message{register_reply{r->asid(), string_of(r->agent_id()), string_of(r->error())}};
    }
    case BrokerPayload::PlanFragment: {
      const auto* p = root->payload_as_PlanFragment();
      std::string plan;
      if (p->plan()) plan.assign(reinterpret_cast<const char*>(p->plan()->data()), p->plan()->size());
      return broker_message{plan_fragment{p->query_id(), p->fragment_id(), std::move(plan)}};
    }
    case BrokerPayload::Credit: {
      const auto* c = root->payload_as_Credit();
      auto stream = decode_stream(c->stream(), "credit", err);
      if (!stream) return std::nullopt;
      return broker_message{credit{std::move(*stream), c->consumed()}};
    }
    case BrokerPayload::TracepointRequest: {
      const auto* t = root->payload_as_TracepointRequest();
      tracepoint_request out{t->request_id(), {}};
      if (t->mutation()) out.mutation.assign(reinterpret_cast<const char*>(t->mutation()->data()), t->mutation()->size());
      return broker_message{std::move(out)};
    }
    case BrokerPayload::NONE:
      break;
  }
  err = {decode_errc::invalid, "broker message carries no payload this build knows (type " +
                                   std::to_string(static_cast<unsigned>(root->payload_type())) + ")"};
  return std::nullopt;
}

std::optional<agent_message> decode_agent(std::string_view bytes, decode_error& err, std::size_t max_bytes) {
  return wire::decode_aligned(bytes, [&](std::string_view b) { return decode_agent_from(b, err, max_bytes); });
}

std::optional<broker_message> decode_broker(std::string_view bytes, decode_error& err, std::size_t max_bytes) {
  return wire::decode_aligned(bytes, [&](std::string_view b) { return decode_broker_from(b, err, max_bytes); });
}

}  // namespace wisp::cluster_wire
