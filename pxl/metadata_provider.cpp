#include "pxl/metadata_provider.hpp"

#include <atomic>

namespace wisp::pxl {

namespace {
std::atomic<std::shared_ptr<const metadata_provider>>& installed() {
  static std::atomic<std::shared_ptr<const metadata_provider>> p;
  return p;
}
}  // namespace

void set_metadata_provider(std::shared_ptr<const metadata_provider> p) { installed().store(std::move(p)); }

std::shared_ptr<const metadata_provider> current_metadata_provider() { return installed().load(); }

}  // namespace wisp::pxl
