// The PxL metadata functions answered by a store_provider over a metadata_store filled from the
// recorded API LIST responses in replay/ (no network; no Kubernetes API server can run here),
// called through the function registry's kernels as a query would call them. Processes come
// from a fake /proc tree written by the test.

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "schemas/node_asid.hpp"

#include "cluster/metadata/metadata_service.hpp"
#include "cluster/metadata/store_provider.hpp"
#include "pxl/functions.hpp"
#include "pxl/json.hpp"
#include "pxl/metadata_provider.hpp"
#include "test/cluster/metadata/replay_server.hpp"

namespace wisp::cluster::metadata {
namespace {

using schemas::data_type;
using schemas::uint128;

constexpr std::string_view frontend_uid = "3f9a8e61-0c2a-4d36-9a55-2b6b5b8f0c11";
constexpr std::string_view frontend_ip = "10.244.1.17";
constexpr std::string_view frontend_name = "default/frontend-7d4b9c6f5-x2x9q";
constexpr std::string_view frontend_ctr =
    "4c8b7d5e2f1a3b6c9d0e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c";
constexpr std::string_view backend_uid = "a1b2c3d4-e5f6-4789-a0b1-c2d3e4f5a6b7";
constexpr std::string_view backend_ip = "10.244.2.5";
constexpr std::uint64_t start_ticks = 424242;

void load(metadata_store& store, resource_kind k, const std::string& file) {
  const std::string body = test::replay_file(file);
  auto doc = pxl::json::parse(body);
  ASSERT_TRUE(doc) << file;
  auto items = pxl::json::member(body, "items");
  ASSERT_TRUE(items) << file;
  std::vector<k8s_object> objs;
  pxl::json::for_each_element(*items, [&](const pxl::json::value_ref& item) {
    auto o = decode_object(k, item);
    EXPECT_TRUE(o) << file << ": " << (o ? "" : o.error_value().what);
    if (o) objs.push_back(std::move(*o));
    return true;
  });
  store.replace_all(k, std::move(objs));
}

void write(const std::filesystem::path& p, std::string_view text) {
  std::ofstream out{p, std::ios::binary};
  out << text;
}

class StoreProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = std::make_shared<metadata_store>();
    load(*store, resource_kind::pods, "pods_list.json");
    load(*store, resource_kind::services, "services_list.json");
    load(*store, resource_kind::endpoints, "endpoints_list.json");
    load(*store, resource_kind::nodes, "nodes_list.json");
    load(*store, resource_kind::namespaces, "namespaces_list.json");
    store_ = store;
    // A fake /proc: pid 100 runs in the frontend pod's container (cgroup v2, systemd driver),
    // pid 200 is a host process.
    proc_ = std::filesystem::temp_directory_path() / ("wisp-proc-" + std::to_string(::getpid()));
    std::filesystem::create_directories(proc_ / "100");
    std::filesystem::create_directories(proc_ / "200");
    std::string pod = std::string(frontend_uid);
    std::replace(pod.begin(), pod.end(), '-', '_');
    write(proc_ / "100" / "cgroup", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" +
                                        pod + ".slice/cri-containerd-" + std::string(frontend_ctr) + ".scope\n");
    write(proc_ / "100" / "cmdline", std::string("nginx\0-g\0daemon off;\0", 22));
    write(proc_ / "100" / "stat", "100 (nginx: master) S 1 100 100 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 " +
                                      std::to_string(start_ticks) + " 1 1\n");
    write(proc_ / "200" / "cgroup", "0::/system.slice/sshd.service\n");
    write(proc_ / "200" / "cmdline", std::string("sshd\0", 5));
    store_provider_options opts;
    opts.proc_root = proc_.string();
    schemas::set_node_asid(3);
    pxl::set_metadata_provider(std::make_shared<store_provider>(store_, opts));
  }
  void TearDown() override {
    pxl::set_metadata_provider(nullptr);
    std::filesystem::remove_all(proc_);
  }

  // Runs PxL function `name` over a column of `keys` (plus constant extra args) through the
  // registry's kernel, as a map operator does.
  static schemas::column call(const std::string& name, const schemas::column& keys,
                              const std::vector<pxl::scalar>& extra = {}) {
    std::vector<data_type> types{keys.type()};
    for (const auto& s : extra) types.push_back(s.type);
    const auto* def = pxl::function_registry::builtin().find_udf(name, types);
    EXPECT_NE(def, nullptr) << name;
    schemas::column out{def ? def->result : data_type::string};
    if (def == nullptr) return out;
    std::vector<pxl::kernel_arg> args{{&keys, nullptr}};
    for (const auto& s : extra) args.push_back({nullptr, &s});
    def->kernel(args, keys.size(), out);
    return out;
  }
  static std::vector<std::string> strings(const std::string& name, std::vector<std::string> keys,
                                          const std::vector<pxl::scalar>& extra = {}) {
    schemas::column in{data_type::string};
    for (const auto& k : keys) in.push_string(k);
    auto out = call(name, in, extra);
    std::vector<std::string> v;
    for (std::size_t i = 0; i < out.size(); ++i) v.emplace_back(out.strings().at(i));
    return v;
  }
  static std::string one(const std::string& name, std::string key) { return strings(name, {std::move(key)}).at(0); }
  static std::int64_t time_of(const std::string& name, std::string key) {
    schemas::column in{data_type::string};
    in.push_string(key);
    return call(name, in).ints().at(0);
  }
  static std::vector<std::string> by_upid(const std::string& name, std::vector<uint128> upids) {
    schemas::column in{data_type::uint128};
    for (const auto& u : upids) in.uint128s().push_back(u);
    auto out = call(name, in);
    std::vector<std::string> v;
    for (std::size_t i = 0; i < out.size(); ++i) v.emplace_back(out.strings().at(i));
    return v;
  }
  static uint128 upid(std::uint32_t asid, std::uint32_t pid, std::uint64_t ticks) {
    return {(std::uint64_t{asid} << 32) | pid, ticks};
  }

  std::shared_ptr<metadata_store> store_;
  std::filesystem::path proc_;
};

TEST_F(StoreProviderTest, IpToPodIdThenPodProperties) {
  EXPECT_EQ(strings("ip_to_pod_id", {std::string(frontend_ip), std::string(backend_ip), "10.9.9.9", ""}),
            (std::vector<std::string>{std::string(frontend_uid), std::string(backend_uid), "", ""}));
  // The two-argument form (with a time) answers from the current pods.
  EXPECT_EQ(strings("ip_to_pod_id", {std::string(frontend_ip)}, {pxl::scalar::of_time(1)}).at(0), frontend_uid);
  EXPECT_EQ(one("pod_id_to_pod_name", std::string(frontend_uid)), frontend_name);
  EXPECT_EQ(one("pod_id_to_namespace", std::string(backend_uid)), "default");
  EXPECT_EQ(one("pod_id_to_node_name", std::string(backend_uid)), "node-b");
  EXPECT_EQ(one("pod_id_to_pod_labels", std::string(frontend_uid)), R"({"app":"frontend"})");
  EXPECT_EQ(one("pod_id_to_pod_name", "no-such-uid"), "");
  // Start: the pod's creation time (2026-11-29T08:15:00Z); alive, so no stop time.
  EXPECT_EQ(time_of("pod_id_to_start_time", std::string(frontend_uid)), *parse_rfc3339("2026-11-29T08:15:00Z"));
  EXPECT_EQ(time_of("pod_id_to_stop_time", std::string(frontend_uid)), 0);
}

TEST_F(StoreProviderTest, PodBehindSeveralServicesIsAJsonArray) {
  EXPECT_EQ(one("pod_id_to_service_name", std::string(frontend_uid)), R"(["default/frontend","default/web"])");
  EXPECT_EQ(one("pod_id_to_service_name", std::string(backend_uid)), "default/backend");
  EXPECT_EQ(one("pod_id_to_service_id", std::string(backend_uid)), "bbbbbbbb-cccc-4ddd-8eee-ffffffffffff");
  EXPECT_EQ(one("pod_name_to_service_name", "kube-system/kube-proxy-8kq2z"), "");  // behind none
}

TEST_F(StoreProviderTest, PodNameIsNamespaceSlashName) {
  EXPECT_EQ(one("pod_name_to_pod_id", std::string(frontend_name)), frontend_uid);
  EXPECT_EQ(one("pod_name_to_namespace", "kube-system/kube-proxy-8kq2z"), "kube-system");
  EXPECT_EQ(one("pod_name_to_pod_ip", std::string(frontend_name)), frontend_ip);
  EXPECT_EQ(one("pod_name_to_status", std::string(frontend_name)),
            R"({"phase":"Running","message":"","reason":"","ready":true})");
  // Malformed names answer "" (no slash, empty parts, the wrong namespace).
  for (std::string bad : {"frontend-7d4b9c6f5-x2x9q", "/frontend-7d4b9c6f5-x2x9q", "default/", "shop/frontend-7d4b9c6f5-x2x9q"})
    EXPECT_EQ(one("pod_name_to_pod_id", bad), "") << bad;
}

TEST_F(StoreProviderTest, Services) {
  EXPECT_EQ(one("service_name_to_service_id", "default/backend"), "bbbbbbbb-cccc-4ddd-8eee-ffffffffffff");
  EXPECT_EQ(one("service_name_to_namespace", "default/web"), "default");
  EXPECT_EQ(one("service_id_to_service_name", "66666666-7777-4888-9999-aaaaaaaaaaaa"), "default/web");
  EXPECT_EQ(one("service_id_to_cluster_ip", "bbbbbbbb-cccc-4ddd-8eee-ffffffffffff"), "10.96.77.8");
  EXPECT_EQ(one("service_id_to_external_ips", "bbbbbbbb-cccc-4ddd-8eee-ffffffffffff"), "[]");
  EXPECT_EQ(one("service_name_to_service_id", "backend"), "");
  // ip_to_service_id: a cluster IP names its service; a pod IP names the pod's services.
  EXPECT_EQ(strings("ip_to_service_id", {"10.96.12.34", std::string(backend_ip), "10.1.1.1"}),
            (std::vector<std::string>{"11111111-2222-4333-8444-555555555555",
                                      "bbbbbbbb-cccc-4ddd-8eee-ffffffffffff", ""}));
}

TEST_F(StoreProviderTest, ContainersAndNamespaces) {
  EXPECT_EQ(one("container_id_to_status", std::string(frontend_ctr)),
            R"({"state":"Running","message":"","reason":""})");
  EXPECT_EQ(time_of("container_id_to_start_time", std::string(frontend_ctr)),
            *parse_rfc3339("2026-11-29T08:15:02.123456Z"));
  EXPECT_EQ(one("container_id_to_status", "feedface"), "");
  EXPECT_EQ(one("namespace_name_to_namespace_id", "shop"), "d0d0d0d0-0000-4000-8000-00000000000c");
}

TEST_F(StoreProviderTest, TerminatedPodHasStopTimeAndStatus) {
  pod_info p;
  p.meta.uid = "dead0000-0000-4000-8000-000000000001";
  p.meta.name = "job-1";
  p.meta.ns = "shop";
  p.phase = "Failed";
  p.reason = "Evicted";
  p.message = "The node was low on \"memory\"";
  p.containers.push_back({"c1", "containerd", "job", "terminated", "Error", "exit 1", 5, 77});
  store_->upsert(p);
  EXPECT_EQ(time_of("pod_name_to_stop_time", "shop/job-1"), 77);
  EXPECT_EQ(one("pod_name_to_status", "shop/job-1"),
            R"({"phase":"Failed","message":"The node was low on \"memory\"","reason":"Evicted","ready":false})");
  EXPECT_EQ(one("container_id_to_status", "c1"), R"({"state":"Terminated","message":"exit 1","reason":"Error"})");
  EXPECT_EQ(time_of("container_id_to_stop_time", "c1"), 77);
}

TEST_F(StoreProviderTest, UpidToPodFromTheProcessCgroup) {
  const auto nginx = upid(3, 100, start_ticks);
  EXPECT_EQ(by_upid("upid_to_pod_name", {nginx}).at(0), frontend_name);
  EXPECT_EQ(by_upid("upid_to_pod_id", {nginx}).at(0), frontend_uid);
  EXPECT_EQ(by_upid("upid_to_namespace", {nginx}).at(0), "default");
  EXPECT_EQ(by_upid("upid_to_container_id", {nginx}).at(0), frontend_ctr);
  EXPECT_EQ(by_upid("upid_to_container_name", {nginx}).at(0), "frontend");
  EXPECT_EQ(by_upid("upid_to_service_name", {nginx}).at(0), R"(["default/frontend","default/web"])");
  EXPECT_EQ(by_upid("upid_to_pod_qos", {nginx}).at(0), "Burstable");
  EXPECT_EQ(by_upid("upid_to_node_name", {nginx}).at(0), "node-a");
  EXPECT_EQ(by_upid("upid_to_cmdline", {nginx}).at(0), "nginx -g daemon off;");
  EXPECT_EQ(by_upid("upid_to_pod_status", {nginx}).at(0), R"({"phase":"Running","message":"","reason":"","ready":true})");
}

TEST_F(StoreProviderTest, UpidThatIsNotAPodProcess) {
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  const std::vector<uint128> upids{
      upid(3, 200, 0),               // a host process: no pod, but a command line
      upid(3, 100, start_ticks + 1),  // pid 100 reused by another process
      upid(4, 100, start_ticks),      // another node's process
      upid(3, 999, 0)};               // gone
  EXPECT_EQ(by_upid("upid_to_pod_name", upids), (std::vector<std::string>{"", "", "", ""}));
  EXPECT_EQ(by_upid("upid_to_cmdline", upids), (std::vector<std::string>{"sshd", "", "", ""}));
  EXPECT_EQ(by_upid("upid_to_node_name", upids), (std::vector<std::string>(4, host)));
}

// A node without an API server (or before the first LIST): the process's own cgroup and
// /proc still answer its pod UID, container id and command line.
TEST_F(StoreProviderTest, UpidWithoutTheApiServerAnswersFromCgroupAndProc) {
  store_provider_options opts;
  opts.proc_root = proc_.string();
  pxl::set_metadata_provider(std::make_shared<store_provider>(std::make_shared<metadata_store>(), opts));
  const std::vector<uint128> upids{upid(3, 100, start_ticks), upid(3, 200, 0)};
  EXPECT_EQ(by_upid("upid_to_pod_id", upids), (std::vector<std::string>{std::string(frontend_uid), ""}));
  EXPECT_EQ(by_upid("upid_to_container_id", upids), (std::vector<std::string>{std::string(frontend_ctr), ""}));
  EXPECT_EQ(by_upid("upid_to_cmdline", upids), (std::vector<std::string>{"nginx -g daemon off;", "sshd"}));
  EXPECT_EQ(by_upid("upid_to_pod_name", upids), (std::vector<std::string>{"", ""}));  // needs the pod object
}

TEST_F(StoreProviderTest, FallbackToTheLocalAddressPod) {
  schemas::column u{data_type::uint128};
  u.uint128s() = {upid(3, 100, start_ticks), upid(3, 999, 0), upid(3, 999, 0)};
  schemas::column addr{data_type::string};
  for (auto a : {"10.0.0.1", std::string(backend_ip).c_str(), "10.0.0.1"}) addr.push_string(a);
  schemas::column t{data_type::time64ns};
  t.ints() = {0, 0, 0};
  const auto* def = pxl::function_registry::builtin().find_udf(
      "_upid_to_podname_local_addr_fallback",
      std::vector<data_type>{data_type::uint128, data_type::string, data_type::time64ns});
  ASSERT_NE(def, nullptr);
  std::vector<pxl::kernel_arg> args{{&u, nullptr}, {&addr, nullptr}, {&t, nullptr}};
  schemas::column out{data_type::string};
  def->kernel(args, 3, out);
  EXPECT_EQ(out.strings().at(0), frontend_name);
  EXPECT_EQ(out.strings().at(1), "default/backend-5f6d7c8b9-qwert");
  EXPECT_EQ(out.strings().at(2), "");
}

TEST_F(StoreProviderTest, RepeatedKeysInABatchGetTheirOwnAnswers) {
  std::vector<std::string> keys;
  std::vector<std::string> want;
  for (int i = 0; i < 3000; ++i) {
    keys.emplace_back(i % 3 == 0 ? frontend_ip : i % 3 == 1 ? backend_ip : "10.9.9.9");
    want.emplace_back(i % 3 == 0 ? frontend_uid : i % 3 == 1 ? backend_uid : "");
  }
  EXPECT_EQ(strings("ip_to_pod_id", keys), want);
}

TEST_F(StoreProviderTest, StoreChangesAreSeenByTheNextBatch) {
  EXPECT_EQ(one("pod_id_to_pod_name", std::string(backend_uid)), "default/backend-5f6d7c8b9-qwert");
  ASSERT_TRUE(store_->remove(resource_kind::pods, backend_uid));
  EXPECT_EQ(one("pod_id_to_pod_name", std::string(backend_uid)), "");
  EXPECT_EQ(one("ip_to_pod_id", std::string(backend_ip)), "");
}

TEST(MetadataProvider, NoProviderAnswersEmpty) {
  pxl::set_metadata_provider(nullptr);
  schemas::column in{data_type::string};
  in.push_string(frontend_ip);
  const auto* def = pxl::function_registry::builtin().find_udf("ip_to_pod_id", std::vector{data_type::string});
  ASSERT_NE(def, nullptr);
  std::vector<pxl::kernel_arg> args{{&in, nullptr}};
  schemas::column out{data_type::string};
  def->kernel(args, 1, out);
  EXPECT_EQ(out.strings().at(0), "");
}

TEST(KubeApiFlag, Parses) {
  auto none = parse_kube_api("");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  auto plain = parse_kube_api("http://127.0.0.1:8001");
  ASSERT_TRUE(plain && *plain);
  EXPECT_EQ((*plain)->api.host, "127.0.0.1");
  EXPECT_EQ((*plain)->api.port, 8001);
  EXPECT_FALSE((*plain)->api.tls);
  EXPECT_TRUE((*plain)->token_file.empty());
  auto v6 = parse_kube_api("http://[::1]:80/");
  ASSERT_TRUE(v6 && *v6);
  EXPECT_EQ((*v6)->api.host, "::1");
  EXPECT_EQ((*v6)->api.port, 80);
}

TEST(KubeApiFlag, BadValuesNameTheFlagAndTheProblem) {
  for (std::string bad : {"ftp://h:1", "http://h", "http://h:0", "http://h:99999", "http://:80",
                          "http://h:8x", "http://[::1:80", "localhost:8080"}) {
    auto r = parse_kube_api(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error_value().what.find("--kube_api=" + bad), std::string::npos) << r.error_value().what;
  }
  if (!std::filesystem::exists(std::string(service_account_dir) + "/ca.crt")) {
    auto r = parse_kube_api("https://10.0.0.1:6443");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error_value().what.find("ca.crt"), std::string::npos) << r.error_value().what;
  }
}

}  // namespace
}  // namespace wisp::cluster::metadata
