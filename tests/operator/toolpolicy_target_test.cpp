#include "operator/controllers/toolpolicy_target.h"

#include <gtest/gtest.h>

#include "operator/controllers/mcpserver_reconciler.h"
#include "tests/operator/reconcile_fixture.h"

namespace warden::op {
namespace {

using nlohmann::json;
using testing::allowRule;
using testing::brokenRule;
using testing::toolPolicyJson;

TEST(ToolPolicyTargetTest, NamespaceAndRawTargetName) {
  EXPECT_EQ(toolPolicyTargetKey(toolPolicyJson("p", {allowRule("r", "t")}, "files", "tools")), "tools/files");
  EXPECT_EQ(toolPolicyTargetKey(toolPolicyJson("p", {brokenRule("x")}, "files", "tools")), "tools/files")
      << "a policy that does not compile still names its target";
  EXPECT_EQ(toolPolicyTargetIndexValues(toolPolicyJson("p", {allowRule("r", "t")}, "git", "apps")),
            (std::vector<std::string>{"apps/git"}));
}

TEST(ToolPolicyTargetTest, NoTargetWithoutNamespaceOrPlainName) {
  json noNamespace = toolPolicyJson("p", {allowRule("r", "t")});
  noNamespace["metadata"].erase("namespace");
  json noTarget = toolPolicyJson("p", {allowRule("r", "t")});
  noTarget["spec"].erase("targetRef");
  json numeric = toolPolicyJson("p", {allowRule("r", "t")});
  numeric["spec"]["targetRef"]["name"] = 7;
  for (const json& policy : {noNamespace, noTarget, numeric, toolPolicyJson("p", {}, "a/b"), toolPolicyJson("p", {}, ""),
                             json(nullptr), json("x")}) {
    EXPECT_EQ(toolPolicyTargetKey(policy), std::nullopt) << policy.dump();
    EXPECT_TRUE(toolPolicyTargetIndexValues(policy).empty()) << policy.dump();
  }
}

TEST(ToolPolicyTargetTest, EventsMapToTheSameKeys) {
  const json before = toolPolicyJson("p", {allowRule("r", "t")}, "files");
  const json after = toolPolicyJson("p", {allowRule("r", "t")}, "git");
  EXPECT_EQ(McpServerReconciler::keysForToolPolicy(after, before),
            (std::vector<std::string>{*toolPolicyTargetKey(before), *toolPolicyTargetKey(after)}));
}

}  // namespace
}  // namespace warden::op
