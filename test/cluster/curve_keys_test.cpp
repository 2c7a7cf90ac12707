#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "cluster/credit_window.hpp"
#include "cluster/curve_keys.hpp"

using namespace wisp::cluster;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    char tmpl[] = "/tmp/wisp-keys-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() { fs::remove_all(path); }
};

std::string public_key(bool containing_hash = false) {
  std::string err;
  // '#' is one of Z85's 85 characters: about one key in three holds it.
  for (int i = 0; i < 1000; ++i) {
    auto k = generate_keypair(err);
    if (!k) break;
    if (!containing_hash || k->public_z85.find('#') != std::string::npos) return k->public_z85;
  }
  ADD_FAILURE() << "no key: " << err;
  return {};
}

}  // namespace

TEST(CurveKeys, WriteKeypairMakesASecretFileOnlyTheOwnerReadsAndReadsBack) {
  if (!curve_available()) GTEST_SKIP() << "libzmq has no CURVE (zmq_has(\"curve\") is false)";
  temp_dir dir;
  std::string err;
  auto k = generate_keypair(err);
  ASSERT_TRUE(k) << err;
  ASSERT_EQ(write_keypair(dir.path, "agent", *k), "");
  struct stat st{};
  ASSERT_EQ(::stat((dir.path / "agent.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = read_keypair(dir.path / "agent", err);
  ASSERT_TRUE(back) << err;
  EXPECT_EQ(back->public_z85, k->public_z85);
  EXPECT_EQ(back->secret_z85, k->secret_z85);
  // An existing key is never overwritten.
  EXPECT_NE(write_keypair(dir.path, "agent", *k), "");
  back = read_keypair(dir.path / "agent", err);
  ASSERT_TRUE(back) << err;
  EXPECT_EQ(back->secret_z85, k->secret_z85);
}

TEST(CurveKeys, AllowlistTakesKeysWithHashInsideAndComments) {
  if (!curve_available()) GTEST_SKIP() << "libzmq has no CURVE (zmq_has(\"curve\") is false)";
  const std::string a = public_key();
  const std::string hash_key = public_key(true);
  ASSERT_TRUE(z85_key_bytes(a));
  ASSERT_TRUE(z85_key_bytes(hash_key));
  std::string err;
  auto list = parse_allowlist("# agents of cluster x\n\n  " + a + "   # node-1\n" + hash_key + "\n#" + "\n", "list", err);
  ASSERT_TRUE(list) << err;
  EXPECT_EQ(list->size(), 2u);
  EXPECT_TRUE(list->count(*z85_key_bytes(a)));
  EXPECT_TRUE(list->count(*z85_key_bytes(hash_key)));
}

TEST(CurveKeys, AllowlistBadLineIsAnErrorWithItsLine) {
  std::string err;
  EXPECT_FALSE(parse_allowlist("# ok\nnot-a-key\n", "allow.txt", err));
  EXPECT_EQ(err.rfind("allow.txt:2:", 0), 0u) << err;
  if (!curve_available()) GTEST_SKIP() << "libzmq has no CURVE (zmq_has(\"curve\") is false)";
  const std::string a = public_key();
  ASSERT_TRUE(parse_allowlist(a + "\n", "allow.txt", err)) << err;
  EXPECT_FALSE(parse_allowlist(a + " trailing words\n", "allow.txt", err));
  EXPECT_EQ(err.rfind("allow.txt:1:", 0), 0u) << err;
  EXPECT_FALSE(read_allowlist("/nonexistent/allow.txt", err));
}

TEST(CreditWindow, CountsInFlightAndRefusesPastTheWindowOrOutOfOrder) {
  credit_window w{2};
  const wisp::cluster_wire::stream_id s{1, 1, "x"};
  EXPECT_EQ(w.record(s, 1), credit_window::admit::out_of_order);
  EXPECT_EQ(w.record(s, 0), credit_window::admit::ok);
  EXPECT_EQ(w.record(s, 1), credit_window::admit::ok);
  EXPECT_FALSE(w.can_send(s));
  EXPECT_EQ(w.record(s, 2), credit_window::admit::over_window);
  EXPECT_FALSE(w.acknowledge(s, 3));  // more than was sent
  EXPECT_TRUE(w.acknowledge(s, 1));
  EXPECT_FALSE(w.acknowledge(s, 0));  // backwards
  EXPECT_EQ(w.in_flight(s), 1u);
  EXPECT_EQ(w.record(s, 2), credit_window::admit::ok);
  w.forget(s);
  EXPECT_EQ(w.next_sequence(s), 0u);
}
