#pragma once
// The tracepoint-mutation codec: a compiled pxtrace mutation (mutation.hpp) as the bytes of
// cluster.fbs TracepointRequest.mutation (schema: schemas/mutation.fbs, identifier "WSTM"). The
// broker compiles a script once and sends each of its mutations to the agents this way; an agent
// hands the decoded mutation to its tracepoint manager as it is.
//
// The bytes come from another process: decoding checks the size, the FlatBuffers Verifier, the
// identifier and the version before anything is read, then what a verifier cannot (enum ranges,
// a name, a ttl that is not negative). Every failure is one line; nothing crashes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pxl/mutation.hpp"

namespace wisp::pxl {

/// Incompatible changes of mutation.fbs bump it; a mutation of another version is refused.
inline constexpr std::uint32_t mutation_version = 1;
/// The largest encoded mutation either end accepts (bpftrace programs are its bulk).
inline constexpr std::size_t max_mutation_bytes = std::size_t{1} << 20;

/// The mutation's bytes (never over max_mutation_bytes: nullopt and the reason in `error` then).
[[nodiscard]] std::optional<std::string> encode_mutation(const tracepoint_mutation& m, std::string& error);

/// The mutation in `bytes`; nullopt and a one-line reason in `error` when they are not a valid
/// mutation of this version.
[[nodiscard]] std::optional<tracepoint_mutation> decode_mutation(std::string_view bytes, std::string& error);

}  // namespace wisp::pxl
