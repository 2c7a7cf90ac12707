#pragma once
// The kernels of the Kubernetes metadata functions that the installed metadata_provider answers
// (udf_k8s.cpp); udf_metadata.cpp registers them. Internal to pxl.

#include <cstddef>
#include <string>
#include <string_view>

#include "pxl/kernels.hpp"

namespace wisp::pxl {

/// The kernel of metadata function `name` taking `nargs` arguments, or nullptr when no provider
/// lookup backs it (it then answers "" / 0 like Pixie without Kubernetes).
udf_kernel k8s_metadata_kernel(std::string_view name, std::size_t nargs);

/// This host's name (gethostname), read once.
const std::string& this_host_name();

}  // namespace wisp::pxl
