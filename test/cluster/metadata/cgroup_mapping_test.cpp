// cgroup path -> (pod uid, container id), table-driven over the path forms kubelets and
// runtimes produce (systemd and cgroupfs drivers; containerd, CRI-O, Docker; cgroup v1 and v2).

#include <gtest/gtest.h>

#include <unistd.h>

#include "cluster/metadata/cgroup_mapping.hpp"

namespace wisp::cluster::metadata {
namespace {

constexpr const char* uid = "3f9a8e61-0c2a-4d36-9a55-2b6b5b8f0c11";
constexpr const char* cid = "4c8b7d5e2f1a3b6c9d0e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c";

struct path_case {
  const char* path;
  bool maps;
  const char* container;  // expected container id when maps
};

class cgroup_paths : public ::testing::TestWithParam<path_case> {};

TEST_P(cgroup_paths, Maps) {
  auto& c = GetParam();
  auto r = parse_cgroup_path(c.path);
  ASSERT_EQ(r.has_value(), c.maps) << c.path;
  if (!c.maps) return;
  EXPECT_EQ(r->pod_uid, uid) << c.path;
  EXPECT_EQ(r->container_id, c.container) << c.path;
}

#define UIDU "3f9a8e61_0c2a_4d36_9a55_2b6b5b8f0c11"
#define UIDD "3f9a8e61-0c2a-4d36-9a55-2b6b5b8f0c11"
#define CID "4c8b7d5e2f1a3b6c9d0e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c"

INSTANTIATE_TEST_SUITE_P(
    Forms, cgroup_paths,
    ::testing::Values(
        // systemd driver, containerd (v2 and v1 paths look the same)
        path_case{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU
                  ".slice/cri-containerd-" CID ".scope",
                  true, cid},
        path_case{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UIDU
                  ".slice/cri-containerd-" CID ".scope",
                  true, cid},
        // guaranteed QoS: the pod slice sits directly under kubepods.slice
        path_case{"/kubepods.slice/kubepods-pod" UIDU ".slice/cri-containerd-" CID ".scope", true,
                  cid},
        // CRI-O and Docker (cri-dockerd) scopes
        path_case{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU
                  ".slice/crio-" CID ".scope",
                  true, cid},
        path_case{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU
                  ".slice/docker-" CID ".scope",
                  true, cid},
        // cgroupfs driver (containerd or Docker)
        path_case{"/kubepods/burstable/pod" UIDD "/" CID, true, cid},
        path_case{"/kubepods/besteffort/pod" UIDD "/" CID, true, cid},
        path_case{"/kubepods/pod" UIDD "/" CID, true, cid},
        // kind / nested: the node is itself a container, and a kubelet cgroup root
        path_case{"/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/kubepods/burstable/pod" UIDD "/" CID,
                  true, cid},
        path_case{"/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/"
                  "kubelet-kubepods-burstable-pod" UIDU ".slice/cri-containerd-" CID ".scope",
                  true, cid},
        // the pod's own cgroup (no container level)
        path_case{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU ".slice",
                  true, ""},
        // not a pod's container
        path_case{"/", false, ""},
        path_case{"/user.slice/user-1000.slice/session-3.scope", false, ""},
        path_case{"/system.slice/containerd.service", false, ""},
        path_case{"/docker/" CID, false, ""},
        path_case{"/kubepods.slice/kubepods-burstable.slice", false, ""},
        // CRI-O's conmon monitor runs in the pod's slice but is not the container
        path_case{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDU
                  ".slice/crio-conmon-" CID ".scope",
                  false, ""},
        // damaged: a uid too short, a non-hex container id, an unknown runtime
        path_case{"/kubepods/burstable/pod3f9a8e61-0c2a-4d36-9a55/" CID, false, ""},
        path_case{"/kubepods/burstable/pod" UIDD "/not-a-container-id", false, ""},
        path_case{"/kubepods.slice/kubepods-pod" UIDU ".slice/runq-" CID ".scope", false, ""},
        path_case{"/pod" UIDD "/" CID, false, ""},  // no kubepods level
        path_case{"", false, ""}));

TEST(ProcCgroup, V2Line) {
  auto r = parse_proc_cgroup("0::/kubepods.slice/kubepods-pod" UIDU ".slice/cri-containerd-" CID
                             ".scope\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pod_uid, uid);
  EXPECT_EQ(r->container_id, cid);
}

TEST(ProcCgroup, V1LinesHybrid) {
  // A v1 host: the v2 line ("0::/") is the root and names no pod; the v1 hierarchies do.
  std::string f =
      "12:hugetlb:/kubepods/burstable/pod" UIDD "/" CID "\n"
      "11:memory:/kubepods/burstable/pod" UIDD "/" CID "\n"
      "2:cpu,cpuacct:/kubepods/burstable/pod" UIDD "/" CID "\n"
      "1:name=systemd:/kubepods/burstable/pod" UIDD "/" CID "\n"
      "0::/\n";
  auto r = parse_proc_cgroup(f);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pod_uid, uid);
  EXPECT_EQ(r->container_id, cid);
}

TEST(ProcCgroup, HostProcessAndGarbage) {
  EXPECT_FALSE(parse_proc_cgroup("0::/system.slice/sshd.service\n"));
  EXPECT_FALSE(parse_proc_cgroup(""));
  EXPECT_FALSE(parse_proc_cgroup("no colons here\n::\n:\n\n\xff\xfe"));
}

TEST(ProcCgroup, ReadsThisProcess) {
  // This test process is not in a pod: reading works and maps to nothing.
  auto r = read_pid_cgroup(::getpid());
  ASSERT_TRUE(r) << r.error_value().what;
  EXPECT_FALSE(r->has_value());
}

TEST(ProcCgroup, MissingProcessIsAnError) {
  auto r = read_pid_cgroup(1, "/nonexistent-proc");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error_value().what.find("/nonexistent-proc/1/cgroup"), std::string::npos);
}

}  // namespace
}  // namespace wisp::cluster::metadata
