#include "cli/policy_commands.h"

#include <gtest/gtest.h>

#include <sstream>

#include "cli/exit_codes.h"
#include "cli_fixture.h"
#include "policy/bundle_loader.h"

namespace warden::cli {
namespace {

using testing::TempDir;

constexpr const char* kServer = R"(apiVersion: mcpwarden.io/v1alpha1
kind: MCPServer
metadata: {name: files, namespace: tools}
spec:
  selector: {matchLabels: {app: files}}
  upstream: {port: 3001}
  identity: {spiffeID: spiffe://example.org/ns/tools/sa/files}
)";

constexpr const char* kPolicy = R"(apiVersion: mcpwarden.io/v1alpha1
kind: ToolPolicy
metadata: {name: p, namespace: tools}
spec:
  targetRef: {name: files}
  rules:
  - {name: read, tools: ["read_*"], effect: Allow}
  - {name: delete, tools: [delete_file], principals: [ns/agents/sa/editor], effect: Review}
  - {name: write, tools: [write_file], effect: Allow, when: [{arg: path, op: PathUnder, values: [/drafts]}]}
  - {name: office, tools: [deploy], effect: Allow, schedule: {hours: "09:00-17:00", timeZone: Europe/Berlin}}
)";

class PolicyCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("policies/server.yaml", kServer);
    dir_.write("policies/policy.yaml", kPolicy);
    dir_.write("policies/notes.txt", "not a policy file and not read");
    source_.paths = {dir_.path() + "/policies"};
  }

  int test(TestArgs args) {
    args.source = source_;
    out_.str("");
    err_.str("");
    return runPolicyTest(args, out_, err_);
  }

  TempDir dir_;
  PolicySource source_;
  std::ostringstream out_, err_;
};

TEST_F(PolicyCommandsTest, SingleDecisionExitCodes) {
  TestArgs a;
  a.principal = "ns/agents/sa/reader";
  a.tool = "read_file";
  EXPECT_EQ(test(a), kExitAllow) << err_.str();
  EXPECT_NE(out_.str().find("decision:      Allow"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("rules:         p/read"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("principal:     spiffe://example.org/ns/agents/sa/reader"), std::string::npos);

  a.tool = "delete_file";
  EXPECT_EQ(test(a), kExitDeny);
  EXPECT_NE(out_.str().find("code:          default_deny"), std::string::npos) << out_.str();

  a.principal = "spiffe://example.org/ns/agents/sa/editor";
  EXPECT_EQ(test(a), kExitReview);
}

TEST_F(PolicyCommandsTest, ArgumentsAndTime) {
  TestArgs a;
  a.principal = "ns/agents/sa/reader";
  a.tool = "write_file";
  a.args = R"({"path": "/drafts/a.md"})";
  EXPECT_EQ(test(a), kExitAllow) << err_.str();
  a.args = R"({"path": "/drafts/../etc/passwd"})";
  EXPECT_EQ(test(a), kExitDeny);

  TestArgs d;
  d.principal = "ns/agents/sa/reader";
  d.tool = "deploy";
  d.at = "2026-11-24T10:00:00+01:00";
  EXPECT_EQ(test(d), kExitAllow) << err_.str();
  EXPECT_NE(out_.str().find("at:            2026-11-24T09:00:00Z"), std::string::npos) << out_.str();
  d.at = "2026-11-24T17:30:00+01:00";
  EXPECT_EQ(test(d), kExitDeny);
}

TEST_F(PolicyCommandsTest, UsageErrors) {
  TestArgs none;
  EXPECT_EQ(test(none), kExitUsage);
  TestArgs both;
  both.principal = "ns/a/sa/b";
  both.tool = "t";
  both.casesFile = "x";
  EXPECT_EQ(test(both), kExitUsage);
  TestArgs noPrincipal;
  noPrincipal.tool = "t";
  EXPECT_EQ(test(noPrincipal), kExitUsage);
  TestArgs badPrincipal;
  badPrincipal.principal = "agent-7";
  badPrincipal.tool = "t";
  EXPECT_EQ(test(badPrincipal), kExitUsage);
  TestArgs badArgs;
  badArgs.principal = "ns/a/sa/b";
  badArgs.tool = "t";
  badArgs.args = R"({"a": 1, "a": 2})";
  EXPECT_EQ(test(badArgs), kExitUsage);
  EXPECT_NE(err_.str().find("duplicate key"), std::string::npos) << err_.str();
  TestArgs badTime;
  badTime.principal = "ns/a/sa/b";
  badTime.tool = "t";
  badTime.at = "yesterday";
  EXPECT_EQ(test(badTime), kExitUsage);
  TestArgs twoTargets;
  twoTargets.principal = "ns/a/sa/b";
  twoTargets.tool = "t";
  twoTargets.uri = "file:///x";
  EXPECT_EQ(test(twoTargets), kExitUsage);
}

TEST_F(PolicyCommandsTest, InvalidPoliciesAreADataErrorAndNeverEvaluated) {
  dir_.write("policies/broken.yaml", R"(apiVersion: mcpwarden.io/v1alpha1
kind: ToolPolicy
metadata: {name: broken, namespace: tools}
spec: {targetRef: {name: files}, rules: [{name: r, effect: Allow, when: [{arg: a, op: Matchs}]}]}
)");
  TestArgs a;
  a.principal = "ns/agents/sa/reader";
  a.tool = "read_file";
  EXPECT_EQ(test(a), kExitDataError);
  EXPECT_NE(err_.str().find("broken.yaml:1: ToolPolicy tools/broken: spec.rules[0].when[0].op: unknown operator"),
            std::string::npos)
      << err_.str();
  EXPECT_EQ(out_.str(), "");

  LintArgs lint;
  lint.source = source_;
  std::ostringstream out, err;
  EXPECT_EQ(runPolicyLint(lint, out, err), kExitFailed);
}

TEST_F(PolicyCommandsTest, CompileWritesExactlyTheBundle) {
  std::ostringstream out, err;
  ASSERT_EQ(runPolicyCompile(source_, out, err), kExitOk) << err.str();
  auto loaded = policy::loadBundle(out.str());
  ASSERT_TRUE(loaded.ok()) << loaded.error;
  EXPECT_EQ(err.str(), "policyVersion " + loaded.policy->policyVersion() + " (1 policies)\n");
}

TEST_F(PolicyCommandsTest, ServerSelection) {
  dir_.write("policies/server2.yaml", std::string(kServer).replace(std::string(kServer).find("name: files"), 11,
                                                                    "name: other"));
  std::ostringstream out, err;
  EXPECT_EQ(runPolicyCompile(source_, out, err), kExitDataError);
  EXPECT_NE(err.str().find("several MCPServers given; choose one with --server: files other"), std::string::npos)
      << err.str();
  PolicySource chosen = source_;
  chosen.server = "other";
  std::ostringstream out2, err2;
  EXPECT_EQ(runPolicyCompile(chosen, out2, err2), kExitOk) << err2.str();
  EXPECT_NE(err2.str().find("warning: no ToolPolicy targets MCPServer tools/other"), std::string::npos);
  chosen.server = "missing";
  std::ostringstream out3, err3;
  EXPECT_EQ(runPolicyCompile(chosen, out3, err3), kExitDataError);
}

TEST_F(PolicyCommandsTest, WithoutAnMCPServerTheTargetsDefaultsAreAssumed) {
  PolicySource only;
  only.paths = {dir_.write("only/policy.yaml", kPolicy)};
  only.trustDomain = "corp.example";
  std::ostringstream out, err;
  ASSERT_EQ(runPolicyCompile(only, out, err), kExitOk) << err.str();
  EXPECT_NE(err.str().find("note: no MCPServer given; assuming MCPServer tools/files"), std::string::npos);
  auto loaded = policy::loadBundle(out.str());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.policy->server().trustDomain, "corp.example");
}

TEST_F(PolicyCommandsTest, MissingFilesAreReported) {
  PolicySource missing;
  missing.paths = {dir_.path() + "/nope.yaml"};
  std::ostringstream out, err;
  EXPECT_EQ(runPolicyCompile(missing, out, err), kExitDataError);
  EXPECT_NE(err.str().find("nope.yaml: no such file or directory"), std::string::npos);
}

TEST_F(PolicyCommandsTest, LintWithToolList) {
  LintArgs lint;
  lint.source = source_;
  lint.toolsFile = dir_.write("tools.json", R"({"jsonrpc": "2.0", "id": 1, "result": {"tools": [
      {"name": "read_file"}, {"name": "write_file"}, {"name": "delete_file"}]}})");
  std::ostringstream out, err;
  EXPECT_EQ(runPolicyLint(lint, out, err), kExitOk) << err.str();
  EXPECT_NE(out.str().find("spec.rules[3].tools[0]: \"deploy\" matches none of the server's tools"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("0 errors, 1 warnings"), std::string::npos);
  lint.strict = true;
  std::ostringstream out2, err2;
  EXPECT_EQ(runPolicyLint(lint, out2, err2), kExitFailed);
  lint.toolsFile = dir_.write("bad-tools.json", R"({"tools": [{"title": "no name"}]})");
  std::ostringstream out3, err3;
  EXPECT_EQ(runPolicyLint(lint, out3, err3), kExitDataError);
}

TEST_F(PolicyCommandsTest, CasesReportFailuresAndTheSummaryLine) {
  TestArgs a;
  a.casesFile = dir_.write("cases.yaml", R"(cases:
  - {name: reads, principal: ns/agents/sa/reader, tool: read_file, expect: Allow}
  - {name: wrong expectation, principal: ns/agents/sa/reader, tool: delete_file, expect: Allow}
  - {name: wrong code, principal: ns/agents/sa/reader, tool: delete_file, expect: Deny, expectCode: denied_by_rule}
  - {name: rules, principal: ns/agents/sa/editor, tool: delete_file, expect: Review, expectRules: [p/delete]}
)");
  EXPECT_EQ(test(a), kExitFailed);
  EXPECT_NE(out_.str().find("2 passed, 2 failed\n"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("<- expected Allow"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("<- expected code denied_by_rule, got default_deny"), std::string::npos) << out_.str();
}

TEST_F(PolicyCommandsTest, CasesFileErrorsNameTheField) {
  TestArgs a;
  a.casesFile = dir_.write("bad-cases.yaml", R"(cases:
  - {name: a, principal: ns/a/sa/b, tool: t, expect: Alow}
  - {name: b, principal: ns/a/sa/b, expect: Deny}
  - {name: c, principal: ns/a/sa/b, tool: t, expect: Deny, at: tomorrow, extra: 1}
)");
  EXPECT_EQ(test(a), kExitDataError);
  const auto e = err_.str();
  EXPECT_NE(e.find("cases[0].expect: unknown decision \"Alow\""), std::string::npos) << e;
  EXPECT_NE(e.find("cases[2].extra: unknown field \"extra\""), std::string::npos) << e;
  EXPECT_EQ(out_.str(), "");
  a.casesFile = dir_.write("bad-cases2.yaml", R"(cases:
  - {name: b, principal: ns/a/sa/b, expect: Deny}
  - {name: c, principal: ns/a/sa/b, tool: t, expect: Deny, at: tomorrow}
)");
  EXPECT_EQ(test(a), kExitDataError);
  EXPECT_NE(err_.str().find("cases[0]: name a tool, uri, prompt or method"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("cases[1].at: not an RFC 3339 time: \"tomorrow\""), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace warden::cli
