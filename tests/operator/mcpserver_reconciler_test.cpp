#include "operator/controllers/mcpserver_reconciler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "operator/controllers/conditions.h"
#include "operator/kube/resource_type.h"
#include "policy/canonical_json.h"
#include "policy/object_loader.h"
#include "policy/yaml_to_json.h"
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

class McpServerReconcilerTest : public ::testing::Test {
 protected:
  McpServerReconcilerTest() : client_(std::make_shared<RecordingKubeClient>(store_)) {
    events_ = std::make_unique<EventRecorder>(client_, eventOptions());
    reconciler_ = std::make_unique<McpServerReconciler>(client_, store_, *events_, reconcilerOptions());
  }

  EventRecorder::Options eventOptions() {
    EventRecorder::Options options;
    options.reportingInstance = "operator-0";
    options.clock = [this] { return now_; };
    return options;
  }
  McpServerReconciler::Options reconcilerOptions() {
    McpServerReconciler::Options options;
    options.compile.trustDomain = "example.org";
    options.clock = [this] { return now_; };
    return options;
  }
  // A restarted operator: new reconciler, new (empty) event memory, same cluster.
  void restartOperator() {
    reconciler_.reset();
    events_ = std::make_unique<EventRecorder>(client_, eventOptions());
    reconciler_ = std::make_unique<McpServerReconciler>(client_, store_, *events_, reconcilerOptions());
  }

  ReconcileResult reconcile(const std::string& key = "tools/files") {
    client_->clearCalls();
    auto result = reconciler_->reconcile(key);
    EXPECT_EQ(result.writes, static_cast<int>(client_->writes().size()))
        << "writes must count every API write the reconcile made";
    return result;
  }

  json get(const ResourceType& type, const std::string& name) {
    auto object = store_.get(type, "tools", name);
    if (!object) {
      ADD_FAILURE() << type.kind << " " << name << " not found";
      return json::object();
    }
    return *object;
  }
  json serverStatus() { return get(resources::mcpServers(), "files")["status"]; }
  json condition(const char* type) {
    json status = serverStatus();
    const json* c = findCondition(status["conditions"], type);
    return c != nullptr ? *c : json();
  }
  std::vector<json> events() {
    std::vector<json> out;
    for (const auto& event : store_.list(resources::events(), "tools")) out.push_back(*event);
    std::sort(out.begin(), out.end(), [](const json& a, const json& b) {
      return a["eventTime"].get<std::string>() + a["metadata"]["name"].get<std::string>() <
             b["eventTime"].get<std::string>() + b["metadata"]["name"].get<std::string>();
    });
    return out;
  }
  // "verb plural/name" of the writes of the last reconcile.
  std::vector<std::string> writeSummary() {
    std::vector<std::string> out;
    for (const auto& c : client_->writes())
      out.push_back(c.verb + " " + c.plural + "/" + (c.verb == "create" ? "" : c.name));
    return out;
  }

  // The bundle wardenctl would compile from the same objects.
  policy::Bundle expectedBundle() {
    std::vector<policy::ToolPolicy> policies;
    for (const auto& p : store_.list(resources::toolPolicies(), "tools")) policies.push_back(testing::decodePolicy(*p));
    return compiled(policies);
  }
  // The same from the named policies only.
  policy::Bundle expectedBundleFor(const std::vector<std::string>& names) {
    std::vector<policy::ToolPolicy> policies;
    for (const auto& name : names) policies.push_back(testing::decodePolicy(get(resources::toolPolicies(), name)));
    return compiled(policies);
  }
  policy::Bundle compiled(const std::vector<policy::ToolPolicy>& policies) {
    policy::CompileOptions options;
    options.trustDomain = "example.org";
    return policy::compileBundle(testing::decodeServer(get(resources::mcpServers(), "files")), policies, options);
  }

  void putStandardObjects() {
    store_.put(resources::mcpServers(), mcpServerJson());
    store_.put(resources::toolPolicies(), toolPolicyJson("editor", {allowRule("write", "write_file")}));
    store_.put(resources::toolPolicies(), toolPolicyJson("reader", {allowRule("read", "read_file", "ns/agents/sa/*")}));
  }

  FakeStore store_;
  std::shared_ptr<RecordingKubeClient> client_;
  std::chrono::system_clock::time_point now_ = kStart;
  std::unique_ptr<EventRecorder> events_;
  std::unique_ptr<McpServerReconciler> reconciler_;
};

TEST_F(McpServerReconcilerTest, FirstReconcilePublishesEverything) {
  putStandardObjects();
  const auto result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(writeSummary(), (std::vector<std::string>{"apply configmaps/files-warden-policy", "create events/",
                                                      "apply services/files", "apply networkpolicies/files-warden",
                                                      "applyStatus mcpservers/files"}));
  EXPECT_EQ(result.writes, 5);
  for (const auto& c : client_->writes()) {
    if (c.verb == "create") continue;
    EXPECT_EQ(c.fieldManager, "mcp-warden-operator");
    EXPECT_TRUE(c.force);
  }

  const auto bundle = expectedBundle();
  json cm = get(resources::configMaps(), "files-warden-policy");
  EXPECT_EQ(cm["data"]["bundle.json"].get<std::string>(), bundle.bytes);
  EXPECT_EQ(cm["data"]["policyVersion"], bundle.policyVersion);
  EXPECT_EQ(cm["metadata"]["annotations"]["mcpwarden.io/policy-version"], bundle.policyVersion);
  EXPECT_EQ(cm["metadata"]["ownerReferences"][0]["uid"], "uid-server-files");
  EXPECT_NE(bundle.bytes.find("spiffe://example.org/ns/agents/sa/editor"), std::string::npos)
      << "ns/<ns>/sa/<sa> principals are expanded in the operator's trust domain";

  json svc = get(resources::services(), "files");
  EXPECT_EQ(svc["spec"]["selector"], json({{"app", "files-mcp"}}));
  EXPECT_EQ(svc["metadata"]["labels"]["app.kubernetes.io/managed-by"], "mcp-warden");
  json np = get(resources::networkPolicies(), "files-warden");
  EXPECT_EQ(np["spec"]["podSelector"], json({{"matchLabels", {{"app", "files-mcp"}}}}));

  json status = serverStatus();
  EXPECT_EQ(status["observedGeneration"], 1);
  EXPECT_EQ(status["policyVersion"], bundle.policyVersion);
  EXPECT_EQ(status["policies"], json({"editor", "reader"}));
  EXPECT_EQ(status["configMap"], "files-warden-policy");
  ASSERT_EQ(status["conditions"].size(), 3u);
  EXPECT_EQ(status["conditions"][0]["type"], "Ready");
  EXPECT_TRUE(conditionHas(status["conditions"], "Ready", "True", "Published"));
  EXPECT_TRUE(conditionHas(status["conditions"], "PolicyCompiled", "True", "Compiled"));
  EXPECT_TRUE(conditionHas(status["conditions"], "ServiceReady", "True", "Applied"));
  for (const auto& c : status["conditions"]) {
    EXPECT_EQ(c["observedGeneration"], 1);
    EXPECT_EQ(c["lastTransitionTime"], "2026-03-04T05:06:07Z");
  }

  const auto evs = events();
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0]["reason"], "PolicyPublished");
  EXPECT_EQ(evs[0]["type"], "Normal");
  EXPECT_NE(evs[0]["note"].get<std::string>().find(bundle.policyVersion), std::string::npos);
  EXPECT_EQ(evs[0]["regarding"]["uid"], "uid-server-files");
}

TEST_F(McpServerReconcilerTest, SecondReconcileWithNothingChangedWritesNothing) {
  putStandardObjects();
  ASSERT_TRUE(reconcile().ok());
  now_ += seconds(30);
  const auto result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.writes, 0);
  EXPECT_TRUE(client_->writes().empty());
  EXPECT_EQ(events().size(), 1u);

  // Nor after an operator restart (nothing in memory matters).
  restartOperator();
  EXPECT_EQ(reconcile().writes, 0);
}

TEST_F(McpServerReconcilerTest, APolicyChangeRewritesOnlyTheConfigMapAndStatus) {
  putStandardObjects();
  ASSERT_TRUE(reconcile().ok());
  const std::string oldVersion = serverStatus()["policyVersion"];
  now_ += seconds(60);

  store_.put(resources::toolPolicies(),
             toolPolicyJson("editor", {allowRule("write", "write_file"), allowRule("edit", "edit_file")}));
  const auto result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(writeSummary(), (std::vector<std::string>{"apply configmaps/files-warden-policy", "create events/",
                                                      "applyStatus mcpservers/files"}));

  const auto bundle = expectedBundle();
  EXPECT_NE(bundle.policyVersion, oldVersion);
  EXPECT_EQ(get(resources::configMaps(), "files-warden-policy")["data"]["bundle.json"].get<std::string>(),
            bundle.bytes);
  EXPECT_EQ(serverStatus()["policyVersion"], bundle.policyVersion);
  // Ready stayed True: its transition time did not move.
  EXPECT_EQ(condition("Ready")["lastTransitionTime"], "2026-03-04T05:06:07Z");
  const auto evs = events();
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[1]["reason"], "PolicyPublished");
  EXPECT_NE(evs[1]["note"].get<std::string>().find(bundle.policyVersion), std::string::npos);
}

TEST_F(McpServerReconcilerTest, AnInvalidPolicyKeepsTheLastGoodBundle) {
  putStandardObjects();
  ASSERT_TRUE(reconcile().ok());
  json goodConfigMap = get(resources::configMaps(), "files-warden-policy");
  const std::string goodVersion = goodConfigMap["data"]["policyVersion"];
  now_ += seconds(60);

  store_.put(resources::toolPolicies(), toolPolicyJson("guard", {brokenRule("no-writes")}));
  auto result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(writeSummary(), (std::vector<std::string>{"applyStatus mcpservers/files", "create events/"}));
  EXPECT_EQ(get(resources::configMaps(), "files-warden-policy"), goodConfigMap);

  json compiled = condition("PolicyCompiled");
  EXPECT_EQ(compiled["status"], "False");
  EXPECT_EQ(compiled["reason"], "InvalidPolicy");
  EXPECT_EQ(compiled["lastTransitionTime"], "2026-03-04T05:07:07Z");
  policy::FieldErrors errors;
  ASSERT_FALSE(policy::decodeToolPolicy(toolPolicyJson("guard", {brokenRule("no-writes")}), errors));
  const std::string message = compiled["message"];
  EXPECT_NE(message.find("ToolPolicy guard: " + errors.front().toString()), std::string::npos) << message;
  EXPECT_NE(message.find(goodVersion), std::string::npos) << message;

  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "Ready", "True", "LastGoodPolicy"));
  EXPECT_EQ(condition("Ready")["lastTransitionTime"], "2026-03-04T05:06:07Z");
  EXPECT_EQ(serverStatus()["policyVersion"], goodVersion);
  EXPECT_EQ(serverStatus()["policies"], json({"editor", "reader"}));

  auto evs = events();
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[1]["reason"], "InvalidPolicy");
  EXPECT_EQ(evs[1]["type"], "Warning");
  EXPECT_NE(evs[1]["note"].get<std::string>().find("ToolPolicy guard"), std::string::npos);

  // Level-triggered: again, and after a restart, nothing is written and no event repeats.
  EXPECT_EQ(reconcile().writes, 0);
  restartOperator();
  EXPECT_EQ(reconcile().writes, 0);
  EXPECT_EQ(events().size(), 2u);

  // Fixing the policy publishes a bundle with it.
  now_ += seconds(60);
  store_.put(resources::toolPolicies(), toolPolicyJson("guard", {allowRule("ok", "list_files")}));
  result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(get(resources::configMaps(), "files-warden-policy")["data"]["bundle.json"].get<std::string>(),
            expectedBundle().bytes);
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "PolicyCompiled", "True", "Compiled"));
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "Ready", "True", "Published"));
  EXPECT_EQ(serverStatus()["policies"], json({"editor", "guard", "reader"}));
}

TEST_F(McpServerReconcilerTest, TheLastGoodBundleSurvivesARestartOfAnOperatorThatNeverSawItPublished) {
  putStandardObjects();
  ASSERT_TRUE(reconcile().ok());
  const std::string goodVersion = serverStatus()["policyVersion"];
  // Status lost (a new operator never wrote it), a policy broken meanwhile.
  json server = get(resources::mcpServers(), "files");
  server.erase("status");
  store_.remove(resources::mcpServers(), "tools", "files");
  store_.put(resources::mcpServers(), server);
  store_.put(resources::toolPolicies(), toolPolicyJson("reader", {brokenRule("bad")}));
  restartOperator();

  const auto result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "Ready", "True", "LastGoodPolicy"));
  EXPECT_EQ(serverStatus()["policyVersion"], goodVersion);
  for (const auto& c : client_->writes()) EXPECT_NE(c.plural, "configmaps");
}

TEST_F(McpServerReconcilerTest, AnInvalidPolicyWithoutALastGoodBundlePublishesNothing) {
  store_.put(resources::mcpServers(), mcpServerJson());
  store_.put(resources::toolPolicies(), toolPolicyJson("guard", {brokenRule("no-writes")}));
  const auto result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_FALSE(store_.get(resources::configMaps(), "tools", "files-warden-policy"));
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "Ready", "False", "NoValidPolicy"));
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "PolicyCompiled", "False", "InvalidPolicy"));
  EXPECT_FALSE(serverStatus().contains("policyVersion"));
  // The Service and NetworkPolicy are still made: the NetworkPolicy closes the upstream port either way.
  EXPECT_TRUE(store_.get(resources::networkPolicies(), "tools", "files-warden"));
}

TEST_F(McpServerReconcilerTest, DeletingAToolPolicyUpdatesTheBundle) {
  putStandardObjects();
  ASSERT_TRUE(reconcile().ok());
  ASSERT_TRUE(store_.remove(resources::toolPolicies(), "tools", "reader"));
  const auto result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  const auto bundle = expectedBundle();
  EXPECT_EQ(bundle.policies, std::vector<std::string>{"editor"});
  EXPECT_EQ(get(resources::configMaps(), "files-warden-policy")["data"]["bundle.json"].get<std::string>(),
            bundle.bytes);
  EXPECT_EQ(serverStatus()["policies"], json({"editor"}));

  // The last one too: an empty bundle (the default action decides), still published.
  ASSERT_TRUE(store_.remove(resources::toolPolicies(), "tools", "editor"));
  ASSERT_TRUE(reconcile().ok());
  EXPECT_EQ(get(resources::configMaps(), "files-warden-policy")["data"]["bundle.json"].get<std::string>(),
            expectedBundle().bytes);
  EXPECT_EQ(serverStatus()["policies"], json::array());
  EXPECT_NE(condition("PolicyCompiled")["message"].get<std::string>().find("default action (Deny)"),
            std::string::npos);
}

TEST_F(McpServerReconcilerTest, PoliciesOfOtherServersAndNamespacesAreIgnored) {
  putStandardObjects();
  store_.put(resources::toolPolicies(), toolPolicyJson("other", {brokenRule("x")}, "other-server"));
  store_.put(resources::toolPolicies(), toolPolicyJson("elsewhere", {brokenRule("x")}, "files", "other-ns"));
  ASSERT_TRUE(reconcile().ok());
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "PolicyCompiled", "True", "Compiled"));
  EXPECT_EQ(serverStatus()["policies"], json({"editor", "reader"}));
}

// A reader over the store that answers toolPoliciesTargeting() in reverse name order and counts how the policies
// were read.
class PolicyLookupReader : public ObjectReader {
 public:
  explicit PolicyLookupReader(const FakeStore& store) : store_(store) {}
  ObjectPtr get(const ResourceType& type, const std::string& ns, const std::string& name) const override {
    return store_.get(type, ns, name);
  }
  std::vector<ObjectPtr> list(const ResourceType& type, const std::string& ns) const override {
    if (type.plural == resources::toolPolicies().plural) ++policyLists;
    return store_.list(type, ns);
  }
  std::vector<ObjectPtr> toolPoliciesTargeting(const std::string& ns, const std::string& server) const override {
    ++lookups;
    auto out = store_.toolPoliciesTargeting(ns, server);
    std::reverse(out.begin(), out.end());
    return out;
  }
  mutable std::atomic<int> policyLists{0};
  mutable std::atomic<int> lookups{0};

 private:
  const FakeStore& store_;
};

TEST_F(McpServerReconcilerTest, TargetingPoliciesAreLookedUpNotListed) {
  putStandardObjects();
  store_.put(resources::toolPolicies(), toolPolicyJson("other", {brokenRule("x")}, "other-server"));
  PolicyLookupReader reader(store_);
  McpServerReconciler reconciler(client_, reader, *events_, reconcilerOptions());
  const auto result = reconciler.reconcile("tools/files");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(reader.lookups.load(), 1);
  EXPECT_EQ(reader.policyLists.load(), 0) << "the namespace's policies are not listed";
  EXPECT_EQ(serverStatus()["policies"], json({"editor", "reader"})) << "sorted by name whatever the lookup's order";
  EXPECT_EQ(get(resources::configMaps(), "files-warden-policy")["data"]["bundle.json"].get<std::string>(),
            expectedBundleFor({"editor", "reader"}).bytes);
}

TEST(ObjectReaderTest, DefaultLookupFiltersByRawTargetInTheNamespace) {
  FakeStore store;
  store.put(resources::toolPolicies(), toolPolicyJson("b", {allowRule("r", "t")}, "files"));
  store.put(resources::toolPolicies(), toolPolicyJson("a", {brokenRule("x")}, "files"));  // invalid ones count
  store.put(resources::toolPolicies(), toolPolicyJson("c", {allowRule("r", "t")}, "git"));
  store.put(resources::toolPolicies(), toolPolicyJson("d", {allowRule("r", "t")}, "files", "other-ns"));
  json noTarget = toolPolicyJson("e", {allowRule("r", "t")}, "files");
  noTarget["spec"].erase("targetRef");
  store.put(resources::toolPolicies(), noTarget);
  std::vector<std::string> found;
  for (const auto& p : store.toolPoliciesTargeting("tools", "files")) found.push_back((*p)["metadata"]["name"]);
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(store.toolPoliciesTargeting("tools", "nothing").empty());
}

TEST_F(McpServerReconcilerTest, AForeignServiceIsLeftAlone) {
  putStandardObjects();
  json foreign = store_.put(resources::services(),
                                  {{"metadata", {{"name", "files"}, {"namespace", "tools"}}},
                                   {"spec", {{"selector", {{"app", "something-else"}}},
                                             {"ports", {{{"port", 80}}}}}}});
  const auto result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  for (const auto& c : client_->writes()) EXPECT_NE(c.plural, "services");
  EXPECT_EQ(get(resources::services(), "files"), foreign);

  json svc = condition("ServiceReady");
  EXPECT_EQ(svc["status"], "False");
  EXPECT_EQ(svc["reason"], "ServiceConflict");
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "Ready", "True", "Published"));
  std::vector<std::string> reasons;
  for (const auto& e : events()) reasons.push_back(e["reason"].get<std::string>() + "/" + e["type"].get<std::string>());
  EXPECT_EQ(reasons, (std::vector<std::string>{"PolicyPublished/Normal", "ServiceConflict/Warning"}));

  EXPECT_EQ(reconcile().writes, 0);

  // A Service with our label but another owner is not ours either.
  json labelled = foreign;
  labelled["metadata"]["labels"] = {{"app.kubernetes.io/managed-by", "mcp-warden"}};
  store_.put(resources::services(), labelled);
  ASSERT_TRUE(reconcile().ok());
  for (const auto& c : client_->writes()) EXPECT_NE(c.plural, "services");

  // Once it is gone, the operator makes its own.
  store_.remove(resources::services(), "tools", "files");
  ASSERT_TRUE(reconcile().ok());
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "ServiceReady", "True", "Applied"));
  EXPECT_EQ(get(resources::services(), "files")["spec"]["selector"], json({{"app", "files-mcp"}}));
}

TEST_F(McpServerReconcilerTest, ForeignConfigMapOrNetworkPolicyMakesReadyFalse) {
  putStandardObjects();
  json foreign =
      store_.put(resources::configMaps(), {{"metadata", {{"name", "files-warden-policy"}, {"namespace", "tools"}}},
                                           {"data", {{"bundle.json", "{}"}}}});
  ASSERT_TRUE(reconcile().ok());
  EXPECT_EQ(get(resources::configMaps(), "files-warden-policy"), foreign);
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "Ready", "False", "ConfigMapConflict"));
  EXPECT_FALSE(serverStatus().contains("policyVersion"));
  EXPECT_EQ(events().back()["reason"], "ConfigMapConflict");

  store_.remove(resources::configMaps(), "tools", "files-warden-policy");
  store_.remove(resources::networkPolicies(), "tools", "files-warden");
  store_.put(resources::networkPolicies(), {{"metadata", {{"name", "files-warden"}, {"namespace", "tools"}}},
                                            {"spec", {{"podSelector", json::object()}}}});
  ASSERT_TRUE(reconcile().ok());
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "Ready", "False", "NetworkPolicyConflict"));
  for (const auto& c : client_->writes()) EXPECT_NE(c.plural, "networkpolicies");
}

TEST_F(McpServerReconcilerTest, ChangedChildrenAreRepaired) {
  putStandardObjects();
  ASSERT_TRUE(reconcile().ok());
  json svc = get(resources::services(), "files");
  svc["spec"]["ports"][0]["port"] = 1234;
  store_.put(resources::services(), svc);
  json cm = get(resources::configMaps(), "files-warden-policy");
  cm["data"]["bundle.json"] = "{}";
  store_.put(resources::configMaps(), cm);

  ASSERT_TRUE(reconcile().ok());
  EXPECT_EQ(writeSummary(),
            (std::vector<std::string>{"apply configmaps/files-warden-policy", "apply services/files"}))
      << "the version did not change: no event, no status write";
  EXPECT_EQ(get(resources::services(), "files")["spec"]["ports"][0]["port"], 8443);
  EXPECT_EQ(get(resources::configMaps(), "files-warden-policy")["data"]["bundle.json"].get<std::string>(),
            expectedBundle().bytes);
}

TEST_F(McpServerReconcilerTest, MatchExpressionsSimplifyTheServiceSelector) {
  json server = mcpServerJson();
  server["spec"]["selector"]["matchExpressions"] = {{{"key", "tier"}, {"operator", "In"}, {"values", {"mcp"}}}};
  store_.put(resources::mcpServers(), server);
  ASSERT_TRUE(reconcile().ok());
  EXPECT_EQ(get(resources::services(), "files")["spec"]["selector"], json({{"app", "files-mcp"}}));
  EXPECT_EQ(get(resources::networkPolicies(), "files-warden")["spec"]["podSelector"]["matchExpressions"][0]["key"],
            "tier");
  json svc = condition("ServiceReady");
  EXPECT_EQ(svc["status"], "True");
  EXPECT_EQ(svc["reason"], "SelectorSimplified");
  EXPECT_NE(svc["message"].get<std::string>().find("matchLabels only"), std::string::npos);

  // Only expressions: no Service at all; ours from before is deleted.
  server["spec"]["selector"].erase("matchLabels");
  store_.put(resources::mcpServers(), server);
  ASSERT_TRUE(reconcile().ok());
  EXPECT_FALSE(store_.get(resources::services(), "tools", "files"));
  EXPECT_EQ(writeSummary(), (std::vector<std::string>{"remove services/files", "apply networkpolicies/files-warden",
                                                      "applyStatus mcpservers/files"}));
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "ServiceReady", "False", "SelectorNotExpressible"));
  json np = get(resources::networkPolicies(), "files-warden");
  EXPECT_FALSE(np["spec"]["podSelector"].contains("matchLabels"))
      << "the labels the operator applied before are left out of the apply, so the API server removes them";
  EXPECT_EQ(np["spec"]["podSelector"]["matchExpressions"][0]["key"], "tier");
  EXPECT_EQ(serverStatus()["observedGeneration"], 2);
  EXPECT_EQ(reconcile().writes, 0);

  // A foreign Service of that name is not deleted.
  json foreign = store_.put(resources::services(), {{"metadata", {{"name", "files"}, {"namespace", "tools"}}},
                                                          {"spec", {{"ports", {{{"port", 80}}}}}}});
  EXPECT_EQ(reconcile().writes, 0);
  EXPECT_EQ(get(resources::services(), "files"), foreign);
}

TEST_F(McpServerReconcilerTest, AnInvalidServerWritesOnlyItsStatus) {
  json server = mcpServerJson();
  server["spec"]["port"] = 3001;  // same as the upstream port
  store_.put(resources::mcpServers(), server);
  store_.put(resources::toolPolicies(), toolPolicyJson("editor", {allowRule("write", "write_file")}));
  const auto result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(writeSummary(), (std::vector<std::string>{"applyStatus mcpservers/files", "create events/"}));
  json ready = condition("Ready");
  EXPECT_EQ(ready["status"], "False");
  EXPECT_EQ(ready["reason"], "InvalidSpec");
  EXPECT_NE(ready["message"].get<std::string>().find("spec.port: must differ from spec.upstream.port"),
            std::string::npos);
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "PolicyCompiled", "Unknown", "InvalidSpec"));
  EXPECT_EQ(store_.count(resources::configMaps()) + store_.count(resources::services()) +
                store_.count(resources::networkPolicies()),
            0u);
  EXPECT_EQ(events().back()["reason"], "InvalidSpec");
  EXPECT_EQ(reconcile().writes, 0);
}

TEST_F(McpServerReconcilerTest, AGoneOrDeletingServerNeedsNothing) {
  auto result = reconcile();
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(client_->writes().empty());

  json server = mcpServerJson();
  server["metadata"]["deletionTimestamp"] = "2026-03-04T05:00:00Z";
  store_.put(resources::mcpServers(), server);
  result = reconcile();
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(client_->writes().empty());
}

TEST_F(McpServerReconcilerTest, ABadKeyIsAnError) {
  EXPECT_FALSE(reconcile("files").ok());
  EXPECT_FALSE(reconcile("/files").ok());
  EXPECT_FALSE(reconcile("a/b/c").ok());
}

TEST_F(McpServerReconcilerTest, ApiErrorsRequeueAndTheNextReconcileFinishes) {
  putStandardObjects();
  client_->fail("apply", "services", 500);
  auto result = reconcile();
  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.error.find("applying Service tools/files: HTTP 500"), std::string::npos) << result.error;
  EXPECT_FALSE(store_.get(resources::mcpServers(), "tools", "files")->contains("status"));

  result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(writeSummary(), (std::vector<std::string>{"apply services/files", "apply networkpolicies/files-warden",
                                                      "applyStatus mcpservers/files"}));
  EXPECT_EQ(events().size(), 1u) << "PolicyPublished was recorded once, when the ConfigMap was written";

  client_->fail("applyStatus", "mcpservers", 0);
  store_.put(resources::toolPolicies(), toolPolicyJson("guard", {brokenRule("x")}));
  result = reconcile();
  EXPECT_NE(result.error.find("no answer from the API server"), std::string::npos) << result.error;
  EXPECT_EQ(events().size(), 1u) << "the InvalidPolicy event waits for the status it reports";
  result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(events().back()["reason"], "InvalidPolicy");
}

TEST_F(McpServerReconcilerTest, TheServersIdentityChoosesTheTrustDomain) {
  json server = mcpServerJson();
  server["spec"]["identity"] = {{"spiffeID", "spiffe://prod.example/ns/tools/sa/files"}};
  store_.put(resources::mcpServers(), server);
  store_.put(resources::toolPolicies(), toolPolicyJson("editor", {allowRule("write", "write_file")}));
  ASSERT_TRUE(reconcile().ok());
  const std::string bytes = get(resources::configMaps(), "files-warden-policy")["data"]["bundle.json"];
  EXPECT_NE(bytes.find("spiffe://prod.example/ns/agents/sa/editor"), std::string::npos) << bytes;
  EXPECT_EQ(bytes.find("example.org"), std::string::npos) << bytes;
}

TEST_F(McpServerReconcilerTest, ASpecChangeUpdatesChildrenAndObservedGeneration) {
  putStandardObjects();
  ASSERT_TRUE(reconcile().ok());
  json server = get(resources::mcpServers(), "files");
  server["spec"]["port"] = 9443;
  store_.put(resources::mcpServers(), server);
  ASSERT_TRUE(reconcile().ok());
  EXPECT_EQ(writeSummary(),
            (std::vector<std::string>{"apply services/files", "apply networkpolicies/files-warden",
                                      "applyStatus mcpservers/files"}))
      << "the port is not in the bundle, so the ConfigMap stays";
  EXPECT_EQ(serverStatus()["observedGeneration"], 2);
  EXPECT_EQ(condition("Ready")["observedGeneration"], 2);
  EXPECT_EQ(get(resources::networkPolicies(), "files-warden")["spec"]["ingress"][0]["ports"][0]["port"], 9443);
}

// The ConfigMap carries exactly what `wardenctl policy compile` prints for the same objects: the shipped example,
// read from YAML as kubectl would send it.
TEST_F(McpServerReconcilerTest, TheBundleIsByteIdenticalToWardenctlCompile) {
  const std::filesystem::path dir = std::filesystem::path(WARDEN_SOURCE_DIR) / "examples" / "files-server";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());

  policy::LoadedObjects loaded;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    policy::loadObjects(text.str(), file.string(), loaded);
    policy::FieldErrors errors;
    for (auto& doc : policy::yamlToJson(text.str(), errors)) {
      json object = doc.value;
      object["metadata"]["uid"] = "uid-" + object["metadata"]["name"].get<std::string>();
      store_.put(object["kind"] == "MCPServer" ? resources::mcpServers() : resources::toolPolicies(), object);
    }
    ASSERT_TRUE(errors.empty()) << policy::formatErrors(errors);
  }
  ASSERT_TRUE(loaded.errors.empty());
  ASSERT_EQ(loaded.servers.size(), 1u);
  policy::CompileOptions options;
  options.trustDomain = "example.org";  // the operator's flag, as `wardenctl policy compile --trust-domain`
  const auto expected = policy::compileBundle(loaded.servers.front(), loaded.policies, options);
  ASSERT_GT(expected.policies.size(), 1u);

  const auto result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  json cm = get(resources::configMaps(), "files-warden-policy");
  EXPECT_EQ(cm["data"]["bundle.json"].get<std::string>(), expected.bytes);
  EXPECT_EQ(cm["data"]["policyVersion"], expected.policyVersion);
  EXPECT_EQ(policy::sha256Hex(cm["data"]["bundle.json"].get<std::string>()), expected.policyVersion);
  EXPECT_EQ(serverStatus()["policies"], json(expected.policies));
}

TEST_F(McpServerReconcilerTest, ChildrenCarryTheOwnerReferenceAndLabels) {
  putStandardObjects();
  ASSERT_TRUE(reconcile().ok());
  json ownerRef = {{"apiVersion", "mcpwarden.io/v1alpha1"},
                         {"kind", "MCPServer"},
                         {"name", "files"},
                         {"uid", "uid-server-files"},
                         {"controller", true},
                         {"blockOwnerDeletion", true}};
  json server = get(resources::mcpServers(), "files");
  for (const auto& [type, name] : std::vector<std::pair<ResourceType, std::string>>{
           {resources::configMaps(), "files-warden-policy"},
           {resources::services(), "files"},
           {resources::networkPolicies(), "files-warden"}}) {
    SCOPED_TRACE(type.kind);
    json child = get(type, name);
    EXPECT_EQ(child["metadata"]["ownerReferences"], json::array({ownerRef}));
    EXPECT_EQ(child["metadata"]["labels"]["app.kubernetes.io/managed-by"], "mcp-warden");
    EXPECT_EQ(child["metadata"]["labels"]["mcpwarden.io/server"], "files");
    EXPECT_TRUE(isOwnedBy(child, server));
    EXPECT_EQ(McpServerReconciler::keyForChild(child), "tools/files");
  }
  json cm = get(resources::configMaps(), "files-warden-policy");
  EXPECT_EQ(cm["metadata"]["annotations"]["mcpwarden.io/policy-version"], cm["data"]["policyVersion"]);
  EXPECT_EQ(cm["data"].size(), 2u) << cm["data"].dump();
}

TEST_F(McpServerReconcilerTest, TheIntentsAreServerSideApplyIntents) {
  putStandardObjects();
  ASSERT_TRUE(reconcile().ok());
  for (const auto& c : client_->writes()) {
    if (c.verb == "create") {
      EXPECT_EQ(c.plural, "events");
      EXPECT_EQ(c.object["apiVersion"], "events.k8s.io/v1");
      continue;
    }
    SCOPED_TRACE(c.verb + " " + c.plural);
    EXPECT_EQ(c.ns, "tools");
    EXPECT_EQ(c.object["metadata"]["name"], c.name);
    EXPECT_EQ(c.object["metadata"]["namespace"], "tools");
    EXPECT_TRUE(c.object.contains("apiVersion"));
    EXPECT_TRUE(c.object.contains("kind"));
    EXPECT_FALSE(c.object["metadata"].contains("resourceVersion")) << "an apply intent carries no version";
    EXPECT_FALSE(c.object["metadata"].contains("uid"));
  }
  const auto writes = client_->writes();
  const auto status = std::find_if(writes.begin(), writes.end(), [](const auto& c) { return c.verb == "applyStatus"; });
  ASSERT_NE(status, writes.end());
  EXPECT_EQ(status->object["apiVersion"], "mcpwarden.io/v1alpha1");
  EXPECT_EQ(status->object["kind"], "MCPServer");
  EXPECT_EQ(status->object["metadata"], json({{"name", "files"}, {"namespace", "tools"}}));
  EXPECT_FALSE(status->object.contains("spec")) << "the status apply must not claim spec fields";
}

TEST_F(McpServerReconcilerTest, TheNetworkPolicyAdmitsOnlyTheSidecarAndMetricsPorts) {
  putStandardObjects();
  ASSERT_TRUE(reconcile().ok());
  json np = get(resources::networkPolicies(), "files-warden");
  EXPECT_EQ(np["spec"]["policyTypes"], json({"Ingress"}));
  ASSERT_EQ(np["spec"]["ingress"].size(), 1u);
  json& rule = np["spec"]["ingress"][0];
  EXPECT_FALSE(rule.contains("from")) << "callers come from anywhere; the sidecar authenticates them";
  EXPECT_EQ(rule["ports"], json({{{"protocol", "TCP"}, {"port", 8443}}, {{"protocol", "TCP"}, {"port", 9090}}}));
  EXPECT_EQ(np["spec"].dump().find("3001"), std::string::npos) << "the upstream port stays closed";

  json svc = get(resources::services(), "files");
  ASSERT_EQ(svc["spec"]["ports"].size(), 2u);
  EXPECT_EQ(svc["spec"]["ports"][0]["name"], "mcp");
  EXPECT_EQ(svc["spec"]["ports"][0]["targetPort"], 8443);
  EXPECT_EQ(svc["spec"]["ports"][1]["name"], "metrics");
  EXPECT_EQ(svc["spec"]["ports"][1]["targetPort"], 9090);
}

TEST_F(McpServerReconcilerTest, TransitionTimesMoveOnlyForTheConditionThatChanged) {
  store_.put(resources::mcpServers(), mcpServerJson());
  store_.put(resources::toolPolicies(), toolPolicyJson("guard", {brokenRule("x")}));
  ASSERT_TRUE(reconcile().ok());
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "Ready", "False", "NoValidPolicy"));

  // Repeated reconciles at later times: nothing moves.
  for (int i = 0; i < 3; ++i) {
    now_ += seconds(45);
    EXPECT_EQ(reconcile().writes, 0);
  }
  json status = serverStatus();
  for (const auto& c : status["conditions"]) EXPECT_EQ(c["lastTransitionTime"], "2026-03-04T05:06:07Z");

  // The policy is fixed: Ready and PolicyCompiled turn True now; ServiceReady stayed True and keeps its time.
  now_ += seconds(45);
  store_.put(resources::toolPolicies(), toolPolicyJson("guard", {allowRule("ok", "read_file")}));
  ASSERT_TRUE(reconcile().ok());
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "Ready", "True", "Published"));
  EXPECT_EQ(condition("Ready")["lastTransitionTime"], "2026-03-04T05:09:07Z");
  EXPECT_EQ(condition("PolicyCompiled")["lastTransitionTime"], "2026-03-04T05:09:07Z");
  EXPECT_EQ(condition("ServiceReady")["lastTransitionTime"], "2026-03-04T05:06:07Z");
}

TEST_F(McpServerReconcilerTest, EventsOnlyOnTransitionsAndDeduplicated) {
  putStandardObjects();
  ASSERT_TRUE(reconcile().ok());
  ASSERT_EQ(events().size(), 1u);  // PolicyPublished

  const auto reasons = [this] {
    std::vector<std::string> out;
    for (const auto& e : events()) out.push_back(e["reason"]);
    return out;
  };
  // Broken: one InvalidPolicy warning, however often it is reconciled.
  now_ += seconds(10);
  store_.put(resources::toolPolicies(), toolPolicyJson("guard", {brokenRule("x")}));
  ASSERT_TRUE(reconcile().ok());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(reconcile().writes, 0);
  EXPECT_EQ(reasons(), (std::vector<std::string>{"PolicyPublished", "InvalidPolicy"}));

  // Deleted again: the bundle is the one still published, so no new version and no event; status only.
  now_ += seconds(10);
  store_.remove(resources::toolPolicies(), "tools", "guard");
  ASSERT_TRUE(reconcile().ok());
  EXPECT_EQ(writeSummary(), std::vector<std::string>{"applyStatus mcpservers/files"});
  EXPECT_EQ(reasons().size(), 2u);

  // Broken the same way within the dedup window: the status flips, the same warning is not repeated.
  now_ += seconds(10);
  store_.put(resources::toolPolicies(), toolPolicyJson("guard", {brokenRule("x")}));
  ASSERT_TRUE(reconcile().ok());
  EXPECT_EQ(writeSummary(), std::vector<std::string>{"applyStatus mcpservers/files"});
  EXPECT_EQ(reasons().size(), 2u);
  EXPECT_EQ(events_->deduplicatedCount(), 1u);

  // After the window the warning is news again.
  store_.remove(resources::toolPolicies(), "tools", "guard");
  ASSERT_TRUE(reconcile().ok());
  now_ += std::chrono::minutes(11);
  store_.put(resources::toolPolicies(), toolPolicyJson("guard", {brokenRule("x")}));
  ASSERT_TRUE(reconcile().ok());
  EXPECT_EQ(reasons(), (std::vector<std::string>{"PolicyPublished", "InvalidPolicy", "InvalidPolicy"}));
}

TEST_F(McpServerReconcilerTest, AFailedEventDoesNotFailTheReconcile) {
  putStandardObjects();
  client_->fail("create", "events", 403);
  const auto result = reconcile();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.writes, 4) << "the refused event is not counted as a write";
  EXPECT_EQ(events().size(), 0u);
  EXPECT_EQ(events_->failedCount(), 1u);
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "Ready", "True", "Published"));
  EXPECT_EQ(reconcile().writes, 0) << "events are best effort: no retry loop";
}

TEST_F(McpServerReconcilerTest, EveryFailingWriteEndsTheReconcileWithItsError) {
  struct Case {
    const char* verb;
    const char* plural;
    int status;
    const char* message;
  };
  for (const Case& c : {Case{"apply", "configmaps", 500, "applying ConfigMap tools/files-warden-policy: HTTP 500"},
                        Case{"apply", "services", 422, "applying Service tools/files: HTTP 422"},
                        Case{"apply", "networkpolicies", 403, "applying NetworkPolicy tools/files-warden: HTTP 403"},
                        Case{"applyStatus", "mcpservers", 409,
                             "applying the status of MCPServer tools/files: HTTP 409"},
                        Case{"applyStatus", "mcpservers", 0,
                             "applying the status of MCPServer tools/files: no answer from the API server"}}) {
    SCOPED_TRACE(std::string(c.verb) + " " + c.plural);
    FakeStore store;
    auto client = std::make_shared<RecordingKubeClient>(store);
    EventRecorder events(client, eventOptions());
    McpServerReconciler reconciler(client, store, events, reconcilerOptions());
    store.put(resources::mcpServers(), mcpServerJson());
    store.put(resources::toolPolicies(), toolPolicyJson("editor", {allowRule("write", "write_file")}));
    client->fail(c.verb, c.plural, c.status);
    auto result = reconciler.reconcile("tools/files");
    EXPECT_FALSE(result.ok());
    EXPECT_NE(result.error.find(c.message), std::string::npos) << result.error;
    EXPECT_NE(result.error.find("injected failure"), std::string::npos) << "the API's message is kept";
    EXPECT_FALSE(store.get(resources::mcpServers(), "tools", "files")->contains("status"))
        << "no status is written after a failed write";
    // The next reconcile converges, and the one after writes nothing.
    result = reconciler.reconcile("tools/files");
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_TRUE(conditionHas((*store.get(resources::mcpServers(), "tools", "files"))["status"]["conditions"], "Ready",
                             "True", "Published"));
    EXPECT_EQ(reconciler.reconcile("tools/files").writes, 0);
  }
}

TEST_F(McpServerReconcilerTest, AFailedDeleteOfOurServiceIsAnError) {
  putStandardObjects();
  ASSERT_TRUE(reconcile().ok());
  json server = get(resources::mcpServers(), "files");
  server["spec"]["selector"] = {{"matchExpressions", {{{"key", "app"}, {"operator", "Exists"}}}}};
  store_.put(resources::mcpServers(), server);
  client_->fail("remove", "services", 500);
  auto result = reconcile();
  EXPECT_NE(result.error.find("deleting Service tools/files: HTTP 500"), std::string::npos) << result.error;
  EXPECT_TRUE(store_.get(resources::services(), "tools", "files"));
  ASSERT_TRUE(reconcile().ok());
  EXPECT_FALSE(store_.get(resources::services(), "tools", "files"));
}

TEST_F(McpServerReconcilerTest, ATamperedConfigMapIsNoLastGoodBundle) {
  putStandardObjects();
  ASSERT_TRUE(reconcile().ok());
  json cm = get(resources::configMaps(), "files-warden-policy");
  cm["data"]["bundle.json"] = "{\"bundleFormat\":1,\"rules\":[]}";  // no longer hashes to its policyVersion
  store_.put(resources::configMaps(), cm);
  store_.put(resources::toolPolicies(), toolPolicyJson("guard", {brokenRule("x")}));
  ASSERT_TRUE(reconcile().ok());
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "Ready", "False", "NoValidPolicy"));
  EXPECT_FALSE(serverStatus().contains("policyVersion"));
  for (const auto& c : client_->writes()) EXPECT_NE(c.plural, "configmaps") << "no good bundle to write";

  // Once the policies compile again, the ConfigMap is repaired.
  store_.remove(resources::toolPolicies(), "tools", "guard");
  ASSERT_TRUE(reconcile().ok());
  EXPECT_EQ(get(resources::configMaps(), "files-warden-policy")["data"]["bundle.json"].get<std::string>(),
            expectedBundle().bytes);
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "Ready", "True", "Published"));
}

TEST_F(McpServerReconcilerTest, SeveralErrorsOfOnePolicyAreCountedInTheMessage) {
  putStandardObjects();
  ASSERT_TRUE(reconcile().ok());
  json bad = toolPolicyJson("guard", {brokenRule("x"), brokenRule("y")});
  store_.put(resources::toolPolicies(), bad);
  ASSERT_TRUE(reconcile().ok());
  policy::FieldErrors errors;
  ASSERT_FALSE(policy::decodeToolPolicy(bad, errors));
  ASSERT_EQ(errors.size(), 2u);
  const std::string message = condition("PolicyCompiled")["message"];
  EXPECT_NE(message.find("ToolPolicy guard: " + errors[0].toString() + " (and 1 more errors"), std::string::npos)
      << message;
}

TEST_F(McpServerReconcilerTest, ANameThatCannotNameAServiceStillGetsItsPolicy) {
  store_.put(resources::mcpServers(), mcpServerJson("files.v2"));
  store_.put(resources::toolPolicies(), toolPolicyJson("editor", {allowRule("write", "write_file")}, "files.v2"));
  const auto result = reconcile("tools/files.v2");
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_TRUE(store_.get(resources::configMaps(), "tools", "files.v2-warden-policy"));
  EXPECT_TRUE(store_.get(resources::networkPolicies(), "tools", "files.v2-warden"));
  EXPECT_EQ(store_.count(resources::services()), 0u);
  json conditions = (*store_.get(resources::mcpServers(), "tools", "files.v2"))["status"]["conditions"];
  EXPECT_TRUE(conditionHas(conditions, "ServiceReady", "False", "InvalidServiceName"));
  EXPECT_TRUE(conditionHas(conditions, "Ready", "True", "Published"));
}

TEST_F(McpServerReconcilerTest, ChildrenOfAFormerServerOfTheSameNameAreNotOurs) {
  putStandardObjects();
  ASSERT_TRUE(reconcile().ok());
  // Deleted and created again before the garbage collector ran: a new uid.
  json server = mcpServerJson();
  server["metadata"]["uid"] = "uid-server-files-2";
  store_.remove(resources::mcpServers(), "tools", "files");
  store_.put(resources::mcpServers(), server);
  json oldConfigMap = get(resources::configMaps(), "files-warden-policy");
  ASSERT_TRUE(reconcile().ok());
  EXPECT_EQ(get(resources::configMaps(), "files-warden-policy"), oldConfigMap);
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "Ready", "False", "ConfigMapConflict"));
  EXPECT_TRUE(conditionHas(serverStatus()["conditions"], "ServiceReady", "False", "ServiceConflict"));
}

TEST_F(McpServerReconcilerTest, DifferentServersReconcileConcurrently) {
  constexpr int kServers = 6;
  for (int i = 0; i < kServers; ++i) {
    const std::string name = "s" + std::to_string(i);
    json server = mcpServerJson(name);
    server["spec"]["selector"]["matchLabels"]["app"] = name;
    store_.put(resources::mcpServers(), server);
    store_.put(resources::toolPolicies(), toolPolicyJson("p" + std::to_string(i), {allowRule("r", "read_file")}, name));
  }
  std::vector<std::thread> threads;
  std::vector<ReconcileResult> results(kServers);
  for (int i = 0; i < kServers; ++i) {
    threads.emplace_back([&, i] { results[i] = reconciler_->reconcile("tools/s" + std::to_string(i)); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kServers; ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].error;
    json status = (*store_.get(resources::mcpServers(), "tools", "s" + std::to_string(i)))["status"];
    EXPECT_EQ(status["policies"], json({"p" + std::to_string(i)}));
    EXPECT_TRUE(conditionHas(status["conditions"], "Ready", "True", "Published"));
  }
  EXPECT_EQ(store_.count(resources::configMaps()), static_cast<std::size_t>(kServers));
}

TEST(McpServerReconcilerKeysTest, ToolPolicyEventsMapToTheirTargets) {
  json p = toolPolicyJson("a", {}, "files");
  EXPECT_EQ(McpServerReconciler::keysForToolPolicy(p), std::vector<std::string>{"tools/files"});
  json moved = toolPolicyJson("a", {}, "other");
  EXPECT_EQ(McpServerReconciler::keysForToolPolicy(moved, p),
            (std::vector<std::string>{"tools/files", "tools/other"}));
  EXPECT_TRUE(McpServerReconciler::keysForToolPolicy(json::object()).empty());
}

TEST(McpServerReconcilerKeysTest, ChildrenMapToTheirControllingServer) {
  json server = mcpServerJson();
  json svc = desiredService(testing::decodeServer(server), server);
  EXPECT_EQ(McpServerReconciler::keyForChild(svc), "tools/files");
  json notControlled = svc;
  notControlled["metadata"]["ownerReferences"][0]["controller"] = false;
  EXPECT_FALSE(McpServerReconciler::keyForChild(notControlled));
  EXPECT_FALSE(McpServerReconciler::keyForChild(json::object()));
}

}  // namespace
}  // namespace warden::op
