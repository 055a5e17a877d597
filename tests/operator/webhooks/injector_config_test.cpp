#include "operator/webhooks/injector_config.h"

#include <gtest/gtest.h>

#include "policy/quote.h"

namespace warden::op {
namespace {

TEST(InjectorConfigTest, DefaultsAreTheContractsAndValid) {
  const InjectorConfig c;
  EXPECT_EQ(c.image, "ghcr.io/mcp-warden/warden-sidecar:0.1.0");
  EXPECT_EQ(c.imagePullPolicy, "IfNotPresent");
  EXPECT_EQ(c.nativeSidecars, NativeSidecarMode::Auto);
  EXPECT_EQ(c.spiffeCsiDriver, "csi.spiffe.io");
  EXPECT_EQ(c.spiffeSocketName, "spire-agent.sock");
  EXPECT_EQ(c.cpuRequest, "50m");
  EXPECT_EQ(c.memoryRequest, "32Mi");
  EXPECT_EQ(c.cpuLimit, "");
  EXPECT_EQ(c.memoryLimit, "128Mi");
  EXPECT_EQ(c.validate(), std::nullopt);
}

TEST(InjectorConfigTest, ParsesNativeMode) {
  EXPECT_EQ(parseNativeSidecarMode("auto"), NativeSidecarMode::Auto);
  EXPECT_EQ(parseNativeSidecarMode("on"), NativeSidecarMode::On);
  EXPECT_EQ(parseNativeSidecarMode("off"), NativeSidecarMode::Off);
  EXPECT_EQ(parseNativeSidecarMode("On"), std::nullopt);
  EXPECT_EQ(parseNativeSidecarMode(""), std::nullopt);
  EXPECT_STREQ(toString(NativeSidecarMode::Off), "off");
}

TEST(InjectorConfigTest, SkippedNamespaces) {
  InjectorConfig c;
  EXPECT_TRUE(c.isSkippedNamespace("kube-system"));
  EXPECT_TRUE(c.isSkippedNamespace("kube-public"));
  EXPECT_TRUE(c.isSkippedNamespace("kube-node-lease"));
  EXPECT_FALSE(c.isSkippedNamespace("tools"));
  EXPECT_FALSE(c.isSkippedNamespace(""));
  c.operatorNamespace = "mcp-warden-system";
  EXPECT_TRUE(c.isSkippedNamespace("mcp-warden-system"));
}

TEST(InjectorConfigTest, ValidateNamesTheBadSetting) {
  auto invalid = [](auto change) {
    InjectorConfig c;
    change(c);
    return c.validate().value_or("");
  };
  EXPECT_EQ(invalid([](auto& c) { c.image = ""; }), "--sidecar-image: \"\" is not an image reference");
  EXPECT_EQ(invalid([](auto& c) { c.image = "a b"; }), "--sidecar-image: \"a b\" is not an image reference");
  EXPECT_EQ(invalid([](auto& c) { c.imagePullPolicy = "always"; }),
            "--sidecar-image-pull-policy: must be Always, IfNotPresent or Never, got \"always\"");
  EXPECT_EQ(invalid([](auto& c) { c.spiffeCsiDriver = "CSI"; }),
            "--spiffe-csi-driver: \"CSI\" is not a CSI driver name");
  for (const char* bad : {"", ".", "..", "a/b", "../agent.sock", "agent sock"}) {
    EXPECT_EQ(invalid([&](auto& c) { c.spiffeSocketName = bad; }),
              "--spiffe-socket-name: " + policy::quoteForMessage(bad) +
                  " is not a file name (1-64 of A-Z a-z 0-9 . _ -, not . or ..)")
        << bad;
  }
  EXPECT_EQ(invalid([](auto& c) { c.cpuRequest = "50 m"; }),
            "--sidecar-cpu-request: \"50 m\" is not a Kubernetes quantity");
  EXPECT_EQ(invalid([](auto& c) { c.memoryLimit = "128MB"; }),
            "--sidecar-memory-limit: \"128MB\" is not a Kubernetes quantity");
  EXPECT_EQ(invalid([](auto& c) { c.cpuLimit = ".5"; }), "--sidecar-cpu-limit: \".5\" is not a Kubernetes quantity");
  EXPECT_EQ(invalid([](auto& c) { c.memoryRequest = "1e"; }),
            "--sidecar-memory-request: \"1e\" is not a Kubernetes quantity");
  EXPECT_EQ(invalid([](auto& c) { c.operatorNamespace = "Bad_NS"; }),
            "--operator-namespace: \"Bad_NS\" is not a namespace name");
  EXPECT_EQ(invalid([](auto& c) { c.systemNamespaces.push_back("-x"); }),
            "system namespace \"-x\" is not a namespace name");
  for (const char* ok : {"0", "1", "0.5", "250m", "1Gi", "512Mi", "2k", "1e3", "1E-2", "3.25G"}) {
    EXPECT_EQ(invalid([&](auto& c) { c.cpuLimit = ok; }), "") << ok;
  }
  EXPECT_EQ(invalid([](auto& c) {
              c.cpuRequest = "";
              c.memoryLimit = "";
              c.spiffeCsiDriver = "csi.example.io";
              c.spiffeSocketName = "agent.sock";
              c.imagePullPolicy = "Never";
            }),
            "");
}

}  // namespace
}  // namespace warden::op
