#pragma once
// Small helpers every loader uses around libbpf: its negative-errno results as `error`s, and the
// ring-buffer size rule.

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "bpf/error.hpp"

namespace wisp::bpf {

/// "<what>: <strerror>", with the errno; libbpf returns -errno or sets errno.
inline error make_libbpf_error(std::string what, int err) {
  if (err < 0)
    err = -err;
  return error{std::move(what) + ": " + std::strerror(err), err};
}

/// BPF ring buffers are powers of two of at least one page.
inline bool valid_ring_size(std::uint32_t bytes) {
  auto page = static_cast<std::uint32_t>(::sysconf(_SC_PAGESIZE));
  return bytes >= page && (bytes & (bytes - 1)) == 0;
}

}  // namespace wisp::bpf
