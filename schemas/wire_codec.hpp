#pragma once
// The FlatBuffers <-> C++ codec of the tables that several roots share: relations, row batches
// and loss counters (wire.fbs). Used by the client protocol (wire.cpp) and the cluster protocol
// (cluster_wire.cpp). Decoders take tables that the Verifier has already checked and validate
// what it cannot (enum ranges, column lengths, string offsets).

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "schemas/relation.hpp"
#include "schemas/row_batch.hpp"
#include "schemas/wire.hpp"
#include "schemas/wire_generated.h"

namespace wisp::wire {

flatbuffers::Offset<Relation> encode_relation(flatbuffers::FlatBufferBuilder& b, const schemas::relation& rel);
flatbuffers::Offset<RowBatch> encode_batch(flatbuffers::FlatBufferBuilder& b, const schemas::row_batch& batch);
flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<LossCounter>>> encode_losses(
    flatbuffers::FlatBufferBuilder& b, const std::vector<loss_counter>& losses);

/// Finishes `root` with its 4-character file identifier and returns the buffer's bytes.
template <class Root>
std::string finish_buffer(flatbuffers::FlatBufferBuilder& b, flatbuffers::Offset<Root> root, const char* identifier) {
  b.Finish(root, identifier);
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

/// Calls `decode(bytes)` on an 8-byte aligned copy when `bytes` is not 8-byte aligned (a
/// ZeroMQ message body need not be): the Verifier checks alignment relative to the buffer's
/// start, so only an aligned start makes the 8-byte fields aligned in memory.
template <class Decode>
auto decode_aligned(std::string_view bytes, Decode decode) {
  if (reinterpret_cast<std::uintptr_t>(bytes.data()) % sizeof(std::uint64_t) == 0) return decode(bytes);
  std::vector<std::uint64_t> copy((bytes.size() + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t));
  if (!bytes.empty()) std::memcpy(copy.data(), bytes.data(), bytes.size());
  return decode(std::string_view{reinterpret_cast<const char*>(copy.data()), bytes.size()});
}

/// An absent string reads as empty.
std::string string_of(const flatbuffers::String* s);

/// nullopt and the reason in `error` when a column's type, length or string offsets are invalid.
/// An absent relation or batch decodes as empty.
std::optional<schemas::relation> decode_relation(const Relation* r, std::string& error);
std::optional<schemas::row_batch> decode_batch(const RowBatch* b, std::string& error);
std::vector<loss_counter> decode_losses(const flatbuffers::Vector<flatbuffers::Offset<LossCounter>>* v);

}  // namespace wisp::wire
