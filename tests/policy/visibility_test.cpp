#include "policy/visibility.h"

#include <gtest/gtest.h>

#include "policy_fixture.h"

namespace warden::policy {
namespace {

using namespace testing;

TEST(VisibilityTest, OnlyToolsSomeAllowOrReviewCouldGrantAreVisible) {
  auto p = loadYamlPolicy(policyYaml("p", R"(  rules:
  - {name: read, tools: ["read_*"], effect: Allow}
  - {name: write, tools: [write_file], principals: [ns/agents/sa/editor], effect: Allow,
     when: [{arg: path, op: PathUnder, values: [/drafts]}]}
  - {name: delete, tools: [delete_file], principals: [ns/agents/sa/editor], effect: Review}
  - {name: deploy, tools: [deploy], effect: Allow, schedule: {hours: "09:00-10:00"}}
  - {name: admin, tools: ["admin_*"], effect: Deny})"));
  EXPECT_TRUE(isVisible(*p, RuleKind::Tool, kReader, "read_file"));
  // Conditions and schedules are checked per call; the tool is still one the caller may use.
  EXPECT_TRUE(isVisible(*p, RuleKind::Tool, kEditor, "write_file"));
  EXPECT_TRUE(isVisible(*p, RuleKind::Tool, kReader, "deploy"));
  EXPECT_TRUE(isVisible(*p, RuleKind::Tool, kEditor, "delete_file"));
  EXPECT_FALSE(isVisible(*p, RuleKind::Tool, kReader, "write_file"));
  EXPECT_FALSE(isVisible(*p, RuleKind::Tool, kReader, "delete_file"));
  EXPECT_FALSE(isVisible(*p, RuleKind::Tool, kReader, "admin_reset"));
  EXPECT_FALSE(isVisible(*p, RuleKind::Tool, kReader, "unknown"));
}

TEST(VisibilityTest, UnconditionalDenyHidesEvenWhenAnAllowMatches) {
  auto p = loadYamlPolicy(policyYaml("p", R"(  rules:
  - {name: all, effect: Allow}
  - {name: no-delete, tools: [delete_file], effect: Deny}
  - {name: no-secret-writes, tools: [write_file], effect: Deny, when: [{op: ContainsSecret}]})"));
  EXPECT_TRUE(isVisible(*p, RuleKind::Tool, kReader, "read_file"));
  EXPECT_FALSE(isVisible(*p, RuleKind::Tool, kReader, "delete_file"));
  // A conditional Deny may not apply to a given call: the tool stays visible.
  EXPECT_TRUE(isVisible(*p, RuleKind::Tool, kReader, "write_file"));
}

TEST(VisibilityTest, DefaultAllowShowsWhatIsNotDenied) {
  std::string server = kServerYaml;
  server += "  defaultAction: Allow\n";
  auto p = loadYamlPolicy(policyYaml("p", "  rules:\n  - {name: no-admin, tools: [\"admin_*\"], effect: Deny}"),
                          server);
  EXPECT_TRUE(isVisible(*p, RuleKind::Tool, kReader, "anything"));
  EXPECT_FALSE(isVisible(*p, RuleKind::Tool, kReader, "admin_x"));
}

TEST(VisibilityTest, InvalidNamesAndMissingPrincipalAreNeverVisible) {
  auto p = loadYamlPolicy(policyYaml("p", "  rules:\n  - {name: all, effect: Allow}"));
  EXPECT_FALSE(isVisible(*p, RuleKind::Tool, kReader, "r\xD0\xB5" "ad_file"));
  EXPECT_FALSE(isVisible(*p, RuleKind::Tool, "", "read_file"));
}

TEST(VisibilityTest, ResourcesAndPrompts) {
  auto p = loadYamlPolicy(policyYaml("p", R"(  resources:
  - {name: ws, uris: ["file:///workspace/**"], effect: Allow}
  prompts:
  - {name: s, names: [summarize], principals: [ns/agents/sa/editor], effect: Allow})"));
  EXPECT_TRUE(isVisible(*p, RuleKind::Resource, kReader, "file:///workspace/a/b"));
  EXPECT_FALSE(isVisible(*p, RuleKind::Resource, kReader, "file:///etc/passwd"));
  EXPECT_TRUE(isVisible(*p, RuleKind::Prompt, kEditor, "summarize"));
  EXPECT_FALSE(isVisible(*p, RuleKind::Prompt, kReader, "summarize"));
}

}  // namespace
}  // namespace warden::policy
