#include "policy/object_loader.h"

#include <gtest/gtest.h>

namespace warden::policy {
namespace {

constexpr const char* kPolicy = R"(apiVersion: mcpwarden.io/v1alpha1
kind: ToolPolicy
metadata: {name: p, namespace: tools}
spec: {targetRef: {name: files}}
)";

TEST(ObjectLoaderTest, ReadsMultiDocumentYamlAndSkipsOtherKinds) {
  LoadedObjects out;
  loadObjects(std::string(kPolicy) + R"(---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: tools}
---
# only a comment
---
apiVersion: mcpwarden.io/v1alpha1
kind: MCPServer
metadata: {name: files, namespace: tools}
spec: {selector: {matchLabels: {app: f}}, upstream: {port: 3001}}
)",
              "in.yaml", out);
  EXPECT_TRUE(out.errors.empty()) << ::testing::PrintToString(out.errors);
  EXPECT_EQ(out.policies.size(), 1u);
  EXPECT_EQ(out.servers.size(), 1u);
  ASSERT_EQ(out.skipped.size(), 1u);
  EXPECT_EQ(out.skipped[0], "in.yaml:6: skipped Deployment tools/web");
}

TEST(ObjectLoaderTest, ErrorsNameFileLineObjectAndField) {
  LoadedObjects out;
  loadObjects(std::string(kPolicy) + R"(---
apiVersion: mcpwarden.io/v1alpha1
kind: ToolPolicy
metadata: {name: broken, namespace: tools}
spec: {targetRef: {name: files}, rules: [{name: r, effect: Allow, when: [{arg: a, op: Matchs}]}]}
)",
              "policies.yaml", out);
  EXPECT_EQ(out.policies.size(), 1u);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_EQ(out.errors[0].rfind("policies.yaml:6: ToolPolicy tools/broken: spec.rules[0].when[0].op: unknown operator "
                                "\"Matchs\"",
                                0),
            0u)
      << out.errors[0];
}

TEST(ObjectLoaderTest, ReadsJsonListsAsKubectlPrintsThem) {
  LoadedObjects out;
  loadObjects(R"({"apiVersion": "v1", "kind": "List", "items": [
      {"apiVersion": "mcpwarden.io/v1alpha1", "kind": "ToolPolicy",
       "metadata": {"name": "a", "namespace": "tools"}, "spec": {"targetRef": {"name": "files"}}},
      {"apiVersion": "mcpwarden.io/v1alpha1", "kind": "ToolPolicy",
       "metadata": {"name": "b", "namespace": "tools"}, "spec": {"targetRef": {"name": "files"}}}]})",
              "list.json", out);
  EXPECT_TRUE(out.errors.empty()) << ::testing::PrintToString(out.errors);
  EXPECT_EQ(out.policies.size(), 2u);

  LoadedObjects typed;
  loadObjects(R"({"apiVersion": "mcpwarden.io/v1alpha1", "kind": "ToolPolicyList", "items": [
      {"apiVersion": "mcpwarden.io/v1alpha1", "kind": "ToolPolicy",
       "metadata": {"name": "a"}, "spec": {"targetRef": {"name": "files"}}}]})",
              "list.json", typed);
  EXPECT_EQ(typed.policies.size(), 1u);
}

TEST(ObjectLoaderTest, JsonWithDuplicateKeysIsRefused) {
  LoadedObjects out;
  loadObjects(R"({"apiVersion": "mcpwarden.io/v1alpha1", "kind": "ToolPolicy", "kind": "MCPServer"})", "dup.json",
              out);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_NE(out.errors[0].find("duplicate key \"kind\""), std::string::npos) << out.errors[0];
}

TEST(ObjectLoaderTest, YamlWithDuplicateKeysIsRefused) {
  LoadedObjects out;
  loadObjects("apiVersion: mcpwarden.io/v1alpha1\nkind: ToolPolicy\nkind: MCPServer\n", "dup.yaml", out);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_NE(out.errors[0].find("duplicate key \"kind\""), std::string::npos) << out.errors[0];
  EXPECT_TRUE(out.policies.empty());
}

TEST(ObjectLoaderTest, ADocumentThatIsNotAnObjectIsAnError) {
  LoadedObjects out;
  loadObjects("just a string\n", "s.yaml", out);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_NE(out.errors[0].find("not a Kubernetes object"), std::string::npos);
}

}  // namespace
}  // namespace warden::policy
