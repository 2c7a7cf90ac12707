#include "cluster/metadata/watch_client.hpp"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace wisp::cluster::metadata {
namespace {

namespace json = pxl::json;

constexpr const char* sa_dir = service_account_dir;
constexpr int http_gone = 410;

std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

expected<std::string> read_token(const std::string& path) {
  if (path.empty()) return std::string{};
  std::ifstream in{path};
  if (!in) return error{"read token file " + path + ": cannot open", 0};
  std::stringstream ss;
  ss << in.rdbuf();
  std::string t = ss.str();
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  if (t.empty()) return error{"read token file " + path + ": empty", 0};
  return t;
}

std::string member_text(std::string_view doc, std::string_view key) {
  auto m = json::member(doc, key);
  return m ? json::to_text(*m) : std::string{};
}

// The error of a non-200 answer: the Status object's message when the body has one.
error http_error(const std::string& target, http_response& r) {
  std::string what = "GET " + target + ": HTTP " + std::to_string(r.status());
  auto body = r.read_body();
  if (body) {
    if (auto msg = member_text(*body, "message"); !msg.empty()) what += ": " + msg.substr(0, 300);
  }
  return error{what, r.status()};
}

std::optional<json::value_ref> field(const json::value_ref& obj, std::string_view key) {
  if (obj.kind != json::kind::object) return std::nullopt;
  std::optional<json::value_ref> out;
  json::for_each_member(obj, [&](std::string_view k, const json::value_ref& v) {
    if (!json::key_equals(k, key)) return true;
    out = v;
    return false;
  });
  return out;
}

std::string field_string(const json::value_ref& obj, std::string_view key) {
  auto f = field(obj, key);
  return f && f->kind == json::kind::string ? json::decode_string(f->raw) : std::string{};
}

}  // namespace

expected<watch_config> in_cluster_config() {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port)
    return error{"in-cluster config: KUBERNETES_SERVICE_HOST/PORT not set (not in a pod?)", 0};
  watch_config c;
  c.api.host = host;
  int p = std::atoi(port);
  if (p <= 0 || p > 65535)
    return error{std::string("in-cluster config: bad KUBERNETES_SERVICE_PORT \"") + port + "\"", 0};
  c.api.port = static_cast<std::uint16_t>(p);
  c.api.tls = true;
  c.api.ca_file = std::string(sa_dir) + "/ca.crt";
  c.token_file = std::string(sa_dir) + "/token";
  for (auto& f : {c.api.ca_file, c.token_file})
    if (!std::ifstream{f}) return error{"in-cluster config: cannot read " + f, 0};
  return c;
}

watch_client::watch_client(watch_config cfg, metadata_store& store)
    : cfg_(std::move(cfg)), store_(store) {}

watch_client::~watch_client() { stop(); }

void watch_client::start(const std::vector<resource_kind>& kinds) {
  stopping_ = false;
  for (auto k : kinds) threads_.emplace_back([this, k] { run(k, [] { return true; }); });
}

void watch_client::stop() {
  {
    std::lock_guard lock{mu_};
    stopping_ = true;
  }
  stop_cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void watch_client::pause(std::chrono::milliseconds d) {
  std::unique_lock lock{mu_};
  stop_cv_.wait_for(lock, d, [&] { return stopping_.load(); });
}

std::string watch_client::last_error(resource_kind k) const {
  std::lock_guard lock{mu_};
  return last_error_[index(k)];
}

void watch_client::note_error(resource_kind k, const error& e) {
  counters_[index(k)].failures++;
  std::lock_guard lock{mu_};
  last_error_[index(k)] = e.what;
}

expected<http_response> watch_client::get(const std::string& target) {
  auto token = read_token(cfg_.token_file);
  if (!token) return token.error_value();
  auto stream = connect_stream(cfg_.api, cfg_.timeouts, &stopping_);
  if (!stream) return stream.error_value();
  http_request req{target, cfg_.api.host + ":" + std::to_string(cfg_.api.port), *token};
  return http_response::open(std::move(*stream), req, cfg_.limits);
}

std::string watch_client::selector(resource_kind k) const {
  if (k != resource_kind::pods || cfg_.pod_node.empty()) return {};
  return "&fieldSelector=" + url_encode("spec.nodeName=" + cfg_.pod_node);
}

expected<std::string> watch_client::list(resource_kind k) {
  auto& ctr = counters_[index(k)];
  std::string base = "/api/v1/" + std::string(collection_name(k)) +
                     "?limit=" + std::to_string(cfg_.list_page_size) + selector(k);
  std::vector<k8s_object> items;
  std::string cont;
  std::string rv;
  do {
    std::string target = base + (cont.empty() ? "" : "&continue=" + url_encode(cont));
    auto r = get(target);
    if (!r) return r.error_value();
    if (r->status() != 200) return http_error(target, *r);
    auto body = r->read_body();
    if (!body) return body.error_value();
    std::size_t bad_at = 0;
    auto doc = json::parse(*body, bad_at);
    if (!doc || doc->kind != json::kind::object)
      return error{"GET " + target + ": body is not a JSON object (invalid at byte " +
                       std::to_string(bad_at) + ")",
                   0};
    auto meta = field(*doc, "metadata");
    rv = meta ? field_string(*meta, "resourceVersion") : "";
    cont = meta ? field_string(*meta, "continue") : "";
    auto list_items = field(*doc, "items");
    if (list_items && list_items->kind == json::kind::array) {
      json::for_each_element(*list_items, [&](const json::value_ref& item) {
        auto obj = decode_object(k, item);
        if (obj)
          items.push_back(std::move(*obj));
        else
          ctr.malformed_objects++;
        return true;
      });
    } else if (!(list_items && list_items->kind == json::kind::null)) {
      return error{"GET " + target + ": no items array in the list", 0};
    }
  } while (!cont.empty());
  if (rv.empty()) return error{"LIST " + base + ": no metadata.resourceVersion in the list", 0};
  store_.replace_all(k, std::move(items));
  ctr.lists++;
  return rv;
}

watch_end watch_client::watch(resource_kind k, std::string& resource_version) {
  auto& ctr = counters_[index(k)];
  std::string target = "/api/v1/" + std::string(collection_name(k)) +
                       "?watch=1&resourceVersion=" + url_encode(resource_version) +
                       "&allowWatchBookmarks=true&timeoutSeconds=" +
                       std::to_string(cfg_.watch_timeout_seconds) + selector(k);
  auto r = get(target);
  if (stopping_) return watch_end::cancelled;
  if (!r) {
    note_error(k, r.error_value());
    return watch_end::failed;
  }
  if (r->status() == http_gone) return watch_end::gone;
  if (r->status() != 200) {
    note_error(k, http_error(target, *r));
    return watch_end::failed;
  }
  ctr.watches++;
  for (;;) {
    auto line = r->next_line();
    if (!line) {
      if (stopping_) return watch_end::cancelled;
      note_error(k, line.error_value());
      return watch_end::failed;
    }
    if (line->what == body_line::kind::end) return watch_end::ended;
    if (line->what == body_line::kind::oversize) {
      ctr.oversize_lines++;
      continue;
    }
    if (line->text.find_first_not_of(" \t") == std::string::npos) continue;
    auto ev = json::parse(line->text);
    std::optional<json::value_ref> obj;
    std::string type;
    if (ev && ev->kind == json::kind::object) {
      type = field_string(*ev, "type");
      obj = field(*ev, "object");
    }
    if (type.empty() || !obj || obj->kind != json::kind::object) {
      ctr.malformed_lines++;
      continue;
    }
    if (type == "ERROR") {
      auto code = field(*obj, "code");
      if (code && json::to_int64(*code) == http_gone) return watch_end::gone;
      note_error(k, error{"WATCH " + target + ": ERROR event: " + field_string(*obj, "message"),
                          code ? static_cast<int>(json::to_int64(*code).value_or(0)) : 0});
      return watch_end::failed;
    }
    auto meta = field(*obj, "metadata");
    std::string rv = meta ? field_string(*meta, "resourceVersion") : "";
    if (type == "BOOKMARK") {
      if (rv.empty()) {
        ctr.malformed_lines++;
        continue;
      }
      resource_version = rv;
      ctr.bookmarks++;
      continue;
    }
    if (type != "ADDED" && type != "MODIFIED" && type != "DELETED") {
      ctr.malformed_lines++;
      continue;
    }
    auto decoded = decode_object(k, *obj);
    if (!decoded) {
      ctr.malformed_objects++;
      if (!rv.empty()) resource_version = rv;
      continue;
    }
    if (type == "DELETED")
      store_.remove(k, meta_of(*decoded).uid);
    else
      store_.upsert(std::move(*decoded));
    if (!rv.empty()) resource_version = rv;
    ctr.events++;
  }
}

void watch_client::run(resource_kind k, const std::function<bool()>& keep_going) {
  auto& ctr = counters_[index(k)];
  std::string rv;
  auto backoff = cfg_.backoff_initial;
  auto grow = [&] { backoff = std::min(backoff * 2, cfg_.backoff_max); };
  while (!stopping_ && keep_going()) {
    if (rv.empty()) {
      auto l = list(k);
      if (stopping_) return;
      if (!l) {
        note_error(k, l.error_value());
        if (l.error_value().http_status == http_gone) {
          ctr.gone++;  // an expired continue token: start the list again at once
          continue;
        }
        pause(backoff);
        grow();
        continue;
      }
      rv = *l;
      backoff = cfg_.backoff_initial;
    }
    auto opened_before = ctr.watches.load();
    switch (watch(k, rv)) {
      case watch_end::cancelled: return;
      case watch_end::gone:
        ctr.gone++;
        rv.clear();
        continue;
      case watch_end::ended:
      case watch_end::failed:
        if (ctr.watches.load() != opened_before)
          backoff = cfg_.backoff_initial;
        else
          grow();
        ctr.reconnects++;
        pause(backoff);
        continue;
    }
  }
}

}  // namespace wisp::cluster::metadata
