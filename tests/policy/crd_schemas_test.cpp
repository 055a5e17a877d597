#include "policy/crd_schemas.h"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy/yaml_to_json.h"

namespace warden::policy {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string readSourceFile(const std::string& relative) {
  std::ifstream in(std::string(WARDEN_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Errors as "path: message" lines, which read well in test failures.
std::vector<std::string> lines(const FieldErrors& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.toString());
  return out;
}

// A spec read from YAML, as wardenctl reads policy files.
json specFromYaml(const std::string& text) {
  FieldErrors errors;
  auto docs = yamlToJson(text, errors);
  EXPECT_THAT(lines(errors), IsEmpty());
  EXPECT_EQ(docs.size(), 1u);
  return docs.empty() ? json() : docs.front().value;
}

std::vector<std::string> validateSpec(std::string_view kind, json& spec) {
  FieldErrors errors;
  validateAndDefault(specSchema(kind), spec, FieldPath("spec"), errors, policySchemaOptions());
  return lines(errors);
}

const json& ruleItems(const char* list) { return specSchema("ToolPolicy").at("properties").at(list).at("items"); }

const char* const kRealisticToolPolicy = R"(
targetRef:
  name: files-server
rules:
  - name: read-workspace
    tools: [read_file, "list_*"]
    principals: ["spiffe://example.org/ns/agents/sa/*", ns/agents/sa/researcher]
    effect: Allow
    when:
      - {arg: /path, op: PathUnder, values: [/workspace/]}
      - {op: ContainsSecret}
    schedule:
      days: [Mon, Tue, Wed, Thu, Fri]
      hours: "08:00-18:00"
    rateLimit: {requests: 60, per: 1m}
    reason: read-only access to the workspace
  - name: deploy-needs-approval
    tools: [deploy_to_production]
    effect: Review
    approval: {}
  - name: no-delete
    tools: ["delete_*"]
    notPrincipals: [ns/ops/sa/admin]
    effect: Deny
resources:
  - name: docs
    uris: ["file:///docs/**"]
    effect: Allow
prompts:
  - name: summaries
    names: [summarize]
    effect: Allow
    approval: {timeout: 30s}
)";

TEST(CrdSchemasTest, EmbeddedTextIsTheCrdFileByteForByte) {
  for (const char* name : {"mcpwarden.io_mcpservers.yaml", "mcpwarden.io_toolpolicies.yaml"}) {
    const std::string onDisk = readSourceFile(std::string("crds/") + name);
    ASSERT_FALSE(onDisk.empty()) << name;
    EXPECT_EQ(embeddedCrdText(name), onDisk) << name;
  }
  EXPECT_TRUE(embeddedCrdText("other.yaml").empty());
}

TEST(CrdSchemasTest, BothCrdsParse) {
  const json& server = crdObject("MCPServer");
  EXPECT_EQ(server["kind"], "CustomResourceDefinition");
  EXPECT_EQ(server["metadata"]["name"], "mcpservers.mcpwarden.io");
  EXPECT_EQ(server["spec"]["names"]["shortNames"], json({"mcps"}));
  const json& policy = crdObject("ToolPolicy");
  EXPECT_EQ(policy["metadata"]["name"], "toolpolicies.mcpwarden.io");
  EXPECT_EQ(policy["spec"]["group"], "mcpwarden.io");
  EXPECT_EQ(&crdObject("ToolPolicy"), &policy) << "parsed once";
  EXPECT_EQ(specSchema("MCPServer")["required"], json({"selector", "upstream"}));
  EXPECT_EQ(specSchema("ToolPolicy")["required"], json({"targetRef"}));
}

TEST(CrdSchemasTest, UnknownKindIsAProgrammingError) {
  EXPECT_THROW((void)crdObject("Pod"), std::invalid_argument);
  EXPECT_THROW((void)specSchema("toolpolicy"), std::invalid_argument);
  EXPECT_THROW((void)specValidator(""), std::invalid_argument);
}

TEST(CrdSchemasTest, WholeCrdSchemasAreInTheSupportedSubset) {
  for (const char* kind : {"MCPServer", "ToolPolicy"}) {
    const json& schema = crdObject(kind)["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
    EXPECT_NO_THROW(SchemaValidator(schema, policySchemaOptions())) << kind;
  }
}

TEST(CrdSchemasTest, RuleListsShareTheirAnchoredSubSchemas) {
  const json& rules = ruleItems("rules");
  const json& resources = ruleItems("resources");
  const json& prompts = ruleItems("prompts");
  for (const char* field :
       {"name", "principals", "notPrincipals", "effect", "when", "schedule", "rateLimit", "approval", "reason"}) {
    EXPECT_EQ(resources["properties"][field], rules["properties"][field]) << field;
    EXPECT_EQ(prompts["properties"][field], rules["properties"][field]) << field;
  }
  EXPECT_EQ(rules["properties"]["when"]["items"]["properties"]["op"]["enum"].size(), 12u);
  EXPECT_EQ(rules["properties"]["notTools"], rules["properties"]["tools"]);
  EXPECT_EQ(resources["properties"]["notUris"], resources["properties"]["uris"]);
  EXPECT_EQ(prompts["properties"]["notNames"], prompts["properties"]["names"]);
}

TEST(CrdSchemasTest, RealisticToolPolicyValidatesAndGetsDefaults) {
  json spec = specFromYaml(kRealisticToolPolicy);
  EXPECT_THAT(validateSpec("ToolPolicy", spec), IsEmpty());
  EXPECT_EQ(spec["rules"][0]["schedule"]["timeZone"], "UTC");
  EXPECT_EQ(spec["rules"][1]["approval"]["timeout"], "15m");
  EXPECT_EQ(spec["prompts"][0]["approval"]["timeout"], "30s") << "given values are kept";
  EXPECT_FALSE(spec["rules"][2].contains("approval")) << "no default object where none was given";
  EXPECT_FALSE(spec["rules"][2].contains("schedule"));
}

TEST(CrdSchemasTest, McpServerSpecGetsDefaults) {
  json spec = specFromYaml(R"(
selector:
  matchLabels: {app: files}
upstream:
  port: 3000
)");
  EXPECT_THAT(validateSpec("MCPServer", spec), IsEmpty());
  EXPECT_EQ(spec["port"], 8443);
  EXPECT_EQ(spec["metricsPort"], 9090);
  EXPECT_EQ(spec["upstream"]["path"], "/mcp");
  EXPECT_EQ(spec["defaultAction"], "Deny");
  EXPECT_EQ(spec["denialStyle"], "Explain");
  EXPECT_FALSE(spec.contains("toolPinning"));
}

TEST(CrdSchemasTest, McpServerPinningModeDefaultsAndYamlOffTrap) {
  json spec = specFromYaml(R"(
selector: {}
upstream: {port: 3000}
toolPinning:
  pins: {read_file: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad}
)");
  EXPECT_THAT(validateSpec("MCPServer", spec), IsEmpty());
  EXPECT_EQ(spec["toolPinning"]["mode"], "Off");

  // An unquoted all-digit hash is a YAML integer (here octal 0), as with kubectl.
  json digits =
      specFromYaml("selector: {}\nupstream: {port: 3000}\ntoolPinning: {pins: {t: " + std::string(64, '0') + "}}\n");
  EXPECT_THAT(validateSpec("MCPServer", digits), ElementsAre("spec.toolPinning.pins[t]: expected string, got integer"));

  // Unquoted, YAML 1.1 reads Off as false, as kubectl does; the schema then rejects it.
  json unquoted = specFromYaml("selector: {}\nupstream: {port: 3000}\ntoolPinning: {mode: Off}\n");
  EXPECT_THAT(validateSpec("MCPServer", unquoted), ElementsAre("spec.toolPinning.mode: expected string, got boolean"));
}

TEST(CrdSchemasTest, McpServerErrorsUseTheirNouns) {
  json spec = specFromYaml(R"(
selector:
  matchExpressions:
    - {key: app, operator: Inn}
upstream: {port: 0, path: "no-slash"}
port: 70000
defaultAction: Review
denialStyle: Hide
identity: {spiffeID: "spiffe://Example.org/x"}
toolPinning: {mode: Strict, pins: {t: ABC}}
)");
  EXPECT_THAT(
      validateSpec("MCPServer", spec),
      ElementsAre("spec.defaultAction: unknown action \"Review\" (expected one of: Deny, Allow)",
                  "spec.denialStyle: unknown denial style \"Hide\" (expected one of: Explain, Conceal)",
                  "spec.identity.spiffeID: invalid value \"spiffe://Example.org/x\": must match "
                  "^spiffe://[a-z0-9._-]+(/[A-Za-z0-9._-]+)+$",
                  "spec.port: must be <= 65535",
                  "spec.selector.matchExpressions[0].operator: unknown selector operator \"Inn\" (expected one of: In, "
                  "NotIn, Exists, DoesNotExist)",
                  "spec.toolPinning.mode: unknown pinning mode \"Strict\" (expected one of: Off, Audit, Enforce)",
                  "spec.toolPinning.pins[t]: invalid value \"ABC\": must match ^[0-9a-f]{64}$",
                  "spec.upstream.path: invalid value \"no-slash\": must match ^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$",
                  "spec.upstream.port: must be >= 1"));
}

TEST(CrdSchemasTest, InvalidOperatorMessage) {
  json spec = {{"targetRef", {{"name", "files"}}},
               {"rules", {{{"name", "r"}, {"effect", "Allow"}, {"when", {{{"arg", "path"}, {"op", "Matchs"}}}}}}}};
  EXPECT_THAT(
      validateSpec("ToolPolicy", spec),
      ElementsAre(
          "spec.rules[0].when[0].op: unknown operator \"Matchs\" (expected one of: PathUnder, Equals, In, Prefix, "
          "Matches, NotMatches, LessThan, GreaterThan, Exists, ContainsSecret, "
          "ContainsPII, ContainsInjection)"));
  FieldErrors errors;
  specValidator("ToolPolicy").validateAndDefault(spec, FieldPath("spec"), errors);
  EXPECT_EQ(formatErrors(errors),
            "spec.rules[0].when[0].op: unknown operator \"Matchs\" (expected one of: PathUnder, Equals, In, Prefix, "
            "Matches, NotMatches, LessThan, GreaterThan, Exists, ContainsSecret, ContainsPII, ContainsInjection)\n");
}

TEST(CrdSchemasTest, DuplicateRuleNamesAndDuplicateToolsAreReported) {
  json spec = specFromYaml(R"(
targetRef: {name: files}
rules:
  - {name: read, effect: Allow, tools: [read_file, list_dir, read_file]}
  - {name: write, effect: Deny}
  - {name: read, effect: Deny, principals: [ns/a/sa/b, ns/a/sa/b]}
resources:
  - {name: read, effect: Allow, uris: ["file:///a", "file:///a"]}
)");
  EXPECT_THAT(validateSpec("ToolPolicy", spec),
              ElementsAre("spec.resources[0].uris[1]: duplicate value \"file:///a\"",
                          "spec.rules[0].tools[2]: duplicate value \"read_file\"",
                          "spec.rules[2].principals[1]: duplicate value \"ns/a/sa/b\"",
                          "spec.rules[2]: duplicate entry with name \"read\""));
}

TEST(CrdSchemasTest, SeveralErrorsAtOnce) {
  json spec = specFromYaml(R"(
targetRef: {name: Files_Server}
rules:
  - name: Bad Name
    effect: allow
    tools: ["read file"]
    principals: ["https://example.org/agent"]
    when:
      - {arg: path, op: PathUnder, values: [/a]}
      - {arg: path}
    schedule: {days: [Mon, Funday], hours: "9-17", timeZone: "Europe/Berlin"}
    rateLimit: {requests: 0}
    approval: {timeout: 15 minutes}
    priority: 1
  - effect: Deny
)");
  EXPECT_THAT(
      validateSpec("ToolPolicy", spec),
      ElementsAre(
          "spec.rules[0].approval.timeout: invalid value \"15 minutes\": must match "
          "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$",
          "spec.rules[0].effect: unknown effect \"allow\" (expected one of: Allow, Deny, Review)",
          "spec.rules[0].name: invalid value \"Bad Name\": must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
          "spec.rules[0].principals[0]: invalid value \"https://example.org/agent\": must match "
          "^(spiffe://([a-z0-9._-]+|\\*|\\*\\*)(/[A-Za-z0-9._*?-]+)*|ns/[a-z0-9*?-]+/sa/[a-z0-9.*?-]+)$",
          "spec.rules[0].priority: unknown field \"priority\"",
          "spec.rules[0].rateLimit.per: required field is missing", "spec.rules[0].rateLimit.requests: must be >= 1",
          "spec.rules[0].schedule.days[1]: unknown day \"Funday\" (expected one of: Mon, Tue, Wed, Thu, Fri, Sat, Sun)",
          "spec.rules[0].schedule.hours: invalid value \"9-17\": must match "
          "^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
          "spec.rules[0].tools[0]: invalid value \"read file\": must match ^[A-Za-z0-9_.*?-]+$",
          "spec.rules[0].when[1].op: required field is missing", "spec.rules[1].name: required field is missing",
          "spec.targetRef.name: invalid value \"Files_Server\": must match ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"));
}

TEST(CrdSchemasTest, MissingTargetRefAndWrongTypes) {
  json spec = specFromYaml("rules: {name: r}\n");
  EXPECT_THAT(validateSpec("ToolPolicy", spec),
              ElementsAre("spec.targetRef: required field is missing", "spec.rules: expected array, got object"));
}

TEST(CrdSchemasTest, SpecValidatorMatchesTheFreeFunction) {
  json viaFunction = specFromYaml(kRealisticToolPolicy);
  json viaValidator = viaFunction;
  FieldErrors errors;
  specValidator("ToolPolicy").validateAndDefault(viaValidator, FieldPath("spec"), errors);
  EXPECT_THAT(lines(errors), IsEmpty());
  EXPECT_THAT(validateSpec("ToolPolicy", viaFunction), IsEmpty());
  EXPECT_EQ(viaValidator, viaFunction);
  EXPECT_EQ(&specValidator("ToolPolicy"), &specValidator("ToolPolicy"));
  EXPECT_EQ(specValidator("MCPServer").schema(), specSchema("MCPServer"));
}

TEST(CrdSchemasTest, PolicySchemaOptionsNouns) {
  const auto& nouns = policySchemaOptions().enumNouns;
  EXPECT_EQ(nouns.size(), 7u);
  EXPECT_EQ(nouns.at("op"), "operator");
  EXPECT_EQ(nouns.at("effect"), "effect");
  EXPECT_EQ(nouns.at("days"), "day");
  EXPECT_EQ(nouns.at("defaultAction"), "action");
  EXPECT_EQ(nouns.at("denialStyle"), "denial style");
  EXPECT_EQ(nouns.at("mode"), "pinning mode");
  EXPECT_EQ(nouns.at("operator"), "selector operator");
}

TEST(CrdSchemasTest, EveryEnumPropertyOfTheSpecsHasANoun) {
  // Walk both spec schemas: an enum without a noun would read "unknown value", which is a missed noun.
  std::vector<std::string> missing;
  auto walk = [&](auto&& self, const json& schema, const std::string& name) -> void {
    if (schema.contains("enum") && !policySchemaOptions().enumNouns.contains(name)) missing.push_back(name);
    if (schema.contains("properties")) {
      for (const auto& [key, property] : schema["properties"].items()) self(self, property, key);
    }
    if (schema.contains("items")) self(self, schema["items"], name);
    if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
      self(self, schema["additionalProperties"], name);
    }
  };
  walk(walk, specSchema("MCPServer"), "spec");
  walk(walk, specSchema("ToolPolicy"), "spec");
  EXPECT_THAT(missing, IsEmpty());
}

TEST(CrdSchemasTest, ConcurrentFirstUseIsSafe) {
  std::vector<std::thread> threads;
  std::vector<const json*> seen(4, nullptr);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&seen, t] {
      json spec = specFromYaml("targetRef: {name: x}\nrules: [{name: r, effect: Review, approval: {}}]\n");
      FieldErrors errors;
      specValidator("ToolPolicy").validateAndDefault(spec, FieldPath("spec"), errors);
      if (errors.empty() && spec["rules"][0]["approval"]["timeout"] == "15m") seen[t] = &crdObject("ToolPolicy");
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_THAT(seen, Contains(&crdObject("ToolPolicy")).Times(4));
}

}  // namespace
}  // namespace warden::policy
