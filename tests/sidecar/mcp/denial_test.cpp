#include "sidecar/mcp/denial.h"

#include <gtest/gtest.h>

#include <string>

#include "sidecar/mcp/error_codes.h"
#include "sidecar/mcp/jsonrpc.h"
#include "tests/policy/policy_fixture.h"

namespace warden::sidecar::mcp {
namespace {

using nlohmann::json;
using policy::testing::kReader;
using policy::testing::loadYamlPolicy;
using policy::testing::policyYaml;

constexpr const char* kHash = "9f2c";
constexpr const char* kVersion = "sha256:abc";

class DenialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = loadYamlPolicy(policyYaml("p", R"(  rules:
  - {name: no-delete, tools: [delete_file], effect: Deny, reason: "deleting files is not allowed"}
  - {name: no-delete-2, tools: ["delete_*"], effect: Deny}
  - {name: deploy, tools: [deploy], effect: Review}
  - {name: images, tools: [generate_image], effect: Allow, rateLimit: {requests: 1, per: 1h}})"));
    ASSERT_TRUE(policy_);
  }

  policy::Decision decide(std::string_view tool) {
    policy::Request request;
    request.principal = kReader;
    request.method = "tools/call";
    request.target = tool;
    request.now = policy::testing::tuesdayMorning();
    return policy::evaluate(*policy_, request, limiter_);
  }

  static DenialContext explain() { return DenialContext{kHash, kVersion, policy::DenialStyle::Explain}; }
  static DenialContext conceal() { return DenialContext{kHash, kVersion, policy::DenialStyle::Conceal}; }

  policy::CompiledPolicyPtr policy_;
  policy::RateLimiter limiter_{[] { return std::chrono::steady_clock::time_point{}; }};
};

TEST_F(DenialTest, ExplainDeny) {
  const auto response = denialResponse(7, decide("delete_file"), "tools/call", "delete_file", explain());
  EXPECT_EQ(response, json::parse(R"({"jsonrpc":"2.0","id":7,"error":{"code":-32031,
    "message":"denied by policy: deleting files is not allowed",
    "data":{"decision":"deny","code":"denied_by_rule","rule":"p/no-delete","rules":["p/no-delete","p/no-delete-2"],
            "receipt":"9f2c","policyVersion":"sha256:abc"}}})"));
}

TEST_F(DenialTest, ExplainDefaultDenyHasNoRule) {
  const auto response = denialResponse("a", decide("unknown_tool"), "tools/call", "unknown_tool", explain());
  EXPECT_EQ(response["id"], "a");
  EXPECT_EQ(response["error"]["code"], kDenied);
  EXPECT_EQ(response["error"]["message"], "denied by policy: no rule allows this call (default deny)");
  EXPECT_EQ(response["error"]["data"]["code"], "default_deny");
  EXPECT_TRUE(response["error"]["data"]["rule"].is_null());
  EXPECT_EQ(response["error"]["data"]["rules"], json::array());
}

TEST_F(DenialTest, ExplainReviewAndRateLimit) {
  const auto review = denialResponse(1, decide("deploy"), "tools/call", "deploy", explain());
  EXPECT_EQ(review["error"]["code"], kApprovalRequired);
  EXPECT_EQ(review["error"]["message"], "approval required: approval required by p/deploy");
  EXPECT_EQ(review["error"]["data"]["decision"], "review");
  EXPECT_EQ(review["error"]["data"]["code"], "review_required");
  EXPECT_EQ(review["error"]["data"]["rule"], "p/deploy");

  ASSERT_EQ(decide("generate_image").effect, policy::Effect::Allow);
  const auto limited = denialResponse(2, decide("generate_image"), "tools/call", "generate_image", explain());
  EXPECT_EQ(limited["error"]["code"], kRateLimited);
  EXPECT_EQ(limited["error"]["message"], "rate limited: rate limit of 1 per 1h exceeded (p/images)");
  EXPECT_EQ(limited["error"]["data"]["decision"], "deny");
  EXPECT_EQ(limited["error"]["data"]["code"], "rate_limited");
  EXPECT_EQ(limited["error"]["data"]["rule"], "p/images");
}

TEST_F(DenialTest, ExplainFailsClosedOnAnAllowDecision) {
  policy::Decision allow;
  allow.effect = policy::Effect::Allow;
  allow.code = policy::ReasonCode::Allowed;
  const auto response = denialResponse(1, allow, "tools/call", "x", explain());
  EXPECT_EQ(response["error"]["code"], kDenied);
  EXPECT_EQ(response["error"]["data"]["decision"], "deny");
}

// The exact bytes @modelcontextprotocol/server-everything (SDK 1.32.2) answered for things it does not have,
// recorded with protocol 2025-11-25.
TEST_F(DenialTest, ConcealToolsCallIsTheSdkUnknownToolResult) {
  const auto response = denialResponse(3, decide("delete_file"), "tools/call", "nope", conceal());
  EXPECT_EQ(serializeResponse(response),
            R"({"result":{"content":[{"type":"text","text":"MCP error -32602: Tool nope not found"}],"isError":true},"jsonrpc":"2.0","id":3})");
  // Names are echoed as the SDK echoes them (JSON escaping only).
  EXPECT_EQ(serializeResponse(denialResponse(9, decide("x"), "tools/call", "nope \"q\" \xC3\xA9", conceal())),
            R"({"result":{"content":[{"type":"text","text":"MCP error -32602: Tool nope \"q\" é not found"}],"isError":true},"jsonrpc":"2.0","id":9})");
}

TEST_F(DenialTest, ConcealPromptsResourcesAndOtherMethods) {
  const auto decision = decide("delete_file");
  EXPECT_EQ(serializeResponse(denialResponse(4, decision, "prompts/get", "nope", conceal())),
            R"({"jsonrpc":"2.0","id":4,"error":{"code":-32602,"message":"MCP error -32602: Prompt nope not found"}})");
  EXPECT_EQ(serializeResponse(denialResponse(5, decision, "resources/read", "demo://nope/x", conceal())),
            R"({"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"MCP error -32602: Resource demo://nope/x not found"}})");
  EXPECT_EQ(serializeResponse(denialResponse(6, decision, "nope/x", "", conceal())),
            R"({"jsonrpc":"2.0","id":6,"error":{"code":-32601,"message":"Method not found"}})");
  EXPECT_EQ(serializeResponse(denialResponse(6, decision, "resources/subscribe", "demo://x", conceal())),
            R"({"jsonrpc":"2.0","id":6,"error":{"code":-32601,"message":"Method not found"}})");
}

TEST_F(DenialTest, ConcealHidesReviewAndRateLimitsToo) {
  const auto review = denialResponse(1, decide("deploy"), "tools/call", "deploy", conceal());
  EXPECT_EQ(review["result"]["content"][0]["text"], "MCP error -32602: Tool deploy not found");
  EXPECT_EQ(review["result"]["isError"], true);
  EXPECT_FALSE(review.contains("error"));
}

TEST(ProxyErrorsTest, Shapes) {
  EXPECT_EQ(parseErrorResponse("duplicate key \"a\" at byte 3"),
            json::parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,
              "message":"Parse error: duplicate key \"a\" at byte 3"}})"));
  EXPECT_EQ(parseErrorResponse("")["error"]["message"], "Parse error");
  EXPECT_EQ(invalidRequestResponse(1, "empty batch"),
            json::parse(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32600,
              "message":"Invalid Request: empty batch"}})"));
  EXPECT_EQ(invalidParamsResponse("x", "tools/call: params.name must be a string"),
            json::parse(R"({"jsonrpc":"2.0","id":"x","error":{"code":-32602,
              "message":"Invalid params: tools/call: params.name must be a string"}})"));
  EXPECT_EQ(internalErrorResponse(2, ""),
            json::parse(R"({"jsonrpc":"2.0","id":2,"error":{"code":-32603,"message":"Internal error"}})"));
  EXPECT_EQ(upstreamFailureResponse(3, "connection refused"),
            json::parse(R"({"jsonrpc":"2.0","id":3,"error":{"code":-32603,
              "message":"upstream MCP server unavailable: connection refused"}})"));
}

}  // namespace
}  // namespace warden::sidecar::mcp
