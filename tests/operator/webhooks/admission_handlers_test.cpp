#include "operator/webhooks/admission_handlers.h"

#include <stdexcept>

#include <gtest/gtest.h>

#include "tests/operator/webhooks/webhook_test_util.h"

namespace warden::op {
namespace {

using nlohmann::json;

json filesServer() {
  return json::parse(R"({"apiVersion":"mcpwarden.io/v1alpha1","kind":"MCPServer",
    "metadata":{"name":"files","namespace":"tools"},
    "spec":{"selector":{"matchLabels":{"app":"files-mcp"}},"upstream":{"port":3001}}})");
}

json filesPod() {
  return json::parse(R"({"apiVersion":"v1","kind":"Pod",
    "metadata":{"generateName":"files-","labels":{"app":"files-mcp"},"annotations":{"mcpwarden.io/inject":"true"}},
    "spec":{"containers":[{"name":"files","image":"files:1"}]}})");
}

std::vector<json> onlyFiles(const std::string&) { return {filesServer()}; }

AdmissionHandlers handlers(McpServerLister lister = onlyFiles) {
  InjectorConfig config;
  config.operatorNamespace = "mcp-warden-system";
  return AdmissionHandlers(SidecarInjector(config, ServerVersion{1, 29}), std::move(lister));
}

json statusBody(const AdmissionHttpReply& reply) {
  const auto body = json::parse(reply.body);
  EXPECT_EQ(body.at("kind"), "Status");
  EXPECT_EQ(body.at("status"), "Failure");
  EXPECT_EQ(body.at("code"), reply.status);
  return body;
}

TEST(AdmissionHandlersTest, InjectsAPod) {
  std::vector<std::string> listedNamespaces;
  const auto h = handlers([&](const std::string& ns) {
    listedNamespaces.push_back(ns);
    return std::vector<json>{filesServer()};
  });
  const auto reply = h.inject(testing::admissionReview(filesPod(), "tools").dump());
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto response = testing::reviewResponse(reply.body);
  EXPECT_EQ(response.at("uid"), testing::kTestUid);
  EXPECT_EQ(response.at("allowed"), true);
  const auto patched = filesPod().patch(testing::decodedPatch(response));
  EXPECT_EQ(patched.at("spec").at("initContainers")[0].at("name"), "warden-sidecar");
  EXPECT_EQ(listedNamespaces, std::vector<std::string>{"tools"});
  EXPECT_EQ(reply.summary,
            "/inject uid=" + std::string(testing::kTestUid) + " CREATE Pod tools/<generated> by "
            "\"system:serviceaccount:kube-system:replicaset-controller\": added warden-sidecar (native sidecar) for "
            "MCPServer tools/files");
}

TEST(AdmissionHandlersTest, TakesTheNamespaceFromThePodWhenTheRequestHasNone) {
  auto review = testing::admissionReview(filesPod(), "");
  review["request"]["object"]["metadata"]["namespace"] = "tools";
  const auto response = testing::reviewResponse(handlers().inject(review.dump()).body);
  EXPECT_EQ(response.at("allowed"), true);
  EXPECT_TRUE(response.contains("patch"));
  review["request"]["object"]["metadata"].erase("namespace");
  const auto denied = testing::reviewResponse(handlers().inject(review.dump()).body);
  EXPECT_EQ(denied.at("allowed"), false);
  EXPECT_EQ(denied.at("status").at("message"), "the pod has no namespace (request.namespace is empty)");
}

TEST(AdmissionHandlersTest, SkipsAndRefusals) {
  auto pod = filesPod();
  pod["metadata"]["annotations"].erase("mcpwarden.io/inject");
  auto response = testing::reviewResponse(handlers().inject(testing::admissionReview(pod, "tools").dump()).body);
  EXPECT_EQ(response, json({{"uid", testing::kTestUid}, {"allowed", true}}));

  pod = filesPod();
  pod["metadata"]["labels"]["app"] = "other";
  const auto reply = handlers().inject(testing::admissionReview(pod, "tools").dump());
  EXPECT_EQ(reply.status, 200);
  response = testing::reviewResponse(reply.body);
  EXPECT_EQ(response.at("allowed"), false);
  EXPECT_EQ(response.at("status").at("code"), 403);
  EXPECT_FALSE(response.contains("patch"));
  EXPECT_NE(response.at("status").at("message").get<std::string>().find("no MCPServer in namespace \"tools\""),
            std::string::npos);
  EXPECT_NE(reply.summary.find(": refused, "), std::string::npos) << reply.summary;
}

TEST(AdmissionHandlersTest, ListerFailureRefusesThePod) {
  const auto h =
      handlers([](const std::string&) -> std::vector<json> { throw std::runtime_error("cache not synced"); });
  const auto reply = h.inject(testing::admissionReview(filesPod(), "tools").dump());
  ASSERT_EQ(reply.status, 200);
  const auto response = testing::reviewResponse(reply.body);
  EXPECT_EQ(response.at("allowed"), false);
  EXPECT_EQ(response.at("status").at("code"), 500);
  EXPECT_EQ(response.at("status").at("message"),
            "internal error while injecting the warden sidecar: cache not synced");
  // A pod that does not ask is not affected by the cache.
  auto pod = filesPod();
  pod["metadata"].erase("annotations");
  EXPECT_EQ(testing::reviewResponse(h.inject(testing::admissionReview(pod, "tools").dump()).body).at("allowed"), true);
}

TEST(AdmissionHandlersTest, OnlyPodCreatesAreInjected) {
  auto review = testing::admissionReview(filesPod(), "tools", "UPDATE");
  auto response = testing::reviewResponse(handlers().inject(review.dump()).body);
  EXPECT_EQ(response, json({{"uid", testing::kTestUid}, {"allowed", true}}));

  review = testing::admissionReview(filesPod(), "tools", "CREATE", "apps", "v1", "Deployment", "deployments");
  response = testing::reviewResponse(handlers().inject(review.dump()).body);
  EXPECT_EQ(response.at("allowed"), false);
  EXPECT_EQ(response.at("status").at("code"), 400);
  EXPECT_EQ(response.at("status").at("message"),
            "the mcp-warden injector handles pods, not \"apps/v1 Deployment\": the MutatingWebhookConfiguration's "
            "rules are wrong");

  review = testing::admissionReview(filesPod(), "tools");
  review["request"]["object"] = nullptr;
  response = testing::reviewResponse(handlers().inject(review.dump()).body);
  EXPECT_EQ(response.at("allowed"), false);
  EXPECT_EQ(response.at("status").at("message"), "request.object is missing: a pod CREATE must carry the pod");
}

TEST(AdmissionHandlersTest, MalformedBodiesGetClearErrors) {
  for (auto endpoint : {&AdmissionHandlers::inject, &AdmissionHandlers::validate}) {
    const auto h = handlers();
    auto reply = (h.*endpoint)("");
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(statusBody(reply).at("message").get<std::string>().rfind(
                  "request body is not an AdmissionReview: not JSON: syntax error at byte 0", 0),
              0u)
        << reply.body;
    EXPECT_EQ(statusBody(reply).at("reason"), "BadRequest");

    reply = (h.*endpoint)(R"({"a":1,"a":2})");
    EXPECT_EQ(reply.status, 400);
    EXPECT_NE(statusBody(reply).at("message").get<std::string>().find("duplicate key \"a\""), std::string::npos);

    reply = (h.*endpoint)(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})");
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(statusBody(reply).at("message"), "malformed AdmissionReview: request: required field is missing");

    // With a readable uid the answer is a review, so the API server shows the reason to the user.
    auto review = testing::admissionReview(filesPod(), "tools");
    review["request"]["operation"] = "MERGE";
    reply = (h.*endpoint)(review.dump());
    EXPECT_EQ(reply.status, 200);
    const auto response = testing::reviewResponse(reply.body);
    EXPECT_EQ(response.at("allowed"), false);
    EXPECT_EQ(response.at("status").at("code"), 400);
    EXPECT_EQ(response.at("status").at("message"),
              "malformed AdmissionReview: request.operation: must be CREATE, UPDATE, DELETE or CONNECT, got "
              "\"MERGE\"");

    const std::string huge(kMaxAdmissionBodyBytes + 1, ' ');
    reply = (h.*endpoint)(huge);
    EXPECT_EQ(reply.status, 413);
    EXPECT_EQ(statusBody(reply).at("reason"), "RequestEntityTooLarge");
    EXPECT_EQ(statusBody(reply).at("message"),
              "request body of 3145729 bytes is larger than the 3145728 bytes an AdmissionReview may have");
  }
}

TEST(AdmissionHandlersTest, BodyAtTheLimitIsRead) {
  auto review = testing::admissionReview(filesPod(), "tools");
  std::string body = review.dump();
  body.append(kMaxAdmissionBodyBytes - body.size(), ' ');  // trailing whitespace is valid JSON
  const auto reply = handlers().inject(body);
  EXPECT_EQ(reply.status, 200) << reply.body.substr(0, 200);
  EXPECT_EQ(testing::reviewResponse(reply.body).at("allowed"), true);
}

TEST(AdmissionHandlersTest, ValidatesPolicies) {
  const json policy = json::parse(R"({"apiVersion":"mcpwarden.io/v1alpha1","kind":"ToolPolicy",
    "metadata":{"name":"typo","namespace":"tools"},
    "spec":{"targetRef":{"name":"files"},"rules":[{"name":"r","tools":["q"],"effect":"Allow",
      "when":[{"arg":"sql","op":"Matchs","values":["^SELECT"]}]}]}})");
  const auto review = testing::admissionReview(policy, "tools", "CREATE", "mcpwarden.io", "v1alpha1", "ToolPolicy",
                                               "toolpolicies");
  const auto reply = handlers().validate(review.dump());
  ASSERT_EQ(reply.status, 200);
  const auto response = testing::reviewResponse(reply.body);
  EXPECT_EQ(response.at("uid"), testing::kTestUid);
  EXPECT_EQ(response.at("allowed"), false);
  EXPECT_EQ(response.at("status").at("code"), 422);
  EXPECT_EQ(response.at("status").at("message"),
            "ToolPolicy \"typo\" in namespace \"tools\" is invalid (1 error): spec.rules[0].when[0].op: unknown "
            "operator \"Matchs\" (expected one of: PathUnder, Equals, In, Prefix, Matches, NotMatches, LessThan, "
            "GreaterThan, Exists, ContainsSecret, ContainsPII, ContainsInjection)");
  EXPECT_NE(reply.summary.find(": denied, "), std::string::npos);

  auto fixed = policy;
  fixed["spec"]["rules"][0]["when"][0]["op"] = "Matches";
  const auto ok = handlers().validate(
      testing::admissionReview(fixed, "tools", "CREATE", "mcpwarden.io", "v1alpha1", "ToolPolicy", "toolpolicies")
          .dump());
  EXPECT_EQ(testing::reviewResponse(ok.body), json({{"uid", testing::kTestUid}, {"allowed", true}}));
}

TEST(AdmissionHandlersTest, SummaryCannotForgeLogLines) {
  auto review = testing::admissionReview(filesPod(), "tools");
  review["request"]["uid"] = "u1\n2026-01-01 INFO forged";
  review["request"]["name"] = "p\r\nx";
  const auto reply = handlers().inject(review.dump());
  EXPECT_EQ(reply.summary.find_first_of("\r\n"), std::string::npos) << reply.summary;
  EXPECT_NE(reply.summary.find("uid=u1?2026-01-01 INFO forged CREATE Pod tools/p??x"), std::string::npos)
      << reply.summary;
  // The uid itself is echoed unchanged: the API server matches it.
  EXPECT_EQ(testing::reviewResponse(reply.body).at("uid"), "u1\n2026-01-01 INFO forged");
}

TEST(AdmissionHandlersTest, DeeplyNestedBodiesAreRefusedNotCrashed) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  const auto reply = handlers().validate(deep);
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(statusBody(reply).at("message").get<std::string>().find("nesting deeper than"), std::string::npos);
}

}  // namespace
}  // namespace warden::op
