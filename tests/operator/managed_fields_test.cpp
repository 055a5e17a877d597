#include "operator/controllers/managed_fields.h"

#include <functional>
#include <vector>

#include <gtest/gtest.h>

#include "operator/controllers/desired_objects.h"
#include "tests/operator/reconcile_fixture.h"

namespace warden::op {
namespace {

using nlohmann::json;

constexpr const char* kManager = "mcp-warden-operator";

// The Service intent for the fixture's server, and the managedFields entry the API server records when it is
// applied (as `kubectl get -o yaml --show-managed-fields` shows it: ports are a map list keyed by port and
// protocol, ownerReferences by uid).
json serviceIntent() {
  const json live = testing::mcpServerJson();
  return desiredService(testing::decodeServer(live), live);
}

json appliedEntry() {
  return {
      {"manager", kManager},
      {"operation", "Apply"},
      {"apiVersion", "v1"},
      {"time", "2026-03-04T05:06:07Z"},
      {"fieldsType", "FieldsV1"},
      {"fieldsV1",
       {{"f:metadata",
         {{"f:labels", {{"f:app.kubernetes.io/managed-by", json::object()}, {"f:mcpwarden.io/server", json::object()}}},
          {"f:ownerReferences", {{"k:{\"uid\":\"uid-server-files\"}", json::object()}}}}},
        {"f:spec",
         {{"f:ports",
           {{"k:{\"port\":8443,\"protocol\":\"TCP\"}",
             {{".", json::object()},
              {"f:name", json::object()},
              {"f:port", json::object()},
              {"f:protocol", json::object()},
              {"f:targetPort", json::object()}}},
            {"k:{\"port\":9090,\"protocol\":\"TCP\"}",
             {{".", json::object()},
              {"f:name", json::object()},
              {"f:port", json::object()},
              {"f:protocol", json::object()},
              {"f:targetPort", json::object()}}}}},
          {"f:selector", {{"f:app", json::object()}}}}}}}};
}

json liveWith(json entries) {
  json live = serviceIntent();
  live["metadata"]["managedFields"] = std::move(entries);
  return live;
}

TEST(AppliedFieldsDroppedTest, TheSameIntentDropsNothing) {
  EXPECT_FALSE(appliedFieldsDropped(liveWith({appliedEntry()}), serviceIntent(), kManager));
}

TEST(AppliedFieldsDroppedTest, AMapFieldLeftOutIsDropped) {
  json intent = serviceIntent();
  intent["spec"]["selector"] = json::object();  // e.g. matchLabels went away
  EXPECT_TRUE(appliedFieldsDropped(liveWith({appliedEntry()}), intent, kManager));
  intent = serviceIntent();
  intent["metadata"]["labels"].erase("mcpwarden.io/server");
  EXPECT_TRUE(appliedFieldsDropped(liveWith({appliedEntry()}), intent, kManager));
  intent = serviceIntent();
  intent.erase("spec");
  EXPECT_TRUE(appliedFieldsDropped(liveWith({appliedEntry()}), intent, kManager));
}

TEST(AppliedFieldsDroppedTest, AListElementLeftOutIsDropped) {
  json intent = serviceIntent();
  intent["spec"]["ports"][1]["port"] = 9191;  // the element keyed 9090/TCP is gone
  EXPECT_TRUE(appliedFieldsDropped(liveWith({appliedEntry()}), intent, kManager));
  intent = serviceIntent();
  intent["spec"]["ports"][0].erase("targetPort");  // a field of a kept element
  EXPECT_TRUE(appliedFieldsDropped(liveWith({appliedEntry()}), intent, kManager));
  intent = serviceIntent();
  intent["metadata"]["ownerReferences"][0]["uid"] = "another";
  EXPECT_TRUE(appliedFieldsDropped(liveWith({appliedEntry()}), intent, kManager));
}

TEST(AppliedFieldsDroppedTest, AddedFieldsAreNotDrops) {
  json intent = serviceIntent();
  intent["metadata"]["annotations"] = {{"new", "x"}};
  intent["spec"]["ports"].push_back({{"name", "extra"}, {"port", 1}, {"protocol", "TCP"}});
  EXPECT_FALSE(appliedFieldsDropped(liveWith({appliedEntry()}), intent, kManager));
}

TEST(AppliedFieldsDroppedTest, SetValuesAndIndexes) {
  const json entry = {{"manager", kManager},
                      {"operation", "Apply"},
                      {"fieldsV1", {{"f:spec", {{"f:policyTypes", {{"v:\"Ingress\"", json::object()}}},
                                                {"f:ingress", {{"i:0", {{"f:ports", json::object()}}}}}}}}}};
  json intent = {{"spec", {{"policyTypes", {"Ingress"}}, {"ingress", {{{"ports", {{{"port", 8443}}}}}}}}}};
  EXPECT_FALSE(appliedFieldsDropped(liveWith({entry}), intent, kManager));
  json other = intent;
  other["spec"]["policyTypes"] = {"Egress"};
  EXPECT_TRUE(appliedFieldsDropped(liveWith({entry}), other, kManager));
  other = intent;
  other["spec"]["ingress"] = json::array();
  EXPECT_TRUE(appliedFieldsDropped(liveWith({entry}), other, kManager));
  other = intent;
  other["spec"]["ingress"][0].erase("ports");
  EXPECT_TRUE(appliedFieldsDropped(liveWith({entry}), other, kManager));
}

TEST(AppliedFieldsDroppedTest, OnlyThisManagersMainResourceApplyCounts) {
  json intent = serviceIntent();
  intent["spec"]["selector"] = json::object();
  json other = appliedEntry();
  other["manager"] = "kubectl";
  EXPECT_FALSE(appliedFieldsDropped(liveWith({other}), intent, kManager));
  json update = appliedEntry();
  update["operation"] = "Update";
  EXPECT_FALSE(appliedFieldsDropped(liveWith({update}), intent, kManager));
  json status = appliedEntry();
  status["subresource"] = "status";
  EXPECT_FALSE(appliedFieldsDropped(liveWith({status}), intent, kManager));
  EXPECT_TRUE(appliedFieldsDropped(liveWith({other, appliedEntry()}), intent, kManager));
}

TEST(AppliedFieldsDroppedTest, NoOrUnreadableManagedFieldsDropNothing) {
  json intent = serviceIntent();
  intent["spec"]["selector"] = json::object();
  EXPECT_FALSE(appliedFieldsDropped(serviceIntent(), intent, kManager));
  EXPECT_FALSE(appliedFieldsDropped(liveWith(json::object()), intent, kManager));
  EXPECT_FALSE(appliedFieldsDropped(liveWith({42, "x", nullptr}), intent, kManager));
  json entry = appliedEntry();
  entry["fieldsV1"] = {{"f:spec", {{"k:not json", json::object()}, {"i:x", json::object()}, {"z:odd", 1}}}};
  EXPECT_FALSE(appliedFieldsDropped(liveWith({entry}), serviceIntent(), kManager));
  EXPECT_FALSE(appliedFieldsDropped(json(), intent, kManager));
}

// The informers' compact form answers exactly as the API's form: every intent of the tests above, both ways.
TEST(CompactOwnManagedFieldsTest, KeepsOwnEntriesCompactAndAnswersTheSame) {
  json otherManager = appliedEntry();
  otherManager["manager"] = "kubectl";
  json status = appliedEntry();
  status["subresource"] = "status";
  json live = liveWith({otherManager, appliedEntry(), status});
  json compact = live;
  compactOwnManagedFields(compact, kManager);

  const json& entries = compact["metadata"]["managedFields"];
  ASSERT_EQ(entries.size(), 2u) << "the other manager's entry is gone";
  EXPECT_EQ(entries[0], (json{{"manager", kManager}, {"operation", "Apply"},
                              {"fieldsV1", appliedEntry()["fieldsV1"].dump()}}));
  EXPECT_EQ(entries[1]["subresource"], "status");
  EXPECT_TRUE(entries[1]["fieldsV1"].is_string());
  json withoutManaged = compact;
  withoutManaged["metadata"].erase("managedFields");
  json liveWithout = live;
  liveWithout["metadata"].erase("managedFields");
  EXPECT_EQ(withoutManaged, liveWithout) << "nothing else changes";

  std::vector<json> intents = {serviceIntent()};
  for (const auto& edit : std::vector<std::function<void(json&)>>{
           [](json& i) { i["spec"]["selector"] = json::object(); },
           [](json& i) { i["metadata"]["labels"].erase("mcpwarden.io/server"); },
           [](json& i) { i.erase("spec"); },
           [](json& i) { i["spec"]["ports"][1]["port"] = 9191; },
           [](json& i) { i["spec"]["ports"][0].erase("targetPort"); },
           [](json& i) { i["metadata"]["annotations"] = {{"new", "x"}}; }}) {
    json intent = serviceIntent();
    edit(intent);
    intents.push_back(std::move(intent));
  }
  for (const json& intent : intents) {
    EXPECT_EQ(appliedFieldsDropped(compact, intent, kManager), appliedFieldsDropped(live, intent, kManager))
        << intent.dump();
  }
  EXPECT_TRUE(appliedFieldsDropped(compact, intents[1], kManager)) << "the comparison above is not vacuous";

  json again = compact;
  compactOwnManagedFields(again, kManager);
  EXPECT_EQ(again, compact) << "compacting twice changes nothing";
}

TEST(CompactOwnManagedFieldsTest, NoOwnEntriesRemovesTheKey) {
  json other = appliedEntry();
  other["manager"] = "kubectl";
  json live = liveWith({other});
  compactOwnManagedFields(live, kManager);
  EXPECT_FALSE(live["metadata"].contains("managedFields"));
  json unreadable = liveWith("not a list");
  compactOwnManagedFields(unreadable, kManager);
  EXPECT_FALSE(unreadable["metadata"].contains("managedFields"));
  json none = serviceIntent();
  compactOwnManagedFields(none, kManager);
  EXPECT_EQ(none, serviceIntent());
  json notAnObject = "x";
  compactOwnManagedFields(notAnObject, kManager);
  EXPECT_EQ(notAnObject, "x");
}

TEST(DropManagedFieldsTest, RemovesThemAndNothingElse) {
  json live = liveWith({appliedEntry()});
  dropManagedFields(live);
  EXPECT_EQ(live, serviceIntent());
  json notAnObject = 42;
  dropManagedFields(notAnObject);
  EXPECT_EQ(notAnObject, 42);
}

}  // namespace
}  // namespace warden::op
