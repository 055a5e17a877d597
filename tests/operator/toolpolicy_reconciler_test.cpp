#include "operator/controllers/toolpolicy_reconciler.h"

#include <gtest/gtest.h>

#include <memory>

#include "operator/controllers/conditions.h"
#include "operator/controllers/event_recorder.h"
#include "operator/controllers/mcpserver_reconciler.h"
#include "operator/kube/resource_type.h"
#include "policy/object_decoder.h"
#include "tests/operator/fake_objects.h"
#include "tests/operator/reconcile_fixture.h"

namespace warden::op {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::allowRule;
using testing::brokenRule;
using testing::FakeStore;
using testing::kStart;
using testing::mcpServerJson;
using testing::RecordingKubeClient;
using testing::toolPolicyJson;

class ToolPolicyReconcilerTest : public ::testing::Test {
 protected:
  ToolPolicyReconcilerTest() : client_(std::make_shared<RecordingKubeClient>(store_)) {
    ToolPolicyReconciler::Options options;
    options.clock = [this] { return now_; };
    reconciler_ = std::make_unique<ToolPolicyReconciler>(client_, store_, options);
  }

  ReconcileResult reconcile(const std::string& key = "tools/editor") {
    client_->clearCalls();
    auto result = reconciler_->reconcile(key);
    EXPECT_EQ(result.writes, static_cast<int>(client_->writes().size()));
    return result;
  }
  json status(const std::string& name = "editor") {
    const auto policy = store_.get(resources::toolPolicies(), "tools", name);
    return policy ? policy->value("status", json()) : json();
  }
  json accepted(const std::string& name = "editor") {
    json current = status(name);
    const json* c = findCondition(current["conditions"], "Accepted");
    return c != nullptr ? *c : json();
  }

  FakeStore store_;
  std::shared_ptr<RecordingKubeClient> client_;
  std::chrono::system_clock::time_point now_ = kStart;
  std::unique_ptr<ToolPolicyReconciler> reconciler_;
};

TEST_F(ToolPolicyReconcilerTest, AValidPolicyWithItsServerIsAccepted) {
  store_.put(resources::mcpServers(), mcpServerJson());
  store_.put(resources::toolPolicies(), toolPolicyJson("editor", {allowRule("write", "write_file")}));
  auto result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  ASSERT_EQ(client_->writes().size(), 1u);
  const auto call = client_->writes()[0];
  EXPECT_EQ(call.verb, "applyStatus");
  EXPECT_EQ(call.plural, "toolpolicies");
  EXPECT_EQ(call.fieldManager, "mcp-warden-operator");
  EXPECT_EQ(call.object["apiVersion"], "mcpwarden.io/v1alpha1");
  EXPECT_EQ(call.object["kind"], "ToolPolicy");
  EXPECT_EQ(call.object["metadata"], json({{"name", "editor"}, {"namespace", "tools"}}));

  EXPECT_EQ(status()["observedGeneration"], 1);
  EXPECT_EQ(accepted(), json({{"type", "Accepted"},
                              {"status", "True"},
                              {"reason", "Compiled"},
                              {"message", "the policy compiles and targets MCPServer files (its status says which "
                                          "policy version its sidecars enforce)"},
                              {"observedGeneration", 1},
                              {"lastTransitionTime", "2026-03-04T05:06:07Z"}}));

  now_ += seconds(10);
  EXPECT_EQ(reconcile().writes, 0) << "unchanged status is not written";
}

TEST_F(ToolPolicyReconcilerTest, AnInvalidPolicyCarriesEveryCompileError) {
  store_.put(resources::mcpServers(), mcpServerJson());
  json policy = toolPolicyJson("editor", {brokenRule("bad"), allowRule("dup", "x"), allowRule("dup", "y")});
  policy["spec"]["rules"][1]["effect"] = "Permit";  // a schema error besides
  store_.put(resources::toolPolicies(), policy);
  ASSERT_TRUE(reconcile().ok());

  policy::FieldErrors errors;
  ASSERT_FALSE(policy::decodeToolPolicy(policy, errors));
  ASSERT_GE(errors.size(), 2u);
  std::string expected;
  for (const auto& e : errors) expected += (expected.empty() ? "" : "; ") + e.toString();
  json c = accepted();
  EXPECT_EQ(c["status"], "False");
  EXPECT_EQ(c["reason"], "InvalidSpec");
  EXPECT_EQ(c["message"], expected);
}

TEST_F(ToolPolicyReconcilerTest, APolicyWithoutItsServerIsNotAccepted) {
  store_.put(resources::toolPolicies(), toolPolicyJson("editor", {allowRule("write", "write_file")}));
  store_.put(resources::mcpServers(), mcpServerJson("files", "other-namespace"));
  ASSERT_TRUE(reconcile().ok());
  json c = accepted();
  EXPECT_EQ(c["status"], "False");
  EXPECT_EQ(c["reason"], "TargetNotFound");
  EXPECT_NE(c["message"].get<std::string>().find("no MCPServer files exists in namespace tools"), std::string::npos);

  // The server appears: Accepted becomes True, with a new transition time.
  now_ += seconds(60);
  store_.put(resources::mcpServers(), mcpServerJson());
  auto result = reconcile();
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.writes, 1);
  EXPECT_EQ(accepted()["status"], "True");
  EXPECT_EQ(accepted()["lastTransitionTime"], "2026-03-04T05:07:07Z");
}

TEST_F(ToolPolicyReconcilerTest, ObservedGenerationFollowsTheSpec) {
  store_.put(resources::mcpServers(), mcpServerJson());
  store_.put(resources::toolPolicies(), toolPolicyJson("editor", {allowRule("write", "write_file")}));
  ASSERT_TRUE(reconcile().ok());
  json policy = *store_.get(resources::toolPolicies(), "tools", "editor");
  policy["spec"]["rules"].push_back(brokenRule("bad"));
  store_.put(resources::toolPolicies(), policy);
  now_ += seconds(5);
  ASSERT_TRUE(reconcile().ok());
  EXPECT_EQ(status()["observedGeneration"], 2);
  EXPECT_EQ(accepted()["observedGeneration"], 2);
  EXPECT_EQ(accepted()["status"], "False");
  EXPECT_EQ(accepted()["lastTransitionTime"], "2026-03-04T05:06:12Z");
}

TEST_F(ToolPolicyReconcilerTest, GoneOrDeletingNeedsNothing) {
  EXPECT_TRUE(reconcile().ok());
  json policy = toolPolicyJson("editor", {allowRule("write", "write_file")});
  policy["metadata"]["deletionTimestamp"] = "2026-03-04T05:00:00Z";
  store_.put(resources::toolPolicies(), policy);
  EXPECT_TRUE(reconcile().ok());
  EXPECT_TRUE(client_->writes().empty());
}

TEST_F(ToolPolicyReconcilerTest, ApiErrorsAreReported) {
  store_.put(resources::toolPolicies(), toolPolicyJson("editor", {allowRule("write", "write_file")}));
  client_->fail("applyStatus", "toolpolicies", 409);
  auto result = reconcile();
  EXPECT_NE(result.error.find("HTTP 409"), std::string::npos) << result.error;
  EXPECT_TRUE(reconcile().ok());
  EXPECT_EQ(accepted()["reason"], "TargetNotFound");
  EXPECT_FALSE(reconcile("no-slash").ok());
}

TEST_F(ToolPolicyReconcilerTest, AnInvalidPolicyWithoutItsServerIsInvalidSpec) {
  store_.put(resources::toolPolicies(), toolPolicyJson("editor", {brokenRule("bad")}));
  ASSERT_TRUE(reconcile().ok());
  EXPECT_EQ(accepted()["reason"], "InvalidSpec") << "the policy's own errors come first";
}

TEST_F(ToolPolicyReconcilerTest, TheServerGoingAwayIsATransition) {
  store_.put(resources::mcpServers(), mcpServerJson());
  store_.put(resources::toolPolicies(), toolPolicyJson("editor", {allowRule("write", "write_file")}));
  ASSERT_TRUE(reconcile().ok());
  now_ += seconds(30);
  store_.remove(resources::mcpServers(), "tools", "files");
  auto result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.writes, 1);
  EXPECT_EQ(accepted()["status"], "False");
  EXPECT_EQ(accepted()["reason"], "TargetNotFound");
  EXPECT_EQ(accepted()["lastTransitionTime"], "2026-03-04T05:06:37Z");
  now_ += seconds(30);
  EXPECT_EQ(reconcile().writes, 0);
}

TEST_F(ToolPolicyReconcilerTest, TheStatusApplyCarriesOnlyTheStatus) {
  store_.put(resources::mcpServers(), mcpServerJson());
  json policy = toolPolicyJson("editor", {allowRule("write", "write_file")});
  policy["status"] = {{"conditions", {{{"type", "Reviewed"},
                                       {"status", "True"},
                                       {"reason", "ByHuman"},
                                       {"message", ""},
                                       {"lastTransitionTime", "2026-01-01T00:00:00Z"}}}}};
  store_.put(resources::toolPolicies(), policy);
  ASSERT_TRUE(reconcile().ok());
  ASSERT_EQ(client_->writes().size(), 1u);
  json intent = client_->writes()[0].object;
  EXPECT_FALSE(intent.contains("spec"));
  EXPECT_EQ(intent["status"].size(), 2u) << intent.dump();
  EXPECT_TRUE(client_->writes()[0].force);
  EXPECT_TRUE(conditionHas(status()["conditions"], "Reviewed", "True", "ByHuman")) << "other conditions are kept";
  EXPECT_TRUE(conditionHas(status()["conditions"], "Accepted", "True", "Compiled"));
}

TEST_F(ToolPolicyReconcilerTest, ARestartedOperatorWritesNothingNew) {
  store_.put(resources::mcpServers(), mcpServerJson());
  store_.put(resources::toolPolicies(), toolPolicyJson("editor", {brokenRule("bad")}));
  ASSERT_TRUE(reconcile().ok());
  now_ += std::chrono::hours(1);
  ToolPolicyReconciler::Options options;
  options.clock = [this] { return now_; };
  ToolPolicyReconciler restarted(client_, store_, options);
  client_->clearCalls();
  EXPECT_EQ(restarted.reconcile("tools/editor").writes, 0);
  EXPECT_TRUE(client_->writeAttempts().empty());
}

// The promise, end to end over both reconcilers: a ToolPolicy that stops compiling never takes effect.
TEST_F(ToolPolicyReconcilerTest, APolicyThatStopsCompilingNeverTakesEffect) {
  EventRecorder::Options eventOptions;
  eventOptions.clock = [this] { return now_; };
  EventRecorder events(client_, eventOptions);
  McpServerReconciler::Options serverOptions;
  serverOptions.clock = [this] { return now_; };
  McpServerReconciler servers(client_, store_, events, serverOptions);

  store_.put(resources::mcpServers(), mcpServerJson());
  store_.put(resources::toolPolicies(), toolPolicyJson("editor", {allowRule("write", "write_file")}));
  ASSERT_TRUE(servers.reconcile("tools/files").ok());
  ASSERT_TRUE(reconcile().ok());
  json published = *store_.get(resources::configMaps(), "tools", "files-warden-policy");

  // The policy is edited into one that does not compile (say the validating webhook was down).
  now_ += seconds(5);
  json broken = toolPolicyJson("editor", {allowRule("write", "write_file"), brokenRule("guard")});
  store_.put(resources::toolPolicies(), broken);
  ASSERT_TRUE(servers.reconcile("tools/files").ok());
  ASSERT_TRUE(reconcile().ok());

  policy::FieldErrors errors;
  ASSERT_FALSE(policy::decodeToolPolicy(broken, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(accepted()["status"], "False");
  EXPECT_EQ(accepted()["message"], errors[0].toString());
  EXPECT_EQ(*store_.get(resources::configMaps(), "tools", "files-warden-policy"), published);
  json serverStatus = (*store_.get(resources::mcpServers(), "tools", "files"))["status"];
  EXPECT_EQ(serverStatus["policyVersion"], published["data"]["policyVersion"]);
  EXPECT_TRUE(conditionHas(serverStatus["conditions"], "PolicyCompiled", "False", "InvalidPolicy"));
  EXPECT_NE(findCondition(serverStatus["conditions"], "PolicyCompiled")->at("message").get<std::string>().find(
                "ToolPolicy editor: " + errors[0].toString()),
            std::string::npos);
  EXPECT_TRUE(conditionHas(serverStatus["conditions"], "Ready", "True", "LastGoodPolicy"));
}

TEST_F(ToolPolicyReconcilerTest, KeysForAServerAreThePoliciesTargetingIt) {
  store_.put(resources::toolPolicies(), toolPolicyJson("b", {}));
  store_.put(resources::toolPolicies(), toolPolicyJson("a", {}));
  store_.put(resources::toolPolicies(), toolPolicyJson("c", {}, "other"));
  store_.put(resources::toolPolicies(), toolPolicyJson("d", {}, "files", "elsewhere"));
  EXPECT_EQ(ToolPolicyReconciler::keysForMCPServer(store_, mcpServerJson()),
            (std::vector<std::string>{"tools/a", "tools/b"}));
}

}  // namespace
}  // namespace warden::op
