#include "policy/object_decoder.h"

#include <gtest/gtest.h>

#include "policy/yaml_to_json.h"

namespace warden::policy {
namespace {

using nlohmann::json;

json yaml(std::string_view text) {
  FieldErrors errors;
  auto docs = yamlToJson(text, errors);
  EXPECT_TRUE(errors.empty()) << formatErrors(errors);
  return docs.empty() ? json() : docs.front().value;
}

std::vector<std::string> policyErrors(std::string_view specYaml) {
  std::string text = "apiVersion: mcpwarden.io/v1alpha1\nkind: ToolPolicy\nmetadata: {name: p, namespace: ns}\n";
  text += specYaml;
  FieldErrors errors;
  auto policy = decodeToolPolicy(yaml(text), errors);
  EXPECT_EQ(policy.has_value(), errors.empty());
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.toString());
  return out;
}

std::vector<std::string> serverErrors(std::string_view specYaml) {
  std::string text = "apiVersion: mcpwarden.io/v1alpha1\nkind: MCPServer\nmetadata: {name: s}\n";
  text += specYaml;
  FieldErrors errors;
  auto server = decodeMCPServer(yaml(text), errors);
  EXPECT_EQ(server.has_value(), errors.empty());
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.toString());
  return out;
}

bool contains(const std::vector<std::string>& errors, std::string_view needle) {
  for (const auto& e : errors) {
    if (e.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(ObjectDecoderTest, DecodesAToolPolicyWithDefaults) {
  FieldErrors errors;
  auto policy = decodeToolPolicy(yaml(R"(
apiVersion: mcpwarden.io/v1alpha1
kind: ToolPolicy
metadata: {name: files-read, namespace: tools, labels: {team: a}, generation: 3}
spec:
  targetRef: {name: files}
  rules:
    - name: write
      tools: [write_file]
      notTools: [write_secret]
      principals: [ns/agents/sa/editor]
      notPrincipals: ["spiffe://example.org/ns/agents/sa/intern"]
      effect: Allow
      when: [{arg: path, op: PathUnder, values: [/workspace]}]
      schedule: {days: [Mon], hours: "09:00-17:00"}
      rateLimit: {requests: 5, per: 30s}
      reason: writes are limited
    - name: delete
      tools: [delete_file]
      effect: Review
      approval: {}
  prompts:
    - {name: p1, names: [summarize], effect: Allow}
)"),
                                 errors);
  ASSERT_TRUE(policy) << formatErrors(errors);
  EXPECT_EQ(policy->metadata.name, "files-read");
  EXPECT_EQ(policy->metadata.namespace_, "tools");
  EXPECT_EQ(policy->metadata.generation, 3);
  EXPECT_EQ(policy->metadata.labels.at("team"), "a");
  EXPECT_EQ(policy->spec.targetName, "files");
  ASSERT_EQ(policy->spec.rules.size(), 2u);
  const auto& w = policy->spec.rules[0];
  EXPECT_EQ(w.targets, std::vector<std::string>{"write_file"});
  EXPECT_EQ(w.notTargets, std::vector<std::string>{"write_secret"});
  EXPECT_EQ(w.principals, std::vector<std::string>{"ns/agents/sa/editor"});
  EXPECT_EQ(w.effect, Effect::Allow);
  ASSERT_EQ(w.when.size(), 1u);
  EXPECT_EQ(w.when[0].op, Operator::PathUnder);
  ASSERT_TRUE(w.schedule);
  EXPECT_EQ(w.schedule->timeZone, "UTC");  // CRD default
  ASSERT_TRUE(w.rateLimit);
  EXPECT_EQ(w.rateLimit->requests, 5u);
  EXPECT_EQ(w.rateLimit->per, "30s");
  EXPECT_EQ(w.reason, "writes are limited");
  ASSERT_TRUE(policy->spec.rules[1].approval);
  EXPECT_EQ(policy->spec.rules[1].approval->timeout, "15m");  // CRD default
  ASSERT_EQ(policy->spec.prompts.size(), 1u);
  EXPECT_EQ(policy->spec.prompts[0].kind, RuleKind::Prompt);
  EXPECT_EQ(policy->spec.prompts[0].targets, std::vector<std::string>{"summarize"});
}

TEST(ObjectDecoderTest, NamespaceDefaultsToDefault) {
  FieldErrors errors;
  auto p = decodeToolPolicy(
      yaml("apiVersion: mcpwarden.io/v1alpha1\nkind: ToolPolicy\nmetadata: {name: p}\nspec: {targetRef: {name: s}}"),
      errors);
  ASSERT_TRUE(p) << formatErrors(errors);
  EXPECT_EQ(p->metadata.namespace_, "default");
}

TEST(ObjectDecoderTest, UnknownOperatorNamesTheFieldPath) {
  auto errors = policyErrors(R"(spec:
  targetRef: {name: s}
  rules:
  - {name: a, effect: Allow}
  - {name: b, effect: Allow}
  - name: c
    effect: Allow
    when: [{arg: x, op: Matchs, values: ["^SELECT"]}])");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("spec.rules[2].when[0].op: unknown operator \"Matchs\"", 0), 0u) << errors[0];
}

TEST(ObjectDecoderTest, ReportsSeveralSchemaErrorsAtOnce) {
  auto errors = policyErrors(R"(spec:
  targetRef: {name: s}
  surprise: 1
  rules:
  - {name: a, effect: Permit, tools: "read_file"}
  - {name: b, effect: Allow, rateLimit: {requests: 0, per: 1m}})");
  EXPECT_TRUE(contains(errors, "spec.surprise: unknown field \"surprise\"")) << ::testing::PrintToString(errors);
  EXPECT_TRUE(contains(errors, "spec.rules[0].effect: unknown effect \"Permit\""));
  EXPECT_TRUE(contains(errors, "spec.rules[0].tools: expected array, got string"));
  EXPECT_TRUE(contains(errors, "spec.rules[1].rateLimit.requests: must be >= 1"));
  EXPECT_GE(errors.size(), 4u);
}

TEST(ObjectDecoderTest, ReportsSeveralSemanticErrorsAtOnce) {
  auto errors = policyErrors(R"(spec:
  targetRef: {name: s}
  rules:
  - name: a
    effect: Allow
    when:
    - {arg: q, op: Matches, values: ["(unclosed"]}
    - {arg: count, op: LessThan, values: [ten]}
    - {op: Equals, values: [x]}
    schedule: {timeZone: Europe/Berln}
  - {name: b, effect: Allow, approval: {timeout: 1m}}
  - {name: c, effect: Deny, rateLimit: {requests: 1, per: 1m}}
  - {name: d, effect: Allow, principals: ["spiffe://example.org/ns/../x"]}
  - {name: e, effect: Allow, tools: ["a***"]})");
  const auto all = ::testing::PrintToString(errors);
  EXPECT_TRUE(contains(errors, "spec.rules[0].when[0].values[0]: invalid regular expression")) << all;
  EXPECT_TRUE(contains(errors, "spec.rules[0].when[1].values[0]: \"ten\" is not a number")) << all;
  EXPECT_TRUE(contains(errors, "spec.rules[0].when[2].arg: required for operator Equals")) << all;
  EXPECT_TRUE(contains(errors, "spec.rules[0].schedule.timeZone: unknown time zone \"Europe/Berln\"")) << all;
  EXPECT_TRUE(contains(errors, "spec.rules[1].approval: approval only applies to Review rules")) << all;
  EXPECT_TRUE(contains(errors, "spec.rules[2].rateLimit: a rate limit only applies to Allow and Review rules")) << all;
  EXPECT_TRUE(contains(errors, "spec.rules[3].principals[0]:")) << all;
  EXPECT_TRUE(contains(errors, "spec.rules[4].tools[0]:")) << all;
  EXPECT_EQ(errors.size(), 8u) << all;
}

TEST(ObjectDecoderTest, SchemaAndSemanticErrorsOfDifferentRulesAreReportedTogether) {
  auto errors = policyErrors(R"(spec:
  targetRef: {name: s}
  rules:
  - {name: a, effect: Allow, when: [{arg: q, op: Matches, values: ["(unclosed"]}]}
  - {name: b, effect: Allow, rateLimit: {requests: 1, per: 1d}}
  - {name: c, effect: Allow, principals: ["spiffe://Example.org/x"]})");
  const auto all = ::testing::PrintToString(errors);
  EXPECT_TRUE(contains(errors, "spec.rules[0].when[0].values[0]: invalid regular expression")) << all;
  EXPECT_TRUE(contains(errors, "spec.rules[1].rateLimit.per: invalid value \"1d\"")) << all;
  EXPECT_TRUE(contains(errors, "spec.rules[2].principals[0]: invalid value \"spiffe://Example.org/x\"")) << all;
  EXPECT_EQ(errors.size(), 3u) << all;
}

TEST(ObjectDecoderTest, RuleNamesAreUniqueAcrossAllLists) {
  auto errors = policyErrors(R"(spec:
  targetRef: {name: s}
  rules: [{name: a, effect: Allow}, {name: a, effect: Deny}]
  resources: [{name: a, effect: Allow}])");
  EXPECT_TRUE(contains(errors, "spec.rules[1]: duplicate entry")) << ::testing::PrintToString(errors);
}

TEST(ObjectDecoderTest, RuleNameSharedBetweenListsIsAnError) {
  auto errors = policyErrors(R"(spec:
  targetRef: {name: s}
  rules: [{name: a, effect: Allow}]
  prompts: [{name: a, effect: Allow}])");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "spec.prompts[0].name: \"a\" is already the name of spec.rules[0]");
}

TEST(ObjectDecoderTest, EnvelopeIsChecked) {
  FieldErrors errors;
  EXPECT_FALSE(decodeToolPolicy(yaml(R"(apiVersion: mcpwarden.io/v1
kind: MCPServer
metadata: {name: Bad_Name}
spec: {targetRef: {name: s}}
extra: 1)"),
                                errors));
  std::vector<std::string> got;
  for (const auto& e : errors) got.push_back(e.toString());
  EXPECT_TRUE(contains(got, "apiVersion: must be \"mcpwarden.io/v1alpha1\"")) << ::testing::PrintToString(got);
  EXPECT_TRUE(contains(got, "kind: must be \"ToolPolicy\""));
  EXPECT_TRUE(contains(got, "metadata.name: \"Bad_Name\" is not a valid name"));
  EXPECT_TRUE(contains(got, "extra: unknown field"));
  errors.clear();
  EXPECT_FALSE(decodeToolPolicy(yaml("apiVersion: mcpwarden.io/v1alpha1\nkind: ToolPolicy\nmetadata: {name: p}"),
                                errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].toString(), "spec: required field is missing");
}

TEST(ObjectDecoderTest, AcceptsObjectsAsTheApiServerReturnsThem) {
  FieldErrors errors;
  auto p = decodeToolPolicy(json::parse(R"({
    "apiVersion": "mcpwarden.io/v1alpha1", "kind": "ToolPolicy",
    "metadata": {"name": "p", "namespace": "tools", "uid": "5c2e", "resourceVersion": "812", "generation": 2,
                 "creationTimestamp": "2026-11-23T10:00:00Z", "managedFields": [{"manager": "kubectl"}]},
    "spec": {"targetRef": {"name": "files"}, "rules": [{"name": "r", "effect": "Allow"}]},
    "status": {"observedGeneration": 1, "conditions": []}})"),
                            errors);
  ASSERT_TRUE(p) << formatErrors(errors);
  EXPECT_EQ(p->metadata.uid, "5c2e");
  EXPECT_EQ(p->metadata.resourceVersion, "812");
  EXPECT_EQ(p->metadata.generation, 2);
}

TEST(ObjectDecoderTest, DecodesAnMCPServerWithDefaults) {
  FieldErrors errors;
  auto s = decodeMCPServer(yaml(R"(
apiVersion: mcpwarden.io/v1alpha1
kind: MCPServer
metadata: {name: files, namespace: tools}
spec:
  selector: {matchLabels: {app: files}, matchExpressions: [{key: tier, operator: In, values: [mcp]}]}
  upstream: {port: 3001}
)"),
                           errors);
  ASSERT_TRUE(s) << formatErrors(errors);
  EXPECT_EQ(s->spec.port, 8443);
  EXPECT_EQ(s->spec.metricsPort, 9090);
  EXPECT_EQ(s->spec.upstream.port, 3001);
  EXPECT_EQ(s->spec.upstream.path, "/mcp");
  EXPECT_EQ(s->spec.defaultAction, Effect::Deny);
  EXPECT_EQ(s->spec.denialStyle, DenialStyle::Explain);
  EXPECT_EQ(s->spec.toolPinning.mode, PinningMode::Off);
  EXPECT_EQ(s->spec.selector.matchLabels.at("app"), "files");
  EXPECT_EQ(s->spec.selector.matchExpressions.at(0).values, std::vector<std::string>{"mcp"});
}

TEST(ObjectDecoderTest, MCPServerSemanticErrors) {
  auto errors = serverErrors(R"(spec:
  selector: {}
  upstream: {port: 8443}
  identity: {spiffeID: "spiffe://example.org/ns/../x"})");
  const auto all = ::testing::PrintToString(errors);
  EXPECT_TRUE(contains(errors, "spec.selector: must select something")) << all;
  EXPECT_TRUE(contains(errors, "spec.port: must differ from spec.upstream.port")) << all;
  EXPECT_TRUE(contains(errors, "spec.identity.spiffeID:")) << all;

  errors = serverErrors(R"(spec:
  selector: {matchExpressions: [{key: a, operator: Exists, values: [x]}, {key: b, operator: In}]}
  upstream: {port: 3001}
  defaultAction: Review
  toolPinning: {mode: Enforce, pins: {read_file: nothex}})");
  EXPECT_TRUE(contains(errors, "spec.defaultAction: unknown action \"Review\"")) << ::testing::PrintToString(errors);
  EXPECT_TRUE(contains(errors, "spec.toolPinning.pins[read_file]: invalid value \"nothex\""));
}

TEST(ObjectDecoderTest, SelectorOperatorsNeedTheRightValues) {
  auto errors = serverErrors(R"(spec:
  selector: {matchExpressions: [{key: a, operator: Exists, values: [x]}, {key: b, operator: In}]}
  upstream: {port: 3001})");
  EXPECT_TRUE(contains(errors, "spec.selector.matchExpressions[0].values: must be empty for operator Exists"))
      << ::testing::PrintToString(errors);
  EXPECT_TRUE(contains(errors, "spec.selector.matchExpressions[1].values: must not be empty for operator In"));
}

TEST(ObjectDecoderTest, RuleJsonRoundTrips) {
  Rule r;
  r.name = "x";
  r.kind = RuleKind::Resource;
  r.targets = {"file:///a/**"};
  r.principals = {"ns/a/sa/b"};
  r.effect = Effect::Review;
  r.when = {Condition{"uri", Operator::Prefix, {"file:///a"}}};
  r.schedule = Schedule{{"Mon"}, "09:00-10:00", "UTC"};
  r.approval = Approval{"5m"};
  r.reason = "why";
  auto j = ruleToJson(r);
  EXPECT_EQ(j.at("uris"), json::array({"file:///a/**"}));
  auto back = ruleFromJson(j, RuleKind::Resource);
  EXPECT_EQ(ruleToJson(back), j);
}

}  // namespace
}  // namespace warden::policy
