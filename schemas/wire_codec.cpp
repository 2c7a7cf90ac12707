#include "schemas/wire_codec.hpp"

namespace wisp::wire {

namespace fb = flatbuffers;
using schemas::data_type;

// Strings go through CreateString(std::string), never the generated *Direct(c_str()) helpers,
// which would cut a string at its first NUL.

fb::Offset<Relation> encode_relation(fb::FlatBufferBuilder& b, const schemas::relation& rel) {
  std::vector<fb::Offset<ColumnInfo>> cols;
  cols.reserve(rel.columns.size());
  for (const auto& c : rel.columns)
    cols.push_back(CreateColumnInfo(b, b.CreateString(c.name), static_cast<std::uint8_t>(c.type),
                                    static_cast<std::uint16_t>(c.semantic), b.CreateString(c.desc)));
  return CreateRelationDirect(b, &cols);
}

namespace {

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

}  // namespace

fb::Offset<RowBatch> encode_batch(fb::FlatBufferBuilder& b, const schemas::row_batch& batch) {
  std::vector<fb::Offset<Column>> cols;
  cols.reserve(batch.columns.size());
  for (const auto& c : batch.columns) cols.push_back(encode_column(b, c));
  return CreateRowBatchDirect(b, batch.num_rows(), &cols);
}

fb::Offset<fb::Vector<fb::Offset<LossCounter>>> encode_losses(fb::FlatBufferBuilder& b,
                                                             const std::vector<loss_counter>& losses) {
  std::vector<fb::Offset<LossCounter>> out;
  out.reserve(losses.size());
  for (const auto& l : losses) out.push_back(CreateLossCounter(b, b.CreateString(l.stage), b.CreateString(l.name), l.value));
  return b.CreateVector(out);
}

std::string string_of(const fb::String* s) { return s ? s->str() : std::string{}; }


namespace {

bool valid_type(std::uint8_t t) {
  return t >= static_cast<std::uint8_t>(data_type::boolean) &&
         t <= static_cast<std::uint8_t>(data_type::time64ns);
}

}  // namespace

std::optional<schemas::relation> decode_relation(const Relation* r, std::string& error) {
  schemas::relation rel;
  if (!r || !r->columns()) return rel;
  for (const auto* c : *r->columns()) {
    if (!valid_type(c->data_type())) {
      error = "column '" + string_of(c->name()) + "' has unknown data type " + std::to_string(c->data_type());
      return std::nullopt;
    }
    rel.columns.push_back({string_of(c->name()), static_cast<data_type>(c->data_type()),
                           static_cast<schemas::semantic_type>(c->semantic_type()), string_of(c->desc())});
  }
  return rel;
}

namespace {

template <class V>
std::size_t len(const V* v) {
  return v ? v->size() : 0;
}

// The Verifier checks a vector's length field for 4-byte alignment, not its 8-byte elements;
// the builder aligns them, so a misaligned one is a crafted buffer (and an unaligned load). An
// empty vector is not aligned by the builder and nothing of it is read.
template <class V>
bool elements_aligned(const V* v) {
  return !v || v->size() == 0 || reinterpret_cast<std::uintptr_t>(v->Data()) % sizeof(std::uint64_t) == 0;
}

std::optional<schemas::column> decode_column(const Column* c, std::size_t rows, std::string& error) {
  if (!valid_type(c->data_type())) {
    error = "column has unknown data type " + std::to_string(c->data_type());
    return std::nullopt;
  }
  if (!elements_aligned(c->ints()) || !elements_aligned(c->uint128s()) || !elements_aligned(c->floats()) ||
      !elements_aligned(c->str_offsets())) {
    error = "column values are not 8-byte aligned in the buffer";
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
      // Compared as size - 1 so that a hostile num_rows of 2^64-1 cannot wrap rows + 1 to 0.
      if (len(offs) == 0 || len(offs) - 1 != rows) return wrong_length(len(offs) > 0 ? len(offs) - 1 : 0);
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

}  // namespace

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

std::vector<loss_counter> decode_losses(const fb::Vector<fb::Offset<LossCounter>>* v) {
  std::vector<loss_counter> out;
  if (v)
    for (const auto* l : *v) out.push_back({string_of(l->stage()), string_of(l->name()), l->value()});
  return out;
}

}  // namespace wisp::wire
