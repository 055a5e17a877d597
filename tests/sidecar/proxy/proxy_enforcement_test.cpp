// The proxy's enforcement over real sockets: a real SidecarApp (mTLS, policy, receipts) in front of a recording
// upstream, driven by an mTLS client with agent SVIDs.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "sidecar/receipts/receipt_verifier.h"
#include "sidecar_fixture.h"
#include "test_client.h"
#include "test_upstream.h"

namespace warden::sidecar::testing {
namespace {

using nlohmann::json;

const std::string kPolicies = toolPolicyYaml("files-tools", R"(  rules:
  - {name: reads, tools: ["read_*"], effect: Allow}
  - {name: editor-writes, tools: [write_file], principals: [ns/agents/sa/editor], effect: Allow,
     when: [{arg: path, op: PathUnder, values: [/drafts]}]}
  - {name: deletes-need-review, tools: [delete_file], principals: [ns/agents/sa/editor], effect: Review}
  - {name: no-secrets, effect: Deny, when: [{op: ContainsSecret}], reason: no secrets please})");

json call(int id, const std::string& tool, json args = json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", {{"name", tool}, {"arguments", args}}}};
}

class ProxyEnforcementTest : public ::testing::Test {
 protected:
  ProxyEnforcementTest()
      : upstream_(mcpLikeServer({"read_file", "write_file", "delete_file", "admin_reset"})),
        sidecar_(pki_, upstream_.port(), kPolicies),
        reader_(sidecar_.port(), &pki_.reader, pki_.ca->bundle()),
        editor_(sidecar_.port(), &pki_.editor, pki_.ca->bundle()) {}

  std::vector<json> receipts() {
    sidecar_.stop();
    std::ifstream in(sidecar_.receiptsPath());
    std::vector<json> out;
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
  }

  TestPki pki_;
  RecordingUpstream upstream_;
  SidecarUnderTest sidecar_;
  McpTestClient reader_;
  McpTestClient editor_;
};

TEST_F(ProxyEnforcementTest, AllowedCallIsForwardedWithTheCallerNamed) {
  auto r = reader_.post(call(1, "read_file", {{"path", "/a"}}).dump());
  ASSERT_EQ(r.status, 200u) << r.error << r.body;
  EXPECT_EQ(r.json()["result"]["content"][0]["text"], "called read_file");
  ASSERT_EQ(upstream_.countToolCalls("read_file"), 1u);
  const auto forwarded = upstream_.requests().back();
  EXPECT_EQ(forwarded.headers.at("x-mcp-warden-principal"), kReaderId);
  EXPECT_EQ(forwarded.headers.at("host"), "127.0.0.1:" + std::to_string(upstream_.port()));
  EXPECT_EQ(forwarded.target, "/mcp");
}

TEST_F(ProxyEnforcementTest, AgentCannotSpoofThePrincipalHeader) {
  auto r = reader_.post(call(1, "read_file").dump(), {{"X-Mcp-Warden-Principal", kEditorId}});
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(upstream_.requests().back().headers.at("x-mcp-warden-principal"), kReaderId);
}

TEST_F(ProxyEnforcementTest, DeniedCallNeverReachesTheServerAndNamesItsReceipt) {
  auto r = reader_.post(call(7, "write_file", {{"path", "/drafts/a"}}).dump());
  ASSERT_EQ(r.status, 200u) << r.error;
  const auto body = r.json();
  EXPECT_EQ(body["id"], 7);
  EXPECT_EQ(body["error"]["code"], -32031);
  EXPECT_EQ(body["error"]["message"], "denied by policy: no rule allows this call (default deny)");
  EXPECT_EQ(body["error"]["data"]["decision"], "deny");
  EXPECT_EQ(body["error"]["data"]["code"], "default_deny");
  EXPECT_EQ(body["error"]["data"]["policyVersion"], sidecar_.app().policies().current()->policyVersion());
  const std::string receipt = body["error"]["data"]["receipt"];
  EXPECT_EQ(upstream_.countToolCalls("write_file"), 0u);

  auto rs = receipts();
  ASSERT_FALSE(rs.empty());
  EXPECT_EQ(rs.back()["hash"], receipt);
  EXPECT_EQ(rs.back()["decision"], "deny");
  EXPECT_EQ(rs.back()["target"], "write_file");
  EXPECT_EQ(rs.back()["principal"], kReaderId);
}

TEST_F(ProxyEnforcementTest, ReviewAndArgumentConditions) {
  auto review = editor_.post(call(1, "delete_file", {{"path", "/x"}}).dump()).json();
  EXPECT_EQ(review["error"]["code"], -32032);
  EXPECT_EQ(review["error"]["data"]["decision"], "review");
  auto inside = editor_.post(call(2, "write_file", {{"path", "/drafts/a.md"}}).dump()).json();
  EXPECT_EQ(inside["result"]["content"][0]["text"], "called write_file");
  auto outside = editor_.post(call(3, "write_file", {{"path", "/drafts/../etc/passwd"}}).dump()).json();
  EXPECT_EQ(outside["error"]["code"], -32031);
  auto secret = editor_.post(call(4, "write_file", {{"path", "/drafts/k"}, {"c", "AKIAIOSFODNN7EXAMPLE"}}).dump()).json();
  EXPECT_EQ(secret["error"]["message"], "denied by policy: no secrets please");
  EXPECT_EQ(secret["error"]["data"]["rule"], "files-tools/no-secrets");
  EXPECT_EQ(upstream_.countToolCalls("delete_file"), 0u);
  EXPECT_EQ(upstream_.countToolCalls("write_file"), 1u);
}

TEST_F(ProxyEnforcementTest, BatchElementsAreDecidedOneByOne) {
  json batch = json::array({call(1, "read_file"), call(2, "write_file"), call(3, "admin_reset"),
                            {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, call(4, "read_config")});
  auto r = reader_.post(batch.dump(), {{"MCP-Protocol-Version", "2025-03-26"}});
  ASSERT_EQ(r.status, 200u) << r.error << r.body;
  const auto answers = r.json();
  ASSERT_TRUE(answers.is_array()) << r.body;
  ASSERT_EQ(answers.size(), 4u) << r.body;
  EXPECT_EQ(answers[0]["id"], 1);
  EXPECT_TRUE(answers[0].contains("result"));
  EXPECT_EQ(answers[1]["id"], 2);
  EXPECT_EQ(answers[1]["error"]["code"], -32031);
  EXPECT_EQ(answers[2]["id"], 3);
  EXPECT_EQ(answers[2]["error"]["code"], -32031);
  EXPECT_EQ(answers[3]["id"], 4);
  EXPECT_TRUE(answers[3].contains("result"));
  // Only the allowed elements went upstream, as one batch.
  const auto sent = json::parse(upstream_.requests().back().body);
  ASSERT_TRUE(sent.is_array());
  EXPECT_EQ(sent.size(), 3u);  // read_file, the notification, read_config
  EXPECT_EQ(upstream_.countToolCalls("write_file") + upstream_.countToolCalls("admin_reset"), 0u);
}

TEST_F(ProxyEnforcementTest, ToolsListIsFilteredPerCaller) {
  const json list = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}};
  auto names = [](const json& answer) {
    std::vector<std::string> out;
    for (const auto& t : answer["result"]["tools"]) out.push_back(t["name"]);
    return out;
  };
  EXPECT_EQ(names(reader_.post(list.dump()).json()), std::vector<std::string>{"read_file"});
  EXPECT_EQ(names(editor_.post(list.dump()).json()),
            (std::vector<std::string>{"read_file", "write_file", "delete_file"}));
}

TEST_F(ProxyEnforcementTest, MalformedJsonAndDuplicateKeysAreRefusedBeforeTheServer) {
  auto bad = reader_.post("{\"jsonrpc\": \"2.0\", \"id\": 1,");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.json()["error"]["code"], -32700);
  auto dup = reader_.post(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file","name":"write_file"}})");
  EXPECT_EQ(dup.status, 400u);
  EXPECT_EQ(dup.json()["error"]["code"], -32700);
  EXPECT_NE(dup.json()["error"]["message"].get<std::string>().find("duplicate key"), std::string::npos);
  EXPECT_EQ(upstream_.requests().size(), 0u);
}

TEST_F(ProxyEnforcementTest, UnicodeLookAlikeToolNameIsDenied) {
  auto r = reader_.post(call(1, "r\xD0\xB5" "ad_file").dump()).json();
  EXPECT_EQ(r["error"]["code"], -32031);
  EXPECT_EQ(r["error"]["data"]["code"], "invalid_target");
  EXPECT_EQ(upstream_.requests().size(), 0u);
}

TEST_F(ProxyEnforcementTest, OversizeBodyGets413) {
  std::string huge = call(1, "read_file", {{"blob", std::string(5 * 1024 * 1024, 'a')}}).dump();
  auto r = reader_.post(huge);
  EXPECT_EQ(r.status, 413u) << r.error;
  EXPECT_EQ(upstream_.requests().size(), 0u);
}

TEST_F(ProxyEnforcementTest, HeaderMismatchIn2026RevisionGets32020) {
  auto r = reader_.post(call(1, "read_file").dump(),
                        {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/call"}, {"Mcp-Name", "write_file"}});
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(r.json()["error"]["code"], -32020);
  auto ok = reader_.post(call(2, "read_file").dump(),
                         {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/call"}, {"Mcp-Name", "read_file"}});
  EXPECT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(upstream_.countToolCalls("read_file"), 1u);
}

TEST_F(ProxyEnforcementTest, SessionsBelongToTheIdentityThatOpenedThem) {
  const json init = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"},
                     {"params", {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()},
                                 {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}};
  auto opened = reader_.post(init.dump());
  ASSERT_EQ(opened.headers["mcp-session-id"], "session-1");
  auto own = reader_.post(call(2, "read_file").dump(), {{"Mcp-Session-Id", "session-1"}});
  EXPECT_EQ(own.status, 200u);
  auto hijack = editor_.post(call(3, "read_file").dump(), {{"Mcp-Session-Id", "session-1"}});
  EXPECT_EQ(hijack.status, 403u);
  EXPECT_EQ(hijack.json()["error"]["code"], -32031);
  EXPECT_EQ(upstream_.countToolCalls("read_file"), 1u);
}

TEST_F(ProxyEnforcementTest, EveryDecisionHasAReceiptAndTheChainVerifies) {
  reader_.post(call(1, "read_file").dump());
  reader_.post(call(2, "write_file").dump());
  editor_.post(call(3, "delete_file").dump());
  auto rs = receipts();
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0]["decision"], "allow");
  EXPECT_EQ(rs[1]["decision"], "deny");
  EXPECT_EQ(rs[2]["decision"], "review");
  EXPECT_EQ(rs[0]["server"], "tools/files");
  std::ifstream in(sidecar_.receiptsPath());
  const auto report = verifyReceipts(in, {});
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.receipts, 3u);
}

}  // namespace
}  // namespace warden::sidecar::testing
