#pragma once
// Message atoms shared by Wisp's actors, and the local-only message types that CAF may carry
// without serialization (row batches are immutable and shared; anything that crosses a process
// boundary is a FlatBuffers message instead, see schemas/wire.fbs).

#include <vector>

#include "caf/allowed_unsafe_message_type.hpp"
#include "caf/atom.hpp"
#include "schemas/row_batch.hpp"
#include "schemas/wire.hpp"

namespace wisp::actors {

using append_atom = caf::atom_constant<caf::atom("append")>;
using scan_atom = caf::atom_constant<caf::atom("scan")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using poll_atom = caf::atom_constant<caf::atom("poll")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using batch_atom = caf::atom_constant<caf::atom("batch")>;
using eos_atom = caf::atom_constant<caf::atom("eos")>;
using run_atom = caf::atom_constant<caf::atom("run")>;
using events_atom = caf::atom_constant<caf::atom("events")>;

using batch_list = std::vector<schemas::row_batch_ptr>;

}  // namespace wisp::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wisp::schemas::row_batch_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(wisp::actors::batch_list)
// Every source's drop counters (stats_atom replies).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<wisp::wire::loss_counter>)
