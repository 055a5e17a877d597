#include "operator/controllers/managed_fields.h"

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

}  // namespace
}  // namespace warden::op
