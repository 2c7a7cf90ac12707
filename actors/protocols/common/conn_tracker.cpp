#include "actors/protocols/common/conn_tracker.hpp"

namespace wisp::protocols {

bool trace_server_side(const conn_meta& meta) { return meta.role == schemas::trace_role::server; }

bool trace_both_sides(const conn_meta& meta) {
  return meta.role == schemas::trace_role::server || meta.role == schemas::trace_role::client;
}

std::string_view to_string(disable_reason r) {
  switch (r) {
    case disable_reason::none: return "none";
    case disable_reason::role_not_traced: return "role_not_traced";
    case disable_reason::parse_failures: return "parse_failures";
    case disable_reason::stitch_failures: return "stitch_failures";
  }
  return "unknown";
}

namespace detail {

bool requests_are_ingress(schemas::trace_role role) { return role != schemas::trace_role::client; }

schemas::trace_role infer_role(std::optional<message_type> ingress,
                               std::optional<message_type> egress) {
  // Reading requests or writing responses is what a server does.
  bool server = ingress == message_type::request || egress == message_type::response;
  bool client = ingress == message_type::response || egress == message_type::request;
  if (server == client) return schemas::trace_role::unknown;
  return server ? schemas::trace_role::server : schemas::trace_role::client;
}

bool over_failure_limit(std::uint64_t failures, std::uint64_t attempts, double limit,
                        std::uint64_t min_attempts) {
  if (attempts <= min_attempts) return false;
  return static_cast<double>(failures) > limit * static_cast<double>(attempts);
}

}  // namespace detail
}  // namespace wisp::protocols
