#include "operator/controllers/desired_objects.h"

#include <gtest/gtest.h>

#include "policy/compiler.h"
#include "tests/operator/reconcile_fixture.h"

namespace warden::op {
namespace {

using nlohmann::json;
using testing::decodeServer;
using testing::mcpServerJson;

const json kOwnerRef = {{"apiVersion", "mcpwarden.io/v1alpha1"},
                        {"kind", "MCPServer"},
                        {"name", "files"},
                        {"uid", "uid-server-files"},
                        {"controller", true},
                        {"blockOwnerDeletion", true}};
const json kLabels = {{"app.kubernetes.io/managed-by", "mcp-warden"}, {"mcpwarden.io/server", "files"}};

TEST(DesiredObjectsTest, Names) {
  EXPECT_EQ(policyConfigMapName("files"), "files-warden-policy");
  EXPECT_EQ(serviceName("files"), "files");
  EXPECT_EQ(networkPolicyName("files"), "files-warden");
}

TEST(DesiredObjectsTest, OwnerReferenceNamesTheServerAsController) {
  EXPECT_EQ(ownerReference(mcpServerJson()), kOwnerRef);
}

TEST(DesiredObjectsTest, ConfigMapCarriesTheBundleBytesExactly) {
  const json live = mcpServerJson();
  const auto server = decodeServer(live);
  const auto bundle = policy::compileBundle(server, {});
  const json cm = desiredConfigMap(server, live, bundle);
  EXPECT_EQ(cm, json({{"apiVersion", "v1"},
                      {"kind", "ConfigMap"},
                      {"metadata",
                       {{"name", "files-warden-policy"},
                        {"namespace", "tools"},
                        {"labels", kLabels},
                        {"annotations", {{"mcpwarden.io/policy-version", bundle.policyVersion}}},
                        {"ownerReferences", {kOwnerRef}}}},
                      {"data", {{"bundle.json", bundle.bytes}, {"policyVersion", bundle.policyVersion}}}}));
  EXPECT_EQ(cm["data"]["bundle.json"].get<std::string>(), bundle.bytes);
}

TEST(DesiredObjectsTest, ServiceTargetsTheSidecarPorts) {
  const json live = mcpServerJson();
  const auto server = decodeServer(live);
  EXPECT_EQ(serviceSelectorFit(server), ServiceSelectorFit::Exact);
  EXPECT_EQ(serviceSelectorMessage(server), "");
  EXPECT_EQ(desiredService(server, live),
            json({{"apiVersion", "v1"},
                  {"kind", "Service"},
                  {"metadata",
                   {{"name", "files"}, {"namespace", "tools"}, {"labels", kLabels}, {"ownerReferences", {kOwnerRef}}}},
                  {"spec",
                   {{"selector", {{"app", "files-mcp"}}},
                    {"ports",
                     {{{"name", "mcp"}, {"port", 8443}, {"targetPort", 8443}, {"protocol", "TCP"}},
                      {{"name", "metrics"}, {"port", 9090}, {"targetPort", 9090}, {"protocol", "TCP"}}}}}}}));
}

TEST(DesiredObjectsTest, NetworkPolicyAdmitsOnlyTheSidecarPorts) {
  json live = mcpServerJson();
  live["spec"]["port"] = 9443;
  live["spec"]["metricsPort"] = 9191;
  live["spec"]["selector"]["matchExpressions"] = {{{"key", "tier"}, {"operator", "In"}, {"values", {"mcp"}}},
                                                  {{"key", "canary"}, {"operator", "DoesNotExist"}}};
  const auto server = decodeServer(live);
  const json np = desiredNetworkPolicy(server, live);
  EXPECT_EQ(
      np,
      json({{"apiVersion", "networking.k8s.io/v1"},
            {"kind", "NetworkPolicy"},
            {"metadata",
             {{"name", "files-warden"}, {"namespace", "tools"}, {"labels", kLabels}, {"ownerReferences", {kOwnerRef}}}},
            {"spec",
             {{"podSelector",
               {{"matchLabels", {{"app", "files-mcp"}}},
                {"matchExpressions",
                 {{{"key", "tier"}, {"operator", "In"}, {"values", {"mcp"}}},
                  {{"key", "canary"}, {"operator", "DoesNotExist"}}}}}},
              {"policyTypes", {"Ingress"}},
              {"ingress",
               {{{"ports", {{{"protocol", "TCP"}, {"port", 9443}}, {{"protocol", "TCP"}, {"port", 9191}}}}}}}}}}));
  // The upstream port is not among the admitted ones.
  EXPECT_EQ(np.dump().find("3001"), std::string::npos);
}

TEST(DesiredObjectsTest, ServiceSelectorWithExpressions) {
  json live = mcpServerJson();
  live["spec"]["selector"]["matchExpressions"] = {{{"key", "tier"}, {"operator", "In"}, {"values", {"mcp"}}}};
  auto server = decodeServer(live);
  EXPECT_EQ(serviceSelectorFit(server), ServiceSelectorFit::Simplified);
  EXPECT_NE(serviceSelectorMessage(server).find("matchLabels only"), std::string::npos);
  EXPECT_EQ(desiredService(server, live)["spec"]["selector"], json({{"app", "files-mcp"}}));

  live["spec"]["selector"].erase("matchLabels");
  server = decodeServer(live);
  EXPECT_EQ(serviceSelectorFit(server), ServiceSelectorFit::NotExpressible);
  EXPECT_NE(serviceSelectorMessage(server).find("no Service is made"), std::string::npos);
}

TEST(DesiredObjectsTest, NamesThatCannotNameChildren) {
  auto server = decodeServer(mcpServerJson());
  EXPECT_TRUE(childNameErrors(server).empty());
  EXPECT_EQ(serviceNameProblem(server), "");

  server.metadata.name = "files.v2";  // a valid MCPServer name, not a valid Service name
  EXPECT_NE(serviceNameProblem(server), "");
  server.metadata.name = "2files";
  EXPECT_NE(serviceNameProblem(server), "");
  server.metadata.name = std::string(64, 'a');
  EXPECT_NE(serviceNameProblem(server), "");
  EXPECT_TRUE(childNameErrors(server).empty());
  server.metadata.name = std::string(240, 'a');
  ASSERT_EQ(childNameErrors(server).size(), 1u);
  EXPECT_EQ(childNameErrors(server)[0].path, "metadata.name");
  server.metadata.name = std::string(239, 'a');
  EXPECT_TRUE(childNameErrors(server).empty());
}

TEST(DesiredObjectsTest, OwnershipNeedsLabelAndOwnerReference) {
  const json live = mcpServerJson();
  const auto server = decodeServer(live);
  json child = desiredService(server, live);
  EXPECT_TRUE(isOwnedBy(child, live));

  json noLabel = child;
  noLabel["metadata"].erase("labels");
  EXPECT_FALSE(isOwnedBy(noLabel, live));

  json otherOwner = child;
  otherOwner["metadata"]["ownerReferences"][0]["uid"] = "uid-of-an-earlier-server";
  EXPECT_FALSE(isOwnedBy(otherOwner, live));

  json noRefs = child;
  noRefs["metadata"].erase("ownerReferences");
  EXPECT_FALSE(isOwnedBy(noRefs, live));

  json serverWithoutUid = live;
  serverWithoutUid["metadata"].erase("uid");
  EXPECT_FALSE(isOwnedBy(child, serverWithoutUid));
}

// A Service as the API server returns it after our apply: defaults and server metadata added.
json serviceAsStored(const json& intent) {
  json live = json::parse(intent.dump());  // numbers come back unsigned, as from the wire
  live["metadata"]["uid"] = "3c2a";
  live["metadata"]["resourceVersion"] = "4711";
  live["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z";
  live["metadata"]["managedFields"] = json::array({{{"manager", "mcp-warden-operator"}}});
  live["metadata"]["labels"]["added-by-someone"] = "x";
  live["spec"]["type"] = "ClusterIP";
  live["spec"]["clusterIP"] = "10.96.0.17";
  live["spec"]["clusterIPs"] = {"10.96.0.17"};
  live["spec"]["sessionAffinity"] = "None";
  live["spec"]["ipFamilies"] = {"IPv4"};
  live["spec"]["ipFamilyPolicy"] = "SingleStack";
  live["spec"]["internalTrafficPolicy"] = "Cluster";
  live["status"] = {{"loadBalancer", json::object()}};
  return live;
}

TEST(AppliedFieldsMatchTest, ServerDefaultsAndExtraFieldsDoNotCount) {
  const json server = mcpServerJson();
  const json intent = desiredService(decodeServer(server), server);
  EXPECT_TRUE(appliedFieldsMatch(intent, serviceAsStored(intent)));
}

TEST(AppliedFieldsMatchTest, DefaultedPortFieldsDoNotCount) {
  // An intent that leaves protocol and targetPort to the server still matches what the server filled in.
  const json intent = {{"spec", {{"ports", {{{"name", "mcp"}, {"port", 8443}}}}}}};
  const json live = {
      {"spec", {{"ports", {{{"name", "mcp"}, {"port", 8443}, {"protocol", "TCP"}, {"targetPort", 8443}}}}}}};
  EXPECT_TRUE(appliedFieldsMatch(intent, live));
}

TEST(AppliedFieldsMatchTest, ChangedOwnedValuesCount) {
  const json server = mcpServerJson();
  const json intent = desiredService(decodeServer(server), server);
  json live = serviceAsStored(intent);
  live["spec"]["ports"][0]["port"] = 8444;
  EXPECT_FALSE(appliedFieldsMatch(intent, live));

  live = serviceAsStored(intent);
  live["spec"]["ports"][0]["protocol"] = "UDP";
  EXPECT_FALSE(appliedFieldsMatch(intent, live));

  live = serviceAsStored(intent);
  live["spec"]["selector"]["app"] = "other";
  EXPECT_FALSE(appliedFieldsMatch(intent, live));

  live = serviceAsStored(intent);
  live["metadata"]["labels"].erase("mcpwarden.io/server");
  EXPECT_FALSE(appliedFieldsMatch(intent, live));

  live = serviceAsStored(intent);
  live["metadata"]["ownerReferences"][0]["controller"] = false;
  EXPECT_FALSE(appliedFieldsMatch(intent, live));
}

TEST(AppliedFieldsMatchTest, ListsCompareElementWise) {
  const json server = mcpServerJson();
  const json intent = desiredService(decodeServer(server), server);
  json live = serviceAsStored(intent);
  live["spec"]["ports"].push_back({{"name", "extra"}, {"port", 1}, {"protocol", "TCP"}});
  EXPECT_FALSE(appliedFieldsMatch(intent, live));

  live = serviceAsStored(intent);
  std::swap(live["spec"]["ports"][0], live["spec"]["ports"][1]);
  EXPECT_FALSE(appliedFieldsMatch(intent, live));

  live = serviceAsStored(intent);
  live["spec"]["ports"].erase(1);
  EXPECT_FALSE(appliedFieldsMatch(intent, live));
}

TEST(AppliedFieldsMatchTest, ConfigMapDataMustBeByteIdentical) {
  const json server = mcpServerJson();
  const auto s = decodeServer(server);
  const auto bundle = policy::compileBundle(s, {});
  const json intent = desiredConfigMap(s, server, bundle);
  json live = json::parse(intent.dump());
  EXPECT_TRUE(appliedFieldsMatch(intent, live));
  live["data"]["bundle.json"] = bundle.bytes + "\n";
  EXPECT_FALSE(appliedFieldsMatch(intent, live));
  live = json::parse(intent.dump());
  live["data"].erase("policyVersion");
  EXPECT_FALSE(appliedFieldsMatch(intent, live));
}

TEST(AppliedFieldsMatchTest, EmptyIntentValuesMatchAbsentFields) {
  EXPECT_TRUE(appliedFieldsMatch(json({{"a", json::object()}, {"b", json::array()}}), json::object()));
  EXPECT_TRUE(appliedFieldsMatch(json({{"a", json::object()}}), json({{"a", nullptr}})));
  EXPECT_FALSE(appliedFieldsMatch(json({{"a", json::array()}}), json({{"a", {1}}})));
  EXPECT_FALSE(appliedFieldsMatch(json({{"a", ""}}), json::object()));
  EXPECT_FALSE(appliedFieldsMatch(json({{"a", {{"b", 1}}}}), json({{"a", 1}})));
}

TEST(AppliedFieldsMatchTest, NumbersCompareByValue) {
  EXPECT_TRUE(appliedFieldsMatch(json({{"port", 8443}}), json::parse(R"({"port": 8443})")));
  EXPECT_TRUE(appliedFieldsMatch(json({{"port", 8443}}), json({{"port", 8443u}})));
  EXPECT_FALSE(appliedFieldsMatch(json({{"port", 8443}}), json({{"port", "8443"}})));
}

}  // namespace
}  // namespace warden::op
