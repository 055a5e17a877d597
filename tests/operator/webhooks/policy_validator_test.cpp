#include "operator/webhooks/policy_validator.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "policy/yaml_to_json.h"
#include "tests/operator/webhooks/webhook_test_util.h"

namespace warden::op {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kExamples = fs::path(WARDEN_SOURCE_DIR) / "examples";

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

json readYamlObject(const fs::path& path) {
  policy::FieldErrors errors;
  auto docs = policy::yamlToJson(readText(path), errors);
  EXPECT_TRUE(errors.empty()) << path << ": " << policy::formatErrors(errors);
  EXPECT_EQ(docs.size(), 1u) << path;
  return docs.empty() ? json() : docs.front().value;
}

// The request the API server sends for `object` (a ToolPolicy or an MCPServer).
AdmissionRequest requestFor(const json& object, const std::string& operation = "CREATE") {
  const std::string kind = object.value("kind", "");
  const std::string resource = kind == "ToolPolicy" ? "toolpolicies" : "mcpservers";
  const std::string ns = object.contains("metadata") ? object["metadata"].value("namespace", "tools") : "tools";
  auto parsed = parseAdmissionReview(
      testing::admissionReview(object, ns, operation, "mcpwarden.io", "v1alpha1", kind, resource));
  EXPECT_TRUE(parsed.request) << parsed.error;
  return parsed.request.value_or(AdmissionRequest{});
}

std::vector<fs::path> yamlFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(PolicyValidatorTest, AllowsEveryShippedExample) {
  const auto files = yamlFiles(kExamples / "files-server");
  ASSERT_GE(files.size(), 2u);
  for (const auto& file : files) {
    const auto response = validatePolicyObject(requestFor(readYamlObject(file)));
    EXPECT_TRUE(response.allowed) << file << ": " << response.message;
    EXPECT_EQ(response.uid, testing::kTestUid);
    EXPECT_EQ(response.code, 0);
    EXPECT_TRUE(response.patch.is_null());
  }
}

// Each file of examples/invalid/ says on its `# expect:` line the error it must be refused with.
TEST(PolicyValidatorTest, DeniesEveryInvalidExampleWithItsFieldError) {
  const auto files = yamlFiles(kExamples / "invalid");
  ASSERT_GE(files.size(), 10u);
  for (const auto& file : files) {
    const auto text = readText(file);
    const auto at = text.find("# expect: ");
    ASSERT_NE(at, std::string::npos) << file;
    const auto expected = text.substr(at + 10, text.find('\n', at) - at - 10);
    const auto object = readYamlObject(file);
    const auto response = validatePolicyObject(requestFor(object));
    EXPECT_FALSE(response.allowed) << file;
    EXPECT_EQ(response.code, 422) << file;
    EXPECT_NE(response.message.find(expected), std::string::npos) << file << ": " << response.message;
    const std::string prefix = object.at("kind").get<std::string>() + " \"" +
                               object.at("metadata").at("name").get<std::string>() +
                               "\" in namespace \"tools\" is invalid (";
    EXPECT_EQ(response.message.rfind(prefix, 0), 0u) << response.message;
  }
}

TEST(PolicyValidatorTest, ReportsEveryError) {
  const json policy = json::parse(R"({
    "apiVersion": "mcpwarden.io/v1alpha1", "kind": "ToolPolicy",
    "metadata": {"name": "two-problems", "namespace": "tools"},
    "spec": {"targetRef": {"name": "files"}, "rules": [
      {"name": "a", "tools": ["read"], "effect": "Allow", "when": [{"arg": "x", "op": "Matchs", "values": ["y"]}]},
      {"name": "b", "tools": ["write"], "effect": "Permit"}]}})");
  const auto response = validatePolicyObject(requestFor(policy, "UPDATE"));
  EXPECT_FALSE(response.allowed);
  EXPECT_EQ(response.message,
            "ToolPolicy \"two-problems\" in namespace \"tools\" is invalid (2 errors): spec.rules[0].when[0].op: "
            "unknown operator \"Matchs\" (expected one of: PathUnder, Equals, In, Prefix, Matches, NotMatches, "
            "LessThan, GreaterThan, Exists, ContainsSecret, ContainsPII, ContainsInjection); spec.rules[1].effect: "
            "unknown effect \"Permit\" (expected one of: Allow, Deny, Review)");
}

TEST(PolicyValidatorTest, SemanticErrorsBeyondTheSchema) {
  // Schema-valid but does not compile: an invalid regular expression.
  const json policy = json::parse(R"({
    "apiVersion": "mcpwarden.io/v1alpha1", "kind": "ToolPolicy",
    "metadata": {"name": "regex", "namespace": "tools"},
    "spec": {"targetRef": {"name": "files"}, "rules": [
      {"name": "a", "tools": ["q"], "effect": "Allow",
       "when": [{"arg": "sql", "op": "Matches", "values": ["(unclosed"]}]}]}})");
  const auto response = validatePolicyObject(requestFor(policy));
  EXPECT_FALSE(response.allowed);
  EXPECT_NE(response.message.find("spec.rules[0].when[0].values[0]: invalid regular expression"), std::string::npos)
      << response.message;
}

TEST(PolicyValidatorTest, TakesNamespaceAndNameFromTheRequest) {
  auto object = readYamlObject(kExamples / "files-server" / "mcpserver.yaml");
  object["metadata"].erase("namespace");
  auto request = requestFor(object);
  request.namespace_ = "other";
  EXPECT_TRUE(validatePolicyObject(request).allowed);
  object["metadata"]["name"] = "Bad_Name";
  request = requestFor(object);
  const auto denied = validatePolicyObject(request);
  EXPECT_FALSE(denied.allowed);
  EXPECT_NE(denied.message.find("metadata.name: \"Bad_Name\" is not a valid name"), std::string::npos)
      << denied.message;
}

TEST(PolicyValidatorTest, AllowsDeletesSubresourcesAndObjectsBeingDeleted) {
  auto object = readYamlObject(kExamples / "invalid" / "unknown-operator.yaml");
  auto request = requestFor(object, "DELETE");
  EXPECT_TRUE(validatePolicyObject(request).allowed);
  request = requestFor(object, "UPDATE");
  request.subResource = "status";
  EXPECT_TRUE(validatePolicyObject(request).allowed);
  // Removing a finalizer from an object that became invalid (an older CRD) must stay possible.
  object["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  EXPECT_TRUE(validatePolicyObject(requestFor(object, "UPDATE")).allowed);
  EXPECT_FALSE(validatePolicyObject(requestFor(object, "CREATE")).allowed);
}

TEST(PolicyValidatorTest, DeniesOtherKindsAndMissingObjects) {
  auto request = requestFor(readYamlObject(kExamples / "files-server" / "mcpserver.yaml"));
  request.kind = {"", "v1", "ConfigMap"};
  auto response = validatePolicyObject(request);
  EXPECT_FALSE(response.allowed);
  EXPECT_EQ(response.code, 400);
  EXPECT_EQ(response.message,
            "the mcp-warden validating webhook checks ToolPolicy and MCPServer objects of mcpwarden.io, not "
            "\"/v1 ConfigMap\": the ValidatingWebhookConfiguration's rules are wrong");
  request = requestFor(readYamlObject(kExamples / "files-server" / "mcpserver.yaml"));
  request.object = nullptr;
  response = validatePolicyObject(request);
  EXPECT_FALSE(response.allowed);
  EXPECT_EQ(response.message, "request.object is missing: the MCPServer to check is not in the request");
  request.object = json::array();
  EXPECT_FALSE(validatePolicyObject(request).allowed);
}

TEST(PolicyValidatorTest, DeniesObjectsWhoseKindDisagreesWithTheRequest) {
  // Routed as a ToolPolicy, but the body is an MCPServer: decoded as what the request says, so refused.
  const auto server = readYamlObject(kExamples / "files-server" / "mcpserver.yaml");
  auto request = requestFor(server);
  request.kind.kind = "ToolPolicy";
  const auto response = validatePolicyObject(request);
  EXPECT_FALSE(response.allowed);
  EXPECT_NE(response.message.find("kind: must be \"ToolPolicy\", got \"MCPServer\""), std::string::npos)
      << response.message;
}

}  // namespace
}  // namespace warden::op
