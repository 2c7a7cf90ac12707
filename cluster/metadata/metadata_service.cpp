#include "cluster/metadata/metadata_service.hpp"

#include <charconv>
#include <fstream>
#include <iterator>

namespace wisp::cluster::metadata {

namespace {

error bad_flag(std::string_view value, std::string_view why) {
  return error{"parse --kube_api=" + std::string(value) + ": " + std::string(why) +
                   " (expected empty, in-cluster, or http(s)://host:port)",
               0};
}

}  // namespace

expected<std::optional<watch_config>> parse_kube_api(std::string_view v) {
  if (v.empty()) return std::optional<watch_config>{};
  if (v == "in-cluster") {
    auto c = in_cluster_config();
    if (!c) return error{"use --kube_api=in-cluster: " + c.error_value().what, 0};
    return std::optional<watch_config>{std::move(*c)};
  }
  watch_config c;
  std::string_view rest;
  if (v.starts_with("http://")) {
    rest = v.substr(7);
  } else if (v.starts_with("https://")) {
    rest = v.substr(8);
    c.api.tls = true;
  } else {
    return bad_flag(v, "unknown scheme");
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string_view host;
  std::string_view port;
  if (rest.starts_with('[')) {  // [IPv6]:port
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
      return bad_flag(v, "an IPv6 address is written [addr]:port");
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return bad_flag(v, "no port");
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty() || host.find('/') != std::string_view::npos) return bad_flag(v, "no host");
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc{} || end != port.data() + port.size() || p == 0 || p > 65535)
    return bad_flag(v, "the port is not a number in [1, 65535]");
  c.api.host = std::string(host);
  c.api.port = static_cast<std::uint16_t>(p);
  if (c.api.tls) {
    // Outside the in-cluster defaults, https still trusts the service account's CA and sends
    // its token: the case of an API server reached by another address than the service's.
    c.api.ca_file = std::string(service_account_dir) + "/ca.crt";
    if (!std::ifstream{c.api.ca_file})
      return bad_flag(v, "https needs the service-account CA " + c.api.ca_file);
    if (std::ifstream{std::string(service_account_dir) + "/token"})
      c.token_file = std::string(service_account_dir) + "/token";
  }
  return std::optional<watch_config>{std::move(c)};
}

metadata_service::metadata_service(std::optional<watch_config> cfg, store_provider_options opts)
    : store_(std::make_shared<metadata_store>()) {
  provider_ = std::make_shared<store_provider>(store_, std::move(opts));
  if (cfg) {
    client_.emplace(std::move(*cfg), *store_);
    client_->start({std::begin(all_resource_kinds), std::end(all_resource_kinds)});
  }
  pxl::set_metadata_provider(provider_);
}

metadata_service::~metadata_service() {
  if (pxl::current_metadata_provider() == provider_) pxl::set_metadata_provider(nullptr);
  if (client_) client_->stop();
}

expected<std::unique_ptr<metadata_service>> start_metadata_service(std::string_view kube_api,
                                                                   std::string_view pod_node,
                                                                   store_provider_options opts) {
  auto cfg = parse_kube_api(kube_api);
  if (!cfg) return cfg.error_value();
  if (*cfg) (*cfg)->pod_node = std::string(pod_node);
  return std::make_unique<metadata_service>(std::move(*cfg), std::move(opts));
}

}  // namespace wisp::cluster::metadata
