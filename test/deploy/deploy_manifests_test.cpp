// The rendering behind `wisp deploy` (cluster/deploy_manifests.hpp): value checks, every template
// filled, and the ConfigMap carrying each wispd flag. Schema validity of the rendered manifests is
// deploy_schema_test's; the CLI flags are deploy_cli_test's.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <variant>

#include "cluster/curve_keys.hpp"
#include "cluster/deploy_manifests.hpp"
#include "cluster/wispd_flags.hpp"

namespace {

using namespace wisp::cluster;

std::vector<rendered_file> files_of(const render_result& r) {
  if (const auto* err = std::get_if<std::string>(&r)) ADD_FAILURE() << *err;
  const auto* files = std::get_if<std::vector<rendered_file>>(&r);
  return files ? *files : std::vector<rendered_file>{};
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
  return n;
}

TEST(DeployManifests, NamespaceMustBeAnRfc1123Label) {
  for (const char* good : {"wisp", "a", "obs-1", "0wisp"}) EXPECT_EQ(check_namespace(good), "") << good;
  for (const char* bad : {"", "Wisp", "-wisp", "wisp-", "wi_sp", "wi sp", "wisp.obs", "wisp\n"})
    EXPECT_NE(check_namespace(bad), "") << bad;
  EXPECT_EQ(check_namespace(std::string(63, 'a')), "");
  EXPECT_NE(check_namespace(std::string(64, 'a')), "");
}

TEST(DeployManifests, ImageHoldsOnlyReferenceCharacters) {
  for (const char* good : {"wisp", "ghcr.io/org/wisp:0.1", "registry:5000/wisp@sha256:0a1b", "w/Wisp_x:V1-rc"})
    EXPECT_EQ(check_image(good), "") << good;
  for (const char* bad : {"", "wisp latest", "wisp\"", "wisp#1", "{{image}}", "wisp\n", ":tag", "/wisp"})
    EXPECT_NE(check_image(bad), "") << bad;
}

TEST(DeployManifests, WispdPathIsAbsoluteAndPlain) {
  EXPECT_EQ(check_wispd_path("/usr/local/bin/wispd"), "");
  for (const char* bad : {"", "wispd", "bin/wispd", "/opt/my wisp/wispd", "/opt/$HOME/wispd", "/a%b"})
    EXPECT_NE(check_wispd_path(bad), "") << bad;
}

TEST(DeployManifests, BadValuesAreNotRendered) {
  EXPECT_TRUE(std::holds_alternative<std::string>(render_kubernetes("Bad", "wisp:1")));
  EXPECT_TRUE(std::holds_alternative<std::string>(render_kubernetes("wisp", "")));
  EXPECT_TRUE(std::holds_alternative<std::string>(render_systemd_unit("wispd")));
}

TEST(DeployManifests, EveryKubernetesTemplateIsFilled) {
  const auto files = files_of(render_kubernetes("obs-2", "example.org/wisp:7"));
  std::size_t templates = 0;
  for (const auto& t : deploy_templates()) templates += t.file.starts_with("kubernetes/");
  ASSERT_EQ(files.size(), templates);
  ASSERT_GE(files.size(), 5U);
  std::size_t images = 0;
  for (const auto& f : files) {
    EXPECT_TRUE(f.name.ends_with(".yaml")) << f.name;
    EXPECT_EQ(f.text.find("{{"), std::string::npos) << f.name;
    EXPECT_EQ(f.text.find("}}"), std::string::npos) << f.name;
    EXPECT_EQ(count(f.text, "namespace: wisp\n"), 0U) << f.name;  // the default did not leak in
    images += count(f.text, "image: \"example.org/wisp:7\"\n");
  }
  EXPECT_EQ(images, 2U);  // the broker and the agent
  EXPECT_TRUE(std::ranges::is_sorted(files, {}, &rendered_file::name));
}

TEST(DeployManifests, ConfigMapCarriesEveryWorkloadIndependentFlag) {
  const auto files = files_of(render_kubernetes("wisp", "wisp:1"));
  const auto it = std::ranges::find_if(files, [](const auto& f) { return f.text.find("kind: ConfigMap\n") != std::string::npos; });
  ASSERT_NE(it, files.end());
  for (const auto& flag : wispd_flags) {
    const auto entry = "  " + wispd_flag_env_name(flag.name) + ": \"" + flag.default_value + "\"\n";
    const std::string_view name{flag.name};
    const bool per_workload = name == "role" || name == "listen" || name == "kube_api" || name == "kube_node" ||
                              name == "broker" ||
                              name == "cluster_listen" || name == "key_file" || name == "broker_key" ||
                              name == "allowed_keys" || name == "allowed_clients";
    EXPECT_EQ(count(it->text, entry), per_workload ? 0U : 1U) << flag.name;
  }
}

// Every `- name: WISP_...` a workload sets is a wispd flag's variable: a misspelled one would be
// ignored by wispd without a word.
TEST(DeployManifests, WorkloadEnvNamesAreWispdFlags) {
  std::set<std::string> known;
  for (const auto& flag : wispd_flags) known.insert(wispd_flag_env_name(flag.name));
  std::size_t seen = 0;
  for (const auto& f : files_of(render_kubernetes("wisp", "wisp:1"))) {
    const std::string marker = "- name: WISP_";
    for (auto pos = f.text.find(marker); pos != std::string::npos; pos = f.text.find(marker, pos + 1)) {
      const auto start = pos + marker.size() - 5;
      const auto name = f.text.substr(start, f.text.find('\n', start) - start);
      EXPECT_TRUE(known.count(name)) << f.name << ": " << name << " is not a wispd flag";
      ++seen;
    }
  }
  // broker: role, listen, cluster_listen, kube_api, key_file, allowed_keys, allowed_clients;
  // agent: role, broker, key_file, broker_key, kube_api, kube_node.
  EXPECT_EQ(seen, 13U);
}

TEST(DeployManifests, KeysAreCheckedAndPlaceholdersExplained) {
  const auto plain = files_of(render_kubernetes("wisp", "wisp:1"));
  const auto secrets = std::ranges::find(plain, std::string{"25-keys.yaml"}, &rendered_file::name);
  ASSERT_NE(secrets, plain.end());
  EXPECT_EQ(count(secrets->text, "REPLACE-ME"), 7U);
  EXPECT_EQ(count(secrets->text, "wisp deploy --image IMAGE --keys DIR"), 1U);

  std::string err;
  auto a = generate_keypair(err), b = generate_keypair(err), c = generate_keypair(err);
  if (!a || !b || !c) GTEST_SKIP() << err;
  deploy_keys k{a->public_z85, a->secret_z85, b->public_z85, b->secret_z85, {{"ops", c->public_z85}}};
  const auto keyed = files_of(render_kubernetes("wisp", "wisp:1", k));
  const auto ks = std::ranges::find(keyed, std::string{"25-keys.yaml"}, &rendered_file::name);
  ASSERT_NE(ks, keyed.end());
  EXPECT_EQ(count(ks->text, "REPLACE-ME"), 0U);
  EXPECT_EQ(count(ks->text, "  broker.key: \"" + a->secret_z85 + "\"\n"), 1U);
  EXPECT_EQ(count(ks->text, "    " + c->public_z85 + "  # ops\n"), 1U);
  EXPECT_EQ(count(ks->text, c->secret_z85), 0U);

  auto bad = k;
  bad.clients.emplace_back("evil", "x\n  injected: true");
  EXPECT_TRUE(std::holds_alternative<std::string>(render_kubernetes("wisp", "wisp:1", bad)));
  bad = k;
  bad.broker_secret = "short";
  EXPECT_TRUE(std::holds_alternative<std::string>(render_kubernetes("wisp", "wisp:1", bad)));
}

TEST(DeployManifests, SystemdUnitRunsTheGivenBinary) {
  const auto files = files_of(render_systemd_unit("/opt/wisp/bin/wispd"));
  ASSERT_EQ(files.size(), 1U);
  EXPECT_EQ(files[0].name, "wispd.service");
  EXPECT_EQ(count(files[0].text, "\nExecStart=/opt/wisp/bin/wispd\n"), 1U);
  EXPECT_EQ(files[0].text.find("{{"), std::string::npos);
}

}  // namespace
