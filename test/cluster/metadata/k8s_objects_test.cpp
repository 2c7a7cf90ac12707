// Decoding API objects and the store's indexes, on hand-written objects in the API's format.

#include <gtest/gtest.h>

#include "cluster/metadata/metadata_store.hpp"

namespace wisp::cluster::metadata {
namespace {

k8s_object decode(resource_kind k, std::string_view text) {
  auto v = pxl::json::parse(text);
  EXPECT_TRUE(v) << text;
  auto o = decode_object(k, *v);
  EXPECT_TRUE(o) << o.error_value().what;
  return std::move(*o);
}

TEST(Rfc3339, Forms) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:01.5Z"), 1'500'000'000);
  EXPECT_EQ(parse_rfc3339("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(parse_rfc3339("2024-02-29T12:00:00Z"), 1709208000LL * 1'000'000'000);
  for (auto bad : {"", "2024-02-30T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01 00:00:00",
                   "2024-01-01T00:00:00", "2024-01-01T00:00:00Zjunk", "2024-01-01T00:00:00.Z",
                   "20x4-01-01T00:00:00Z",
                   "4000-01-01T00:00:00Z"})  // beyond int64 nanoseconds (found by the fuzzer)
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}

TEST(Decode, RequiresUidAndName) {
  auto v = pxl::json::parse(R"({"metadata":{"name":"x"}})");
  auto o = decode_object(resource_kind::pods, *v);
  ASSERT_FALSE(o);
  EXPECT_NE(o.error_value().what.find("metadata.uid"), std::string::npos);
  auto arr = pxl::json::parse("[1]");
  EXPECT_FALSE(decode_object(resource_kind::services, *arr));
}

TEST(Decode, PodDualStackAndInitContainers) {
  auto o = decode(resource_kind::pods, R"({"metadata":{"name":"p","namespace":"n","uid":"u1",
    "deletionTimestamp":"2026-01-01T00:00:00Z"},
    "spec":{"nodeName":"node-a"},
    "status":{"phase":"Running","podIP":"10.1.0.4","podIPs":[{"ip":"10.1.0.4"},{"ip":"fd00::4"}],
      "initContainerStatuses":[{"name":"init","containerID":"containerd://aaaa","state":{"terminated":{"exitCode":0,"startedAt":"2026-01-01T00:00:00Z","finishedAt":"2026-01-01T00:00:02Z"}}}],
      "containerStatuses":[{"name":"app","containerID":"containerd://bbbb","state":{"running":{"startedAt":"2026-01-01T00:00:03Z"}}}]}})");
  auto& p = std::get<pod_info>(o);
  EXPECT_EQ(p.pod_ips, (std::vector<std::string>{"10.1.0.4", "fd00::4"}));
  ASSERT_EQ(p.containers.size(), 2u);
  EXPECT_EQ(p.containers[0].state, "terminated");
  EXPECT_EQ(p.containers[0].stop_ns - p.containers[0].start_ns, 2'000'000'000);
  EXPECT_EQ(p.containers[1].id, "bbbb");
  EXPECT_NE(p.meta.deletion_ns, 0);
}

TEST(Store, IpReuseRunningPodWins) {
  metadata_store s;
  // A completed job pod still holds the IP in the API while a new running pod got it.
  s.upsert(decode(resource_kind::pods,
                  R"({"metadata":{"name":"old","namespace":"n","uid":"u-old"},"status":{"phase":"Succeeded","podIP":"10.1.0.9"}})"));
  s.upsert(decode(resource_kind::pods,
                  R"({"metadata":{"name":"new","namespace":"n","uid":"u-new"},"status":{"phase":"Running","podIP":"10.1.0.9"}})"));
  EXPECT_EQ(s.pod_by_ip("10.1.0.9")->meta.name, "new");
  EXPECT_TRUE(s.remove(resource_kind::pods, "u-new"));
  EXPECT_EQ(s.pod_by_ip("10.1.0.9")->meta.name, "old");
  EXPECT_FALSE(s.remove(resource_kind::pods, "u-new"));
}

TEST(Store, EndpointsWithoutTargetRefMatchByIp) {
  metadata_store s;
  s.upsert(decode(resource_kind::pods,
                  R"({"metadata":{"name":"p","namespace":"n","uid":"u1"},"status":{"phase":"Running","podIP":"10.1.0.4"}})"));
  s.upsert(decode(resource_kind::services,
                  R"({"metadata":{"name":"svc","namespace":"n","uid":"s1"},"spec":{"clusterIP":"10.96.0.9"}})"));
  s.upsert(decode(resource_kind::endpoints,
                  R"({"metadata":{"name":"svc","namespace":"n","uid":"e1"},"subsets":[{"notReadyAddresses":[{"ip":"10.1.0.4"}]}]})"));
  auto svcs = s.services_for_pod("u1");
  ASSERT_EQ(svcs.size(), 1u);
  EXPECT_EQ(svcs[0].meta.uid, "s1");
  EXPECT_TRUE(s.services_for_pod("nope").empty());
  // Deleting the service leaves its endpoints without a service: no match.
  s.remove(resource_kind::services, "s1");
  EXPECT_TRUE(s.services_for_pod("u1").empty());
}

}  // namespace
}  // namespace wisp::cluster::metadata
