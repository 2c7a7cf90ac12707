#pragma once
// The FlatBuffers <-> C++ codec of the tables that several roots share: relations, row batches
// and loss counters (wire.fbs). Used by the client protocol (wire.cpp) and the cluster protocol
// (cluster_wire.cpp). Decoders take tables that the Verifier has already checked and validate
// what it cannot (enum ranges, column lengths, string offsets).

#include <optional>
#include <string>
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

/// An absent string reads as empty.
std::string string_of(const flatbuffers::String* s);

/// nullopt and the reason in `error` when a column's type, length or string offsets are invalid.
/// An absent relation or batch decodes as empty.
std::optional<schemas::relation> decode_relation(const Relation* r, std::string& error);
std::optional<schemas::row_batch> decode_batch(const RowBatch* b, std::string& error);
std::vector<loss_counter> decode_losses(const flatbuffers::Vector<flatbuffers::Offset<LossCounter>>* v);

}  // namespace wisp::wire
