// The watch client against a local HTTP server. No Kubernetes API server can run on this
// machine, so these tests replay recorded API responses (replay/*.json, *.jsonl: LIST bodies and
// WATCH event streams in the API's own format) through replay_server, byte for byte as an API
// server sends them (Content-Length lists, chunked watch streams cut mid-line).

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "cluster/metadata/watch_client.hpp"
#include "test/cluster/metadata/replay_server.hpp"

namespace wisp::cluster::metadata {
namespace {

using test::http_chunked;
using test::http_json;
using test::replay_file;
using test::replay_server;
using test::scripted_response;
using namespace std::chrono_literals;

constexpr const char* frontend_uid = "3f9a8e61-0c2a-4d36-9a55-2b6b5b8f0c11";
constexpr const char* backend_uid = "a1b2c3d4-e5f6-4789-a0b1-c2d3e4f5a6b7";
constexpr const char* cart_uid = "c0ffee00-1234-4abc-8def-0123456789ab";

// Per-test file names: ctest may run the cases of this binary in parallel.
std::string temp_path(const std::string& what) {
  return ::testing::TempDir() + "wisp_k8s_" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" + what;
}

struct fixture : ::testing::Test {
  std::string token_file = temp_path("token");
  metadata_store store;

  void SetUp() override { std::ofstream{token_file} << "eyJhbGciOiJSUzI1NiJ9.test-token\n"; }

  watch_config config(const replay_server& s) {
    watch_config c;
    c.api.host = "127.0.0.1";
    c.api.port = s.port();
    c.token_file = token_file;
    c.timeouts.read = 2000ms;
    c.backoff_initial = 1ms;
    c.backoff_max = 4ms;
    return c;
  }
};

std::string chunked_events(const std::string& file, std::size_t truncate_at = std::string::npos) {
  return http_chunked(replay_file(file), 97, truncate_at);
}

TEST_F(fixture, ListLoadsPodsAndSendsTheBearerToken) {
  replay_server s{{{http_json(200, replay_file("pods_list.json"))}}};
  watch_client c{config(s), store};
  auto rv = c.list(resource_kind::pods);
  ASSERT_TRUE(rv) << rv.error_value().what;
  EXPECT_EQ(*rv, "1000");
  EXPECT_EQ(s.target(0), "/api/v1/pods?limit=500");
  EXPECT_NE(s.requests()[0].find("\r\nAuthorization: Bearer eyJhbGciOiJSUzI1NiJ9.test-token"),
            std::string::npos);
  EXPECT_EQ(store.size(resource_kind::pods), 3u);
  auto p = store.pod_by_ip("10.244.1.17");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->meta.uid, frontend_uid);
  EXPECT_EQ(p->meta.name, "frontend-7d4b9c6f5-x2x9q");
  EXPECT_EQ(p->meta.ns, "default");
  EXPECT_EQ(p->node_name, "node-a");
  EXPECT_EQ(p->phase, "Running");
  EXPECT_EQ(p->start_ns, 1795940102123456000);  // 2026-11-29T08:15:02.123456Z
  ASSERT_EQ(p->containers.size(), 1u);
  EXPECT_EQ(p->containers[0].name, "frontend");
  EXPECT_EQ(p->containers[0].runtime, "containerd");
  auto by_container = store.pod_by_container_id(
      "1111222233334444555566667777888899990000aaaabbbbccccddddeeeeffff");
  ASSERT_TRUE(by_container);
  EXPECT_EQ(by_container->meta.uid, backend_uid);
  // kube-proxy runs with hostNetwork: its IP is the node's and must not map to the pod.
  EXPECT_FALSE(store.pod_by_ip("10.0.0.11"));
  EXPECT_TRUE(store.pod_by_name("kube-system", "kube-proxy-8kq2z"));
}

// An agent watches only its node's pods; the other kinds stay cluster-wide.
TEST_F(fixture, ANodeScopedClientSelectsItsPodsOnly) {
  replay_server s{{{http_json(200, replay_file("pods_list.json"))},
                   {chunked_events("pods_watch_events.jsonl")},
                   {http_json(200, replay_file("services_list.json"))}}};
  auto cfg = config(s);
  cfg.pod_node = "node-a";
  watch_client c{cfg, store};
  auto rv = c.list(resource_kind::pods);
  ASSERT_TRUE(rv) << rv.error_value().what;
  EXPECT_EQ(s.target(0), "/api/v1/pods?limit=500&fieldSelector=spec.nodeName%3Dnode-a");
  std::string version = *rv;
  EXPECT_EQ(c.watch(resource_kind::pods, version), watch_end::ended);
  EXPECT_EQ(s.target(1), "/api/v1/pods?watch=1&resourceVersion=1000&allowWatchBookmarks=true&timeoutSeconds=600"
                         "&fieldSelector=spec.nodeName%3Dnode-a");
  ASSERT_TRUE(c.list(resource_kind::services));
  EXPECT_EQ(s.target(2), "/api/v1/services?limit=500");
}

TEST_F(fixture, ListFollowsContinueTokens) {
  std::string page1 =
      R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1000","continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTAwMH0+/="},"items":[)" +
      std::string(R"({"metadata":{"name":"a","namespace":"x","uid":"00000000-0000-4000-8000-000000000001"}}]})");
  std::string page2 =
      R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1000"},"items":[{"metadata":{"name":"b","namespace":"x","uid":"00000000-0000-4000-8000-000000000002"}}]})";
  replay_server s{{{http_json(200, page1)}, {http_json(200, page2)}}};
  watch_client c{config(s), store};
  auto rv = c.list(resource_kind::pods);
  ASSERT_TRUE(rv) << rv.error_value().what;
  EXPECT_EQ(s.target(1),
            "/api/v1/pods?limit=500&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTAwMH0%2B%2F%3D");
  EXPECT_EQ(store.size(resource_kind::pods), 2u);
}

TEST_F(fixture, WatchEventsAddModifyDeleteAndBookmark) {
  replay_server s{{{http_json(200, replay_file("pods_list.json"))},
                   {chunked_events("pods_watch_events.jsonl")}}};
  watch_client c{config(s), store};
  auto rv = c.list(resource_kind::pods);
  ASSERT_TRUE(rv) << rv.error_value().what;
  std::string version = *rv;
  EXPECT_EQ(c.watch(resource_kind::pods, version), watch_end::ended);
  EXPECT_EQ(s.target(1),
            "/api/v1/pods?watch=1&resourceVersion=1000&allowWatchBookmarks=true&timeoutSeconds=600");
  auto& n = c.counters(resource_kind::pods);
  EXPECT_EQ(n.events, 3u);  // ADDED, MODIFIED, DELETED
  EXPECT_EQ(n.bookmarks, 1u);
  EXPECT_EQ(n.malformed_lines, 2u);  // a cut-off object and a line of text
  EXPECT_EQ(version, "1006");        // the DELETED event came after the bookmark (1005)
  // ADDED then MODIFIED: the pod is running with its CRI-O container id.
  auto cart = store.pod_by_uid(cart_uid);
  ASSERT_TRUE(cart);
  EXPECT_EQ(cart->phase, "Running");
  ASSERT_EQ(cart->containers.size(), 1u);
  EXPECT_EQ(cart->containers[0].runtime, "cri-o");
  EXPECT_EQ(store.pod_by_ip("10.244.2.9")->meta.uid, cart_uid);
  EXPECT_EQ(store.pod_by_container_id(
                    "cafe0000cafe0000cafe0000cafe0000cafe0000cafe0000cafe0000cafe0000")
                ->meta.name,
            "cart-6b7c8d9e0-zzz11");
  // DELETED: the backend pod and its indexes are gone.
  EXPECT_FALSE(store.pod_by_uid(backend_uid));
  EXPECT_FALSE(store.pod_by_ip("10.244.2.5"));
  EXPECT_EQ(store.size(resource_kind::pods), 3u);
}

TEST_F(fixture, GoneErrorEventCausesRelist) {
  replay_server s{{{http_json(200, replay_file("pods_list.json"))},
                   {chunked_events("pods_watch_gone.jsonl")},
                   {http_json(200, replay_file("pods_list_after_gone.json"))},
                   {chunked_events("pods_watch_events.jsonl")}}};
  watch_client c{config(s), store};
  c.run(resource_kind::pods, [&] { return !s.exhausted(); });
  auto& n = c.counters(resource_kind::pods);
  EXPECT_EQ(n.gone, 1u);
  EXPECT_EQ(n.lists, 2u);
  EXPECT_EQ(s.target(2), "/api/v1/pods?limit=500");
  EXPECT_NE(s.target(3).find("resourceVersion=2000&"), std::string::npos) << s.target(3);
  // The second list replaced the first: kube-proxy (only in the first list) is gone.
  EXPECT_FALSE(store.pod_by_name("kube-system", "kube-proxy-8kq2z"));
  EXPECT_TRUE(store.pod_by_uid(frontend_uid));
}

TEST_F(fixture, HttpGoneOnWatchCausesRelist) {
  replay_server s{{{http_json(200, replay_file("pods_list.json"))},
                   {http_json(410, replay_file("status_410.json"))},
                   {http_json(200, replay_file("pods_list_after_gone.json"))}}};
  watch_client c{config(s), store};
  c.run(resource_kind::pods, [&] { return !s.exhausted(); });
  EXPECT_EQ(c.counters(resource_kind::pods).gone, 1u);
  EXPECT_EQ(c.counters(resource_kind::pods).lists, 2u);
  EXPECT_EQ(s.target(2), "/api/v1/pods?limit=500");
  EXPECT_EQ(store.size(resource_kind::pods), 2u);
}

TEST_F(fixture, DroppedConnectionReconnectsFromTheLastVersion) {
  std::string events = replay_file("pods_watch_events.jsonl");
  // The connection drops in the middle of the third line, after ADDED (1001) and MODIFIED (1002).
  std::size_t cut = events.find('\n', events.find('\n') + 1) + 40;
  std::string dropped = test::http_chunked(events.substr(0, cut), 97);
  dropped.resize(dropped.size() - 5);  // no zero chunk: the body never ends properly
  replay_server s{{{http_json(200, replay_file("pods_list.json"))},
                   {dropped},
                   {http_chunked("", 97)}}};
  watch_client c{config(s), store};
  c.run(resource_kind::pods, [&] { return !s.exhausted(); });
  auto& n = c.counters(resource_kind::pods);
  EXPECT_EQ(n.lists, 1u);  // a reconnect resumes the watch; it does not re-list
  EXPECT_GE(n.reconnects, 1u);
  EXPECT_EQ(n.failures, 1u);
  EXPECT_EQ(n.events, 2u);
  EXPECT_NE(s.target(2).find("watch=1&resourceVersion=1002&"), std::string::npos) << s.target(2);
  EXPECT_NE(c.last_error(resource_kind::pods).find("closed"), std::string::npos)
      << c.last_error(resource_kind::pods);
  EXPECT_EQ(store.pod_by_uid(cart_uid)->phase, "Running");
}

TEST_F(fixture, MalformedLinesAreCountedAndSkipped) {
  std::string deep(5000, '[');
  std::string lines = std::string("{\n") + "[]\n" + "\"just a string\"\n" +
                      R"({"type":"ADDED"})" "\n" +
                      R"({"type":"ADDED","object":[1,2]})" "\n" +
                      R"({"type":"SOMETHING","object":{"metadata":{"resourceVersion":"7"}}})" "\n" +
                      R"({"type":"BOOKMARK","object":{"metadata":{}}})" "\n" + deep + "\n" +
                      std::string("\xff\xfe\x00\x01garbage", 12) + "\n" + "\r\n" +
                      // valid event shape, but the pod lacks its uid: a malformed object
                      R"({"type":"ADDED","object":{"metadata":{"name":"no-uid","resourceVersion":"8"}}})" "\n" +
                      R"({"type":"ADDED","object":{"metadata":{"name":"ok","namespace":"x","uid":"00000000-0000-4000-8000-000000000009","resourceVersion":"9"}}})";
  replay_server s{{{http_chunked(lines, 13)}}};
  watch_client c{config(s), store};
  std::string version = "5";
  EXPECT_EQ(c.watch(resource_kind::pods, version), watch_end::ended);
  auto& n = c.counters(resource_kind::pods);
  EXPECT_EQ(n.malformed_lines, 9u);
  EXPECT_EQ(n.malformed_objects, 1u);
  EXPECT_EQ(n.events, 1u);  // the last line has no newline: the end of the body ends it
  EXPECT_EQ(version, "9");
  EXPECT_TRUE(store.pod_by_name("x", "ok"));
}

TEST_F(fixture, OversizeListIsRefused) {
  std::string big = replay_file("pods_list.json");
  replay_server s{{{http_json(200, big)}, {http_chunked(big, 1000)}}};
  auto cfg = config(s);
  cfg.limits.max_body_bytes = 4096;
  watch_client c{cfg, store};
  auto by_length = c.list(resource_kind::pods);
  ASSERT_FALSE(by_length);
  EXPECT_NE(by_length.error_value().what.find("exceeds the limit of 4096"), std::string::npos)
      << by_length.error_value().what;
  auto by_chunks = c.list(resource_kind::pods);  // no Content-Length: found while reading
  ASSERT_FALSE(by_chunks);
  EXPECT_NE(by_chunks.error_value().what.find("exceeds the limit of 4096"), std::string::npos)
      << by_chunks.error_value().what;
  EXPECT_EQ(store.size(resource_kind::pods), 0u);
}

TEST_F(fixture, OversizeWatchLineIsSkipped) {
  std::string huge = R"({"type":"ADDED","object":{"metadata":{"name":")" + std::string(50000, 'x') +
                     "\"}}}\n";
  std::string ok =
      R"({"type":"ADDED","object":{"metadata":{"name":"ok","namespace":"x","uid":"00000000-0000-4000-8000-000000000009","resourceVersion":"9"}}})"
      "\n";
  replay_server s{{{http_chunked(huge + ok, 4000)}}};
  auto cfg = config(s);
  cfg.limits.max_line_bytes = 8192;
  watch_client c{cfg, store};
  std::string version = "1";
  EXPECT_EQ(c.watch(resource_kind::pods, version), watch_end::ended);
  EXPECT_EQ(c.counters(resource_kind::pods).oversize_lines, 1u);
  EXPECT_EQ(c.counters(resource_kind::pods).events, 1u);
  EXPECT_EQ(version, "9");
}

TEST_F(fixture, HttpErrorCarriesTheStatusMessage) {
  replay_server s{{{http_json(403, replay_file("status_403.json"))}}};
  watch_client c{config(s), store};
  auto r = c.list(resource_kind::pods);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error_value().http_status, 403);
  EXPECT_NE(r.error_value().what.find("cannot list resource"), std::string::npos)
      << r.error_value().what;
}

TEST_F(fixture, MalformedHttpIsAnError) {
  replay_server s{{{"SSH-2.0-OpenSSH_9.2\r\n\r\n"},
                   {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"},
                   {"HTTP/1.1 200 OK\r\nX-Pad: " + std::string(70000, 'a') + "\r\n\r\n"},
                   {"HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n"}}};
  watch_client c{config(s), store};
  for (auto expected : {"malformed status line", "malformed chunk size", "longer than",
                        "malformed Content-Length"}) {
    auto r = c.list(resource_kind::pods);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error_value().what.find(expected), std::string::npos) << r.error_value().what;
  }
}

TEST_F(fixture, SilentServerTimesOut) {
  replay_server s{{{"", true}}};
  auto cfg = config(s);
  cfg.timeouts.read = 200ms;
  watch_client c{cfg, store};
  auto r = c.list(resource_kind::pods);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error_value().what.find("timed out"), std::string::npos) << r.error_value().what;
}

TEST_F(fixture, StopEndsAnIdleWatch) {
  // A watch that is open but silent (the server holds it): stop() must cancel the blocked read.
  replay_server s{{{http_json(200, replay_file("pods_list.json"))},
                   {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true}}};
  auto cfg = config(s);
  cfg.timeouts.read = 600000ms;
  watch_client c{cfg, store};
  c.start({resource_kind::pods});
  while (!s.exhausted()) std::this_thread::yield();
  c.stop();
  EXPECT_EQ(c.counters(resource_kind::pods).lists, 1u);
  EXPECT_EQ(c.counters(resource_kind::pods).failures, 0u);
}

TEST_F(fixture, AllKindsAndLookups) {
  replay_server s{{{http_json(200, replay_file("namespaces_list.json"))},
                   {http_json(200, replay_file("nodes_list.json"))},
                   {http_json(200, replay_file("pods_list.json"))},
                   {http_json(200, replay_file("services_list.json"))},
                   {http_json(200, replay_file("endpoints_list.json"))}}};
  watch_client c{config(s), store};
  for (auto k : all_resource_kinds) {
    auto rv = c.list(k);
    ASSERT_TRUE(rv) << rv.error_value().what;
  }
  EXPECT_EQ(s.target(4), "/api/v1/endpoints?limit=500");
  EXPECT_EQ(store.namespace_by_name("shop")->phase, "Active");
  auto node = store.node_by_name("node-b");
  ASSERT_TRUE(node);
  EXPECT_EQ(node->addresses[0], (std::pair<std::string, std::string>{"InternalIP", "10.0.0.12"}));
  auto svcs = store.services_for_pod(frontend_uid);
  ASSERT_EQ(svcs.size(), 2u);
  EXPECT_EQ(svcs[0].meta.name, "frontend");
  EXPECT_EQ(svcs[1].meta.name, "web");
  EXPECT_EQ(store.services_for_pod(backend_uid).at(0).meta.name, "backend");
  EXPECT_EQ(store.service_by_ip("10.96.0.1")->meta.name, "kubernetes");
  EXPECT_TRUE(store.service_by_name("default", "db-headless")->cluster_ips.empty());
  EXPECT_EQ(store.service_by_name("default", "frontend")->selector.at("app"), "frontend");
}

// A self-signed certificate for 127.0.0.1 (the API server's own), made with the openssl tool.
bool make_cert(const std::string& dir, const std::string& name, const std::string& san) {
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
                    " -days 1 -subj /CN=wisp-test-apiserver -addext subjectAltName=" + san +
                    " -keyout " + dir + name + ".key -out " + dir + name + ".crt 2>/dev/null";
  return std::system(cmd.c_str()) == 0;
}

struct tls_fixture : fixture {
  std::string dir = temp_path("");
  void SetUp() override {
    fixture::SetUp();
    if (std::system("command -v openssl >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "the openssl tool is not installed (deploy/install-deps.sh installs it)";
    ASSERT_TRUE(make_cert(dir, "apiserver", "IP:127.0.0.1,DNS:kubernetes.default.svc"));
    ASSERT_TRUE(make_cert(dir, "other", "IP:127.0.0.1"));
  }
  watch_config tls_config(const replay_server& s, const std::string& ca) {
    auto c = config(s);
    c.api.tls = true;
    c.api.ca_file = dir + ca + ".crt";
    return c;
  }
};

TEST_F(tls_fixture, ListOverTlsWithTheClusterCa) {
  replay_server s{{{http_json(200, replay_file("pods_list.json"))},
                   {chunked_events("pods_watch_events.jsonl")}},
                  dir + "apiserver.crt", dir + "apiserver.key"};
  watch_client c{tls_config(s, "apiserver"), store};
  auto rv = c.list(resource_kind::pods);
  ASSERT_TRUE(rv) << rv.error_value().what;
  EXPECT_EQ(*rv, "1000");
  std::string version = *rv;
  EXPECT_EQ(c.watch(resource_kind::pods, version), watch_end::ended);
  EXPECT_EQ(version, "1006");
  EXPECT_NE(s.requests()[0].find("Authorization: Bearer "), std::string::npos);
}

TEST_F(tls_fixture, UntrustedCertificateIsRefused) {
  replay_server s{{{http_json(200, replay_file("pods_list.json"))}}, dir + "apiserver.crt",
                  dir + "apiserver.key"};
  watch_client c{tls_config(s, "other"), store};
  auto r = c.list(resource_kind::pods);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error_value().what.find("certificate verify failed"), std::string::npos)
      << r.error_value().what;
  EXPECT_TRUE(s.requests().empty());  // the token was never sent
}

TEST_F(tls_fixture, WrongServerNameIsRefused) {
  replay_server s{{{http_json(200, replay_file("pods_list.json"))}}, dir + "apiserver.crt",
                  dir + "apiserver.key"};
  auto cfg = tls_config(s, "apiserver");
  cfg.api.server_name = "evil.example.com";
  watch_client c{cfg, store};
  auto r = c.list(resource_kind::pods);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error_value().what.find("certificate verify failed"), std::string::npos)
      << r.error_value().what;
  cfg.api.server_name = "kubernetes.default.svc";  // the name in-cluster clients may use
  replay_server s2{{{http_json(200, replay_file("pods_list.json"))}}, dir + "apiserver.crt",
                   dir + "apiserver.key"};
  cfg.api.port = s2.port();
  watch_client c2{cfg, store};
  auto ok = c2.list(resource_kind::pods);
  EXPECT_TRUE(ok) << ok.error_value().what;
}

TEST(InClusterConfig, NamesWhatIsMissing) {
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  auto c = in_cluster_config();
  ASSERT_FALSE(c);
  EXPECT_NE(c.error_value().what.find("KUBERNETES_SERVICE_HOST"), std::string::npos);
}

}  // namespace
}  // namespace wisp::cluster::metadata
