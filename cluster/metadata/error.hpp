#pragma once
// Errors of the Kubernetes metadata module as values. No CAF here: the broker's metadata actor
// turns an `error` into a caf::error at its boundary.

#include <string>

#include "bpf/error.hpp"

namespace wisp::cluster::metadata {

struct error {
  std::string what;     // "<verb> <object>: <reason>", e.g. "read /api/v1/pods: timed out after 30000 ms"
  int http_status = 0;  // the HTTP status when the server answered with an error, else 0
};

/// The project's small expected (bpf/error.hpp), with this module's error.
template <class T>
using expected = bpf::expected<T, error>;

struct ok_t {};
using status = expected<ok_t>;
inline status ok() { return ok_t{}; }

}  // namespace wisp::cluster::metadata
