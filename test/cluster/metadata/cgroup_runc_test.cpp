// The cgroup mapping on real containers: runc starts a container whose cgroup path has the
// kubelet's shape (cgroupfs form, and the systemd-driver names under the cgroupfs driver), and
// read_pid_cgroup must map the container's init process to the pod uid and container id. Needs
// root and a runc that can start containers here; otherwise skipped with the reason.

#include <gtest/gtest.h>

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "cluster/metadata/cgroup_mapping.hpp"

namespace wisp::cluster::metadata {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in{p};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh hex string of `n` digits, so runs never collide with each other or with a real node.
std::string fresh_hex(std::size_t n, unsigned salt) {
  static constexpr char hex[] = "0123456789abcdef";
  auto seed = static_cast<unsigned long long>(
                  std::chrono::steady_clock::now().time_since_epoch().count()) ^
              (static_cast<unsigned long long>(::getpid()) << 20) ^ salt;
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    out += hex[(seed >> 33) & 15];
  }
  return out;
}

std::string fresh_uid(unsigned salt) {
  std::string h = fresh_hex(32, salt);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

std::string oci_config(const std::string& cgroups_path) {
  return R"({
 "ociVersion": "1.0.2",
 "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["/pause"],
             "env": ["PATH=/"], "cwd": "/", "noNewPrivileges": true},
 "root": {"path": "rootfs", "readonly": true},
 "hostname": "wisp-runc-test",
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
 "linux": {"cgroupsPath": ")" + cgroups_path + R"(",
           "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}]}
})";
}

// Removes the test's cgroup tree (directories only: cgroupfs files go with their directory) in
// every hierarchy, deepest first.
void remove_cgroup_tree(const std::string& top) {
  std::vector<fs::path> roots{fs::path("/sys/fs/cgroup") / top};
  std::error_code ec;
  for (auto& h : fs::directory_iterator("/sys/fs/cgroup", ec))
    if (h.is_directory()) roots.push_back(h.path() / top);
  for (auto& r : roots) {
    if (!fs::is_directory(r, ec)) continue;
    std::vector<fs::path> dirs{r};
    for (auto& e : fs::recursive_directory_iterator(r, ec))
      if (e.is_directory()) dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
      return a.string().size() > b.string().size();
    });
    for (auto& d : dirs) ::rmdir(d.c_str());
  }
}

class runc_container {
 public:
  runc_container(std::string id, std::string cgroups_path, std::string top)
      : id_(std::move(id)), top_(std::move(top)) {
    dir_ = fs::path(::testing::TempDir()) / ("wisp_runc_" + id_);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "bundle" / "rootfs");
    fs::copy_file(WISP_TEST_PAUSE_BIN, dir_ / "bundle" / "rootfs" / "pause");
    std::ofstream{dir_ / "bundle" / "config.json"} << oci_config(cgroups_path);
  }

  /// Starts the container; "" on success, else runc's complaint.
  std::string start() {
    std::string cmd = "runc --root " + (dir_ / "state").string() + " run -d --bundle " +
                      (dir_ / "bundle").string() + " --pid-file " + (dir_ / "pid").string() + " " +
                      id_ + " >" + (dir_ / "runc.log").string() + " 2>&1 </dev/null";
    started_ = std::system(cmd.c_str()) == 0;
    return started_ ? "" : slurp(dir_ / "runc.log");
  }

  pid_t pid() const { return static_cast<pid_t>(std::atoi(slurp(dir_ / "pid").c_str())); }

  ~runc_container() {
    if (started_) {
      std::string root = "runc --root " + (dir_ / "state").string();
      [[maybe_unused]] int a = std::system((root + " kill " + id_ + " KILL >/dev/null 2>&1").c_str());
      [[maybe_unused]] int b = std::system((root + " delete -f " + id_ + " >/dev/null 2>&1").c_str());
    }
    remove_cgroup_tree(top_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

 private:
  std::string id_;
  std::string top_;
  fs::path dir_;
  bool started_ = false;
};

void skip_unless_runc_possible() {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to start containers with runc";
  if (std::system("command -v runc >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "runc is not installed (deploy/install-deps.sh installs it)";
}

void expect_maps(const std::string& cgroups_suffix_fmt, bool systemd_names, unsigned salt) {
  std::string uid = fresh_uid(salt);
  std::string cid = fresh_hex(64, salt + 1);
  std::string top = "wisp-test-" + std::to_string(::getpid()) + "-" + std::to_string(salt);
  std::string uid_unit = uid;
  std::replace(uid_unit.begin(), uid_unit.end(), '-', '_');
  std::string path = "/" + top + cgroups_suffix_fmt;
  auto put = [&](const std::string& what, const std::string& with) {
    auto at = path.find(what);
    path.replace(at, what.size(), with);
  };
  put("{uid}", systemd_names ? uid_unit : uid);
  put("{cid}", cid);
  runc_container c{"wisp-" + cid.substr(0, 12), path, top};
  if (auto why = c.start(); !why.empty()) GTEST_SKIP() << "runc cannot start a container here: " << why;
  auto m = read_pid_cgroup(c.pid());
  ASSERT_TRUE(m) << m.error_value().what;
  ASSERT_TRUE(m->has_value()) << "no pod found in the cgroup of pid " << c.pid() << ":\n"
                              << slurp("/proc/" + std::to_string(c.pid()) + "/cgroup");
  EXPECT_EQ((*m)->pod_uid, uid);
  EXPECT_EQ((*m)->container_id, cid);
}

TEST(CgroupRunc, CgroupfsDriverPath) {
  skip_unless_runc_possible();
  expect_maps("/kubepods/burstable/pod{uid}/{cid}", false, 1);
}

TEST(CgroupRunc, SystemdDriverNames) {
  skip_unless_runc_possible();
  expect_maps("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{uid}.slice/"
              "cri-containerd-{cid}.scope",
              true, 2);
}

TEST(CgroupRunc, HostProcessMapsToNothing) {
  // The control: this test process runs outside any kubepods cgroup.
  auto m = read_pid_cgroup(::getpid());
  ASSERT_TRUE(m) << m.error_value().what;
  EXPECT_FALSE(m->has_value());
}

}  // namespace
}  // namespace wisp::cluster::metadata
