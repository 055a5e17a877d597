#include "policy/evaluator.h"

#include <gtest/gtest.h>

#include "policy_fixture.h"

namespace warden::policy {
namespace {

using namespace testing;
using namespace std::chrono_literals;

class EvaluatorTest : public ::testing::Test {
 protected:
  Decision decide(const CompiledPolicy& policy, std::string_view principal, std::string_view tool,
                  const nlohmann::json& args = nlohmann::json::object(), std::string_view method = "tools/call") {
    Request r;
    r.principal = principal;
    r.method = method;
    r.target = tool;
    r.arguments = &args;
    r.now = now_;
    return evaluate(policy, r, limiter_);
  }

  std::chrono::system_clock::time_point now_ = tuesdayMorning();
  std::chrono::steady_clock::time_point mono_{};
  RateLimiter limiter_{[this] { return mono_; }};
};

TEST_F(EvaluatorTest, DefaultDenyWithoutRules) {
  auto p = loadYamlPolicy("");
  auto d = decide(*p, kReader, "read_file");
  EXPECT_EQ(d.effect, Effect::Deny);
  EXPECT_EQ(d.code, ReasonCode::DefaultDeny);
  EXPECT_TRUE(d.rules.empty());
  EXPECT_EQ(d.reason(), "no rule allows this call (default deny)");
}

TEST_F(EvaluatorTest, DefaultAllowServer) {
  std::string server = kServerYaml;
  server += "  defaultAction: Allow\n";
  auto p = loadYamlPolicy(policyYaml("p", "  rules:\n  - {name: no-admin, tools: [admin], effect: Deny}"), server);
  EXPECT_EQ(decide(*p, kReader, "anything").code, ReasonCode::DefaultAllow);
  EXPECT_EQ(decide(*p, kReader, "anything").effect, Effect::Allow);
  EXPECT_EQ(decide(*p, kReader, "admin").effect, Effect::Deny);
}

TEST_F(EvaluatorTest, AllowByExactToolAndPrincipal) {
  auto p = loadYamlPolicy(policyYaml("p", R"(  rules:
  - {name: read, tools: [read_file], principals: [ns/agents/sa/reader], effect: Allow})"));
  auto d = decide(*p, kReader, "read_file");
  EXPECT_EQ(d.effect, Effect::Allow);
  EXPECT_EQ(d.code, ReasonCode::Allowed);
  EXPECT_EQ(d.ruleIds(), std::vector<std::string>{"p/read"});
  EXPECT_EQ(d.reason(), "allowed by p/read");
  EXPECT_EQ(decide(*p, kEditor, "read_file").effect, Effect::Deny);
  EXPECT_EQ(decide(*p, kReader, "write_file").effect, Effect::Deny);
}

TEST_F(EvaluatorTest, DenyOverridesReviewOverridesAllow) {
  auto p = loadYamlPolicy(policyYaml("a", R"(  rules:
  - {name: allow-all, effect: Allow}
  - {name: review-delete, tools: [delete_file], effect: Review, reason: needs a human}
  - {name: deny-delete-etc, tools: [delete_file], effect: Deny, when: [{arg: path, op: Prefix, values: [/etc]}]})"));
  EXPECT_EQ(decide(*p, kReader, "read_file").effect, Effect::Allow);
  auto review = decide(*p, kReader, "delete_file", {{"path", "/tmp/x"}});
  EXPECT_EQ(review.effect, Effect::Review);
  EXPECT_EQ(review.code, ReasonCode::ReviewRequired);
  EXPECT_EQ(review.reason(), "needs a human");
  EXPECT_EQ(review.ruleIds(), std::vector<std::string>{"a/review-delete"});
  auto deny = decide(*p, kReader, "delete_file", {{"path", "/etc/passwd"}});
  EXPECT_EQ(deny.effect, Effect::Deny);
  EXPECT_EQ(deny.code, ReasonCode::DeniedByRule);
  EXPECT_EQ(deny.ruleIds(), std::vector<std::string>{"a/deny-delete-etc"});
  EXPECT_EQ(deny.reason(), "denied by a/deny-delete-etc");
}

TEST_F(EvaluatorTest, RulesOfAllPoliciesAreCombined) {
  auto p = loadYamlPolicy(policyYaml("one", "  rules:\n  - {name: allow, tools: [t], effect: Allow}") +
                          policyYaml("two", "  rules:\n  - {name: deny, tools: [t], effect: Deny}"));
  auto d = decide(*p, kReader, "t");
  EXPECT_EQ(d.effect, Effect::Deny);
  EXPECT_EQ(d.ruleIds(), std::vector<std::string>{"two/deny"});
}

TEST_F(EvaluatorTest, AllMatchingRulesOfTheWinningEffectAreReported) {
  auto p = loadYamlPolicy(policyYaml("p", R"(  rules:
  - {name: b, tools: [t], effect: Allow}
  - {name: a, tools: ["t*"], effect: Allow}
  - {name: c, tools: [other], effect: Allow})"));
  EXPECT_EQ(decide(*p, kReader, "t").ruleIds(), (std::vector<std::string>{"p/a", "p/b"}));
}

TEST_F(EvaluatorTest, GlobsAndNotTools) {
  auto p = loadYamlPolicy(policyYaml("p", R"(  rules:
  - {name: reads, tools: ["read_*"], effect: Allow}
  - {name: all-but-danger, notTools: [danger, "admin_*"], principals: [ns/agents/sa/editor], effect: Allow})"));
  EXPECT_EQ(decide(*p, kReader, "read_file").effect, Effect::Allow);
  EXPECT_EQ(decide(*p, kReader, "read_").effect, Effect::Allow);
  EXPECT_EQ(decide(*p, kReader, "read").effect, Effect::Deny);
  EXPECT_EQ(decide(*p, kReader, "reader").effect, Effect::Deny);
  EXPECT_EQ(decide(*p, kEditor, "whatever").effect, Effect::Allow);
  EXPECT_EQ(decide(*p, kEditor, "danger").effect, Effect::Deny);
  EXPECT_EQ(decide(*p, kEditor, "admin_x").effect, Effect::Deny);
}

TEST_F(EvaluatorTest, PrincipalForms) {
  auto p = loadYamlPolicy(policyYaml("p", R"(  rules:
  - {name: shorthand, tools: [a], principals: [ns/agents/sa/reader], effect: Allow}
  - {name: glob, tools: [b], principals: ["spiffe://example.org/ns/agents/*"], effect: Allow}
  - {name: shorthand-glob, tools: [c], principals: ["ns/*/sa/editor"], effect: Allow}
  - {name: anyone, tools: [d], effect: Allow}
  - {name: not-editor, tools: [e], notPrincipals: [ns/agents/sa/editor], effect: Allow}
  - {name: any-domain, tools: [f], principals: ["spiffe://*/**"], effect: Allow})"));
  EXPECT_EQ(decide(*p, kReader, "a").effect, Effect::Allow);
  EXPECT_EQ(decide(*p, "spiffe://other.org/ns/agents/sa/reader", "a").effect, Effect::Deny);
  // `*` does not cross '/': ns/agents/* names nothing deeper than one segment.
  EXPECT_EQ(decide(*p, kReader, "b").effect, Effect::Deny);
  EXPECT_EQ(decide(*p, "spiffe://example.org/ns/agents/x", "b").effect, Effect::Allow);
  EXPECT_EQ(decide(*p, kEditor, "c").effect, Effect::Allow);
  EXPECT_EQ(decide(*p, "spiffe://example.org/ns/other/sa/editor", "c").effect, Effect::Allow);
  EXPECT_EQ(decide(*p, kReader, "c").effect, Effect::Deny);
  EXPECT_EQ(decide(*p, "spiffe://anything.example/x", "d").effect, Effect::Allow);
  EXPECT_EQ(decide(*p, kReader, "e").effect, Effect::Allow);
  EXPECT_EQ(decide(*p, kEditor, "e").effect, Effect::Deny);
  EXPECT_EQ(decide(*p, "spiffe://partner.example/ns/x/sa/y", "f").effect, Effect::Allow);
}

TEST_F(EvaluatorTest, ArgumentConditionsGateAllow) {
  auto p = loadYamlPolicy(policyYaml("p", R"(  rules:
  - name: write-drafts
    tools: [write_file]
    effect: Allow
    when: [{arg: path, op: PathUnder, values: [/workspace/drafts/]}])"));
  EXPECT_EQ(decide(*p, kEditor, "write_file", {{"path", "/workspace/drafts/a.md"}}).effect, Effect::Allow);
  EXPECT_EQ(decide(*p, kEditor, "write_file", {{"path", "/workspace/drafts/../../etc/passwd"}}).effect,
            Effect::Deny);
  EXPECT_EQ(decide(*p, kEditor, "write_file", {{"path", "/workspace/drafts/%2e%2e/%2e%2e/etc/passwd"}}).effect,
            Effect::Deny);
  EXPECT_EQ(decide(*p, kEditor, "write_file", nlohmann::json::object()).effect, Effect::Deny);
  EXPECT_EQ(decide(*p, kEditor, "write_file", {{"path", 42}}).effect, Effect::Deny);
}

TEST_F(EvaluatorTest, MissingArgumentsObjectFailsClosed) {
  auto p = loadYamlPolicy(policyYaml("p", R"(  rules:
  - {name: a, tools: [t], effect: Allow, when: [{arg: count, op: LessThan, values: ["10"]}]})"));
  Request r;
  r.principal = kReader;
  r.method = "tools/call";
  r.target = "t";
  r.arguments = nullptr;
  r.now = now_;
  EXPECT_EQ(evaluate(*p, r, limiter_).effect, Effect::Deny);
}

TEST_F(EvaluatorTest, ScheduleLimitsAllow) {
  auto p = loadYamlPolicy(policyYaml("p", R"(  rules:
  - name: office
    tools: ["deploy_*"]
    effect: Allow
    schedule: {days: [Mon, Tue, Wed, Thu, Fri], hours: "09:00-17:00", timeZone: Europe/Berlin})"));
  now_ = tuesdayMorning();  // 11:00 in Berlin
  EXPECT_EQ(decide(*p, kReader, "deploy_x").effect, Effect::Allow);
  now_ = tuesdayMorning() + 6h;  // 17:00 in Berlin: the window has closed
  EXPECT_EQ(decide(*p, kReader, "deploy_x").effect, Effect::Deny);
  now_ = tuesdayMorning() + 4 * 24h;  // Saturday
  EXPECT_EQ(decide(*p, kReader, "deploy_x").effect, Effect::Deny);
}

TEST_F(EvaluatorTest, RateLimitedAllowBecomesDenyWhenBucketIsEmpty) {
  auto p = loadYamlPolicy(policyYaml("p", R"(  rules:
  - {name: images, tools: [generate_image], effect: Allow, rateLimit: {requests: 2, per: 1m}})"));
  EXPECT_EQ(decide(*p, kReader, "generate_image").effect, Effect::Allow);
  EXPECT_EQ(decide(*p, kReader, "generate_image").effect, Effect::Allow);
  auto d = decide(*p, kReader, "generate_image");
  EXPECT_EQ(d.effect, Effect::Deny);
  EXPECT_EQ(d.code, ReasonCode::RateLimited);
  EXPECT_EQ(d.ruleIds(), std::vector<std::string>{"p/images"});
  EXPECT_EQ(d.reason(), "rate limit of 2 per 1m exceeded (p/images)");
  // Per principal: another caller has its own bucket.
  EXPECT_EQ(decide(*p, kEditor, "generate_image").effect, Effect::Allow);
  // Refill: 2 per minute is one token every 30 s.
  mono_ += 30s;
  EXPECT_EQ(decide(*p, kReader, "generate_image").effect, Effect::Allow);
  EXPECT_EQ(decide(*p, kReader, "generate_image").effect, Effect::Deny);
}

TEST_F(EvaluatorTest, DeniedCallsDoNotSpendTokens) {
  auto p = loadYamlPolicy(policyYaml("p", R"(  rules:
  - {name: images, tools: [generate_image], effect: Allow, rateLimit: {requests: 1, per: 1h}}
  - {name: no-secrets, effect: Deny, when: [{op: ContainsSecret}]})"));
  EXPECT_EQ(decide(*p, kReader, "generate_image", {{"p", "AKIAIOSFODNN7EXAMPLE"}}).code, ReasonCode::DeniedByRule);
  EXPECT_EQ(decide(*p, kReader, "generate_image", {{"p", "a cat"}}).effect, Effect::Allow);
  EXPECT_EQ(decide(*p, kReader, "generate_image", {{"p", "a cat"}}).code, ReasonCode::RateLimited);
}

TEST_F(EvaluatorTest, SessionMethodsNeedOnlyAuthentication) {
  auto p = loadYamlPolicy("");
  for (const char* m : {"initialize", "ping", "notifications/initialized", "notifications/cancelled", "tools/list",
                        "resources/list", "resources/templates/list", "prompts/list"}) {
    auto d = decide(*p, kReader, "", {}, m);
    EXPECT_EQ(d.effect, Effect::Allow) << m;
    EXPECT_EQ(d.code, ReasonCode::SessionMethod) << m;
  }
  EXPECT_EQ(decide(*p, "", "", {}, "initialize").code, ReasonCode::Unauthenticated);
}

TEST_F(EvaluatorTest, NoPolicyDeniesEverything) {
  auto d = noPolicyDecision();
  EXPECT_EQ(d.effect, Effect::Deny);
  EXPECT_STREQ(toString(d.code), "no_policy");
  EXPECT_EQ(d.reason(), "no valid policy is loaded: every call is denied");
}

TEST_F(EvaluatorTest, UnknownMethodsFollowTheDefaultAction) {
  auto p = loadYamlPolicy(policyYaml("p", "  rules:\n  - {name: all, effect: Allow}"));
  EXPECT_EQ(decide(*p, kReader, "", {}, "sampling/createMessage").code, ReasonCode::DefaultDeny);
  std::string server = kServerYaml;
  server += "  defaultAction: Allow\n";
  auto open = loadYamlPolicy("", server);
  EXPECT_EQ(decide(*open, kReader, "", {}, "experimental/thing").code, ReasonCode::DefaultAllow);
}

TEST_F(EvaluatorTest, InvalidToolNamesAreDeniedEvenUnderAllowAll) {
  auto p = loadYamlPolicy(policyYaml("p", "  rules:\n  - {name: all, effect: Allow}"));
  EXPECT_EQ(decide(*p, kReader, "read_file").effect, Effect::Allow);
  for (const std::string& bad :
       std::vector<std::string>{"", "r\xD0\xB5" "ad_file", "read file", "../read", std::string(129, 'a'),
                                std::string("read\0file", 9), "read_file\xE2\x80\x8B"}) {
    auto d = decide(*p, kReader, bad);
    EXPECT_EQ(d.effect, Effect::Deny) << bad;
    EXPECT_EQ(d.code, ReasonCode::InvalidTarget) << bad;
  }
}

TEST_F(EvaluatorTest, ToolNameCaseIsSignificant) {
  auto p = loadYamlPolicy(policyYaml("p", R"(  rules:
  - {name: no-delete, tools: [delete_file], effect: Deny}
  - {name: read, tools: [read_file], effect: Allow})"));
  // A differently-cased name is a different (unknown) tool: it is not allowed by the read rule either.
  EXPECT_EQ(decide(*p, kReader, "Read_File").code, ReasonCode::DefaultDeny);
  EXPECT_EQ(decide(*p, kReader, "DELETE_FILE").code, ReasonCode::DefaultDeny);
}

TEST_F(EvaluatorTest, ResourcesAndPromptsHaveTheirOwnRules) {
  auto p = loadYamlPolicy(policyYaml("p", R"(  rules:
  - {name: tools, effect: Allow}
  resources:
  - {name: workspace, uris: ["file:///workspace/**"], effect: Allow}
  prompts:
  - {name: summarize, names: ["summarize*"], effect: Allow})"));
  auto read = [&](std::string uri) {
    nlohmann::json params = {{"uri", uri}};
    return decide(*p, kReader, uri, params, "resources/read").effect;
  };
  EXPECT_EQ(read("file:///workspace/a/b.md"), Effect::Allow);
  EXPECT_EQ(read("file:///etc/passwd"), Effect::Deny);
  EXPECT_EQ(decide(*p, kReader, "summarize_doc", {}, "prompts/get").effect, Effect::Allow);
  EXPECT_EQ(decide(*p, kReader, "exfiltrate", {}, "prompts/get").effect, Effect::Deny);
  // Tool rules do not grant resources, nor the other way round.
  EXPECT_EQ(decide(*p, kReader, "file:///workspace/x", {}, "prompts/get").effect, Effect::Deny);
}

TEST_F(EvaluatorTest, IndexDoesNotMissAnyMatchingRule) {
  // Exact names, prefix globs of several lengths, wildcard-first globs and catch-alls must all be candidates.
  auto p = loadYamlPolicy(policyYaml("p", R"(  rules:
  - {name: exact, tools: [files_read], effect: Allow}
  - {name: short-prefix, tools: ["f*"], effect: Allow}
  - {name: long-prefix, tools: ["files_r*"], effect: Allow}
  - {name: suffix, tools: ["*_read"], effect: Allow}
  - {name: question, tools: ["files_rea?"], effect: Allow}
  - {name: everything, effect: Allow}
  - {name: others, tools: [x, "y", "z*"], effect: Allow})"));
  EXPECT_EQ(decide(*p, kReader, "files_read").ruleIds(),
            (std::vector<std::string>{"p/everything", "p/exact", "p/long-prefix", "p/question", "p/short-prefix",
                                      "p/suffix"}));
}

}  // namespace
}  // namespace warden::policy
