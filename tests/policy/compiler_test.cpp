#include "policy/compiler.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "policy/canonical_json.h"
#include "policy_fixture.h"

namespace warden::policy {
namespace {

using namespace testing;

const std::string kPolicies =
    policyYaml("b-policy", R"(  rules:
  - {name: z-rule, tools: [write_file, append_file], principals: [ns/agents/sa/editor, ns/agents/sa/admin], effect: Allow}
  - {name: a-rule, tools: ["read_*"], effect: Allow})") +
    policyYaml("a-policy", R"(  rules:
  - {name: deny, tools: ["admin_*"], effect: Deny}
  resources:
  - {name: ws, uris: ["file:///workspace/**"], effect: Allow})");

TEST(CompilerTest, SameObjectsInAnyOrderGiveTheSameBytes) {
  auto objects = loadYaml(std::string(kServerYaml) + kPolicies);
  ASSERT_EQ(objects.policies.size(), 2u);
  auto first = compileBundle(objects.servers[0], objects.policies);
  std::reverse(objects.policies.begin(), objects.policies.end());
  for (auto& p : objects.policies) {
    std::reverse(p.spec.rules.begin(), p.spec.rules.end());
    for (auto& r : p.spec.rules) {
      std::reverse(r.targets.begin(), r.targets.end());
      std::reverse(r.principals.begin(), r.principals.end());
    }
    // Metadata that changes on every write does not reach the bundle.
    p.metadata.resourceVersion = "12345";
    p.metadata.generation = 7;
    p.metadata.uid = "0b7c-uid";
  }
  auto second = compileBundle(objects.servers[0], objects.policies);
  EXPECT_EQ(first.bytes, second.bytes);
  EXPECT_EQ(first.policyVersion, second.policyVersion);
  EXPECT_EQ(first.policies, (std::vector<std::string>{"a-policy", "b-policy"}));
}

TEST(CompilerTest, BundleIsCanonicalJsonAndVersionIsItsSha256) {
  auto bundle = compileYaml(kPolicies);
  auto doc = nlohmann::json::parse(bundle.bytes);
  EXPECT_EQ(canonicalJson(doc), bundle.bytes);
  EXPECT_EQ(bundle.policyVersion, sha256Hex(bundle.bytes));
  EXPECT_EQ(doc.at("bundleFormat"), 1);
  EXPECT_EQ(doc.at("server").at("trustDomain"), "example.org");
  EXPECT_EQ(doc.at("server").at("defaultAction"), "Deny");
  EXPECT_EQ(doc.at("tools").size(), 3u);
  EXPECT_EQ(doc.at("resources").size(), 1u);
  // Rules are ordered by policy, then name, whatever the input order.
  EXPECT_EQ(doc.at("tools")[0].at("policy"), "a-policy");
  EXPECT_EQ(doc.at("tools")[1].at("name"), "a-rule");
}

TEST(CompilerTest, ShorthandPrincipalsAreExpandedInTheServersTrustDomain) {
  auto doc = nlohmann::json::parse(compileYaml(kPolicies).bytes);
  const auto& rule = doc.at("tools")[2];
  ASSERT_EQ(rule.at("name"), "z-rule");
  EXPECT_EQ(rule.at("principals"), (nlohmann::json{"spiffe://example.org/ns/agents/sa/admin",
                                                   "spiffe://example.org/ns/agents/sa/editor"}));
}

TEST(CompilerTest, TrustDomainFallsBackToTheOption) {
  auto objects = loadYaml(std::string(kServerYaml) + kPolicies);
  auto server = objects.servers[0];
  server.spec.spiffeID.clear();
  CompileOptions options;
  options.trustDomain = "cluster.example";
  EXPECT_EQ(trustDomainOf(server, options), "cluster.example");
  auto doc = nlohmann::json::parse(compileBundle(server, objects.policies, options).bytes);
  EXPECT_EQ(doc.at("server").at("trustDomain"), "cluster.example");
  EXPECT_EQ(doc.at("tools")[2].at("principals")[0], "spiffe://cluster.example/ns/agents/sa/admin");
}

TEST(CompilerTest, OnlyPoliciesTargetingTheServerAreCompiled) {
  auto objects = loadYaml(std::string(kServerYaml) + kPolicies + R"(
---
apiVersion: mcpwarden.io/v1alpha1
kind: ToolPolicy
metadata: {name: other-server, namespace: tools}
spec: {targetRef: {name: other}, rules: [{name: x, effect: Allow}]}
---
apiVersion: mcpwarden.io/v1alpha1
kind: ToolPolicy
metadata: {name: other-namespace, namespace: elsewhere}
spec: {targetRef: {name: files}, rules: [{name: x, effect: Allow}]}
)");
  ASSERT_EQ(objects.policies.size(), 4u);
  auto bundle = compileBundle(objects.servers[0], objects.policies);
  EXPECT_EQ(bundle.policies, (std::vector<std::string>{"a-policy", "b-policy"}));
}

TEST(CompilerTest, ChangingARuleChangesTheVersion) {
  auto a = compileYaml(policyYaml("p", "  rules:\n  - {name: r, tools: [t], effect: Allow}"));
  auto b = compileYaml(policyYaml("p", "  rules:\n  - {name: r, tools: [t], effect: Deny}"));
  EXPECT_NE(a.policyVersion, b.policyVersion);
}

TEST(CompilerTest, ServerSettingsAreInTheBundle) {
  std::string server = kServerYaml;
  server += "  denialStyle: Conceal\n  toolPinning:\n    mode: Enforce\n    pins: {read_file: " +
            std::string(64, 'a') + "}\n";
  auto doc = nlohmann::json::parse(compileYaml("", server).bytes);
  EXPECT_EQ(doc.at("server").at("denialStyle"), "Conceal");
  EXPECT_EQ(doc.at("server").at("toolPinning").at("mode"), "Enforce");
  EXPECT_EQ(doc.at("server").at("toolPinning").at("pins").at("read_file"), std::string(64, 'a'));
  EXPECT_EQ(doc.at("server").at("identity"), "spiffe://example.org/ns/tools/sa/files");
}

}  // namespace
}  // namespace warden::policy
