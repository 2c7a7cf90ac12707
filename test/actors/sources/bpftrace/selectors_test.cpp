// TraceProgram's selectors: kernel versions "x.y.z" against a host's kernel, host names, and
// the errors for selectors that cannot be read.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "actors/sources/bpftrace/selectors.hpp"

namespace wisp::bpftrace {
namespace {

TEST(BpftraceSelectors, ParsesVersions) {
  auto v = parse_kernel_version("5.19.17");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, (kernel_version{5, 19, 17}));
  for (const char* bad : {"", "5", "5.19", "5.19.", "5..1", "a.b.c", "5.19.17.1", "-1.2.3",
                          "5.19.17 ", " 5.19.17", "5.19.x", "99999999999.1.1", "+5.1.1"}) {
    EXPECT_FALSE(parse_kernel_version(bad).has_value()) << bad;
  }
}

TEST(BpftraceSelectors, ParsesReleases) {
  auto r = parse_kernel_release("6.18.44-fc-v657");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, (kernel_version{6, 18, 44}));
  r = parse_kernel_release("6.1-rc1");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, (kernel_version{6, 1, 0}));
  EXPECT_FALSE(parse_kernel_release("linux").has_value());
  EXPECT_FALSE(parse_kernel_release("6").has_value());
}

TEST(BpftraceSelectors, Verdicts) {
  const host_facts host{{5, 19, 0}, "node-a"};
  struct verdict_case {
    std::optional<std::string_view> min, max, name;
    bool matches;
  };
  const verdict_case cases[] = {
      {std::nullopt, std::nullopt, std::nullopt, true},
      {"5.19.0", std::nullopt, std::nullopt, true},   // bounds are inclusive
      {std::nullopt, "5.19.0", std::nullopt, true},
      {"5.19.1", std::nullopt, std::nullopt, false},
      {std::nullopt, "5.18.99", std::nullopt, false},
      {"4.14.0", "6.0.0", "node-a", true},
      {"4.14.0", "6.0.0", "node-b", false},
      {std::nullopt, std::nullopt, "node", false},  // exact name, not a prefix
  };
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const auto& c = cases[i];
    auto v = check_kernel_selectors(c.min, c.max, c.name, host);
    ASSERT_TRUE(v.has_value()) << i << ": " << v.error_value().what;
    EXPECT_EQ(v->matches, c.matches) << i;
    EXPECT_EQ(v->reason.empty(), c.matches) << i;
  }
}

TEST(BpftraceSelectors, Errors) {
  const host_facts host{{5, 19, 0}, "node-a"};
  EXPECT_FALSE(check_kernel_selectors("", std::nullopt, std::nullopt, host).has_value());
  EXPECT_FALSE(check_kernel_selectors(std::nullopt, "", std::nullopt, host).has_value());
  EXPECT_FALSE(check_kernel_selectors(std::nullopt, std::nullopt, "", host).has_value());
  EXPECT_FALSE(check_kernel_selectors("5.19", std::nullopt, std::nullopt, host).has_value());
  EXPECT_FALSE(check_kernel_selectors(std::nullopt, "five", std::nullopt, host).has_value());
  EXPECT_FALSE(check_kernel_selectors("5.10.0", "5.9.300", std::nullopt, host).has_value());
}

TEST(BpftraceSelectors, ThisHost) {
  auto host = this_host();
  ASSERT_TRUE(host.has_value()) << host.error_value().what;
  EXPECT_FALSE(host->host_name.empty());
  EXPECT_GE(host->kernel, (kernel_version{3, 0, 0}));
  auto v = check_kernel_selectors(to_string(host->kernel), to_string(host->kernel),
                                  host->host_name);
  ASSERT_TRUE(v.has_value()) << v.error_value().what;
  EXPECT_TRUE(v->matches) << v->reason;
}

}  // namespace
}  // namespace wisp::bpftrace
