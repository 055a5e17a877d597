#include "policy/lint.h"

#include <gtest/gtest.h>

#include "policy_fixture.h"

namespace warden::policy {
namespace {

using namespace testing;

std::vector<std::string> lint(const std::string& policies, const std::vector<std::string>* tools = nullptr) {
  auto objects = loadYaml(std::string(kServerYaml) + policies);
  LintOptions options;
  options.knownTools = tools;
  std::vector<std::string> out;
  for (const auto& w : lintPolicies(objects.servers.at(0), objects.policies, {}, options)) out.push_back(w.toString());
  return out;
}

TEST(LintTest, CleanPolicyHasNoWarnings) {
  EXPECT_TRUE(lint(policyYaml("p", R"(  rules:
  - {name: read, tools: ["read_*"], principals: [ns/agents/sa/reader], effect: Allow}
  - {name: admin, tools: ["admin_*"], effect: Deny})"))
                  .empty());
}

TEST(LintTest, AllowShadowedByUnconditionalDeny) {
  auto w = lint(policyYaml("allow", R"(  rules:
  - {name: admin-users, tools: [admin_users, "admin_groups_*"], principals: [ns/ops/sa/bot], effect: Allow}
  - {name: read, tools: [read_file], effect: Allow})") +
                policyYaml("deny", "  rules:\n  - {name: no-admin, tools: [\"admin_*\"], effect: Deny}"));
  ASSERT_EQ(w.size(), 1u) << ::testing::PrintToString(w);
  EXPECT_EQ(w[0],
            "ToolPolicy tools/allow: spec.rules[0]: rule \"admin-users\" can never match: it is shadowed by Deny "
            "rule deny/no-admin");
}

TEST(LintTest, NoShadowWhenTheDenyIsConditionalOrNarrower) {
  EXPECT_TRUE(lint(policyYaml("p", R"(  rules:
  - {name: write, tools: [write_file], effect: Allow}
  - {name: no-secrets, tools: [write_file], effect: Deny, when: [{op: ContainsSecret}]}
  - {name: office, tools: [deploy], effect: Allow}
  - {name: night, tools: [deploy], effect: Deny, schedule: {hours: "20:00-06:00"}}
  - {name: some, tools: [x], principals: [ns/a/sa/b, ns/a/sa/c], effect: Allow}
  - {name: deny-b, tools: [x], principals: [ns/a/sa/b], effect: Deny}
  - {name: all-tools, effect: Allow}
  - {name: deny-some, tools: [other], effect: Deny})"))
                  .empty());
}

TEST(LintTest, ShadowHonoursDenyExceptions) {
  auto w = lint(policyYaml("p", R"(  rules:
  - {name: editor-delete, tools: [delete_file], principals: [ns/agents/sa/editor], effect: Review}
  - {name: deny-others, tools: [delete_file], notPrincipals: [ns/agents/sa/editor], effect: Deny}
  - {name: reader-delete, tools: [delete_file], principals: [ns/agents/sa/reader], effect: Allow})"));
  ASSERT_EQ(w.size(), 1u) << ::testing::PrintToString(w);
  EXPECT_NE(w[0].find("\"reader-delete\" can never match"), std::string::npos);
}

TEST(LintTest, PatternsMatchingNoKnownTool) {
  std::vector<std::string> tools{"read_file", "write_file"};
  auto w = lint(policyYaml("p", R"(  rules:
  - {name: r, tools: ["read_*", "reed_*"], notTools: [read_secret], effect: Allow})"),
                &tools);
  ASSERT_EQ(w.size(), 2u) << ::testing::PrintToString(w);
  EXPECT_EQ(w[0], "ToolPolicy tools/p: spec.rules[0].tools[1]: \"reed_*\" matches none of the server's tools");
  EXPECT_EQ(w[1], "ToolPolicy tools/p: spec.rules[0].notTools[0]: \"read_secret\" matches none of the server's tools");
}

TEST(LintTest, PrincipalsOutsideTheTrustDomain) {
  auto w = lint(policyYaml("p", R"(  rules:
  - {name: r, tools: [t], principals: ["spiffe://partner.example/ns/a/sa/b", "spiffe://example.org/x", "spiffe://*/y"], effect: Allow})"));
  ASSERT_EQ(w.size(), 1u) << ::testing::PrintToString(w);
  EXPECT_NE(w[0].find("principals[0]: \"spiffe://partner.example/ns/a/sa/b\" is outside the server's trust domain "
                      "\"example.org\""),
            std::string::npos);
}

TEST(LintTest, UnanchoredMatchesInAllow) {
  auto w = lint(policyYaml("p", R"(  rules:
  - {name: q, tools: [query], effect: Allow, when: [{arg: sql, op: Matches, values: ["^SELECT .*$", "SELECT"]}]}
  - {name: d, tools: [query], effect: Deny, when: [{arg: sql, op: Matches, values: ["DROP"]}]})"));
  ASSERT_EQ(w.size(), 1u) << ::testing::PrintToString(w);
  EXPECT_NE(w[0].find("spec.rules[0].when[0].values[1]: Matches searches anywhere"), std::string::npos);
}

}  // namespace
}  // namespace warden::policy
