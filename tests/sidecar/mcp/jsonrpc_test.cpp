#include "sidecar/mcp/jsonrpc.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sidecar/mcp/error_codes.h"
#include "sidecar/mcp/request_id.h"

namespace warden::sidecar::mcp {
namespace {

using nlohmann::json;

ClientMessage single(std::string_view body) {
  auto parsed = parseClientBody(body);
  EXPECT_TRUE(parsed.ok) << serialize(parsed.errorResponse);
  EXPECT_FALSE(parsed.batch);
  EXPECT_EQ(parsed.messages.size(), 1u);
  return parsed.messages.empty() ? ClientMessage{} : std::move(parsed.messages.front());
}

// The -32600 answer of a single invalid message: its id and message.
void expectInvalid(std::string_view body, const json& id, std::string_view messagePart) {
  SCOPED_TRACE(std::string(body));
  const auto msg = single(body);
  ASSERT_EQ(msg.kind, MessageKind::Invalid);
  EXPECT_EQ(msg.invalidResponse["jsonrpc"], "2.0");
  EXPECT_EQ(msg.invalidResponse["id"], id);
  EXPECT_EQ(msg.invalidResponse["error"]["code"], kInvalidRequest);
  const auto message = msg.invalidResponse["error"]["message"].get<std::string>();
  EXPECT_TRUE(message.starts_with("Invalid Request: ")) << message;
  EXPECT_NE(message.find(messagePart), std::string::npos) << message;
  EXPECT_EQ(msg.id(), id);
  EXPECT_EQ(msg.method(), "");
}

TEST(JsonRpcTest, Request) {
  const auto msg = single(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo"}})");
  EXPECT_EQ(msg.kind, MessageKind::Request);
  EXPECT_EQ(msg.method(), "tools/call");
  EXPECT_EQ(msg.id(), 7);
  ASSERT_NE(msg.params(), nullptr);
  EXPECT_EQ((*msg.params())["name"], "echo");
  EXPECT_TRUE(msg.invalidResponse.is_null());

  const auto stringId = single(R"({"jsonrpc":"2.0","id":"a-1","method":"ping"})");
  EXPECT_EQ(stringId.kind, MessageKind::Request);
  EXPECT_EQ(stringId.id(), "a-1");
  EXPECT_EQ(stringId.params(), nullptr);

  // Integral numbers are integers to a JavaScript server; negative ids are ids.
  EXPECT_EQ(single(R"({"jsonrpc":"2.0","id":1.0,"method":"ping"})").kind, MessageKind::Request);
  EXPECT_EQ(single(R"({"jsonrpc":"2.0","id":-3,"method":"ping"})").kind, MessageKind::Request);
}

TEST(JsonRpcTest, NotificationResultAndError) {
  const auto note = single(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(note.kind, MessageKind::Notification);
  EXPECT_EQ(note.method(), "notifications/initialized");
  EXPECT_TRUE(note.id().is_null());

  const auto result = single(R"({"jsonrpc":"2.0","id":"s1","result":{"roots":[]}})");
  EXPECT_EQ(result.kind, MessageKind::Result);
  EXPECT_EQ(result.id(), "s1");
  EXPECT_EQ(result.method(), "");

  const auto error = single(R"({"jsonrpc":"2.0","id":4,"error":{"code":-1,"message":"no","data":{"x":1}}})");
  EXPECT_EQ(error.kind, MessageKind::Error);
  EXPECT_EQ(error.id(), 4);
}

TEST(JsonRpcTest, InvalidMessages) {
  expectInvalid("5", nullptr, "JSON object");
  expectInvalid(R"("x")", nullptr, "JSON object");
  expectInvalid(R"({"id":1,"method":"ping"})", 1, "jsonrpc");
  expectInvalid(R"({"jsonrpc":"1.0","id":1,"method":"ping"})", 1, "jsonrpc");
  expectInvalid(R"({"jsonrpc":2.0,"id":1,"method":"ping"})", 1, "jsonrpc");
  expectInvalid(R"({"jsonrpc":"2.0","id":1,"method":5})", 1, "method must be a string");
  expectInvalid(R"({"jsonrpc":"2.0","id":null,"method":"ping"})", nullptr, "id must be");
  expectInvalid(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", nullptr, "id must be");
  expectInvalid(R"({"jsonrpc":"2.0","id":true,"method":"ping"})", nullptr, "id must be");
  expectInvalid(R"({"jsonrpc":"2.0","id":[1],"method":"ping"})", nullptr, "id must be");
  expectInvalid(R"({"jsonrpc":"2.0","id":1e300,"method":"ping"})", nullptr, "id must be");
  expectInvalid(R"({"jsonrpc":"2.0","id":"k","method":"ping","params":[1]})", "k", "params must be an object");
  expectInvalid(R"({"jsonrpc":"2.0","method":"ping","params":null})", nullptr, "params must be an object");
  expectInvalid(R"({"jsonrpc":"2.0","id":2,"method":"ping","extra":1})", 2, "unexpected member \"extra\"");
  expectInvalid(R"({"jsonrpc":"2.0","id":2,"method":"ping","result":{}})", 2, "unexpected member \"result\"");
  expectInvalid(R"({"jsonrpc":"2.0","id":3})", 3, "needs a method, a result or an error");
  expectInvalid(R"({"jsonrpc":"2.0","id":3,"result":{},"error":{"code":1,"message":"m"}})", 3, "either");
  expectInvalid(R"({"jsonrpc":"2.0","result":{}})", nullptr, "needs an id");
  expectInvalid(R"({"jsonrpc":"2.0","id":3,"result":5})", 3, "result must be an object");
  expectInvalid(R"({"jsonrpc":"2.0","id":3,"error":"bad"})", 3, "integer code and a string message");
  expectInvalid(R"({"jsonrpc":"2.0","id":3,"error":{"code":1.5,"message":"m"}})", 3, "integer code");
  expectInvalid(R"({"jsonrpc":"2.0","id":3,"error":{"code":1}})", 3, "string message");
  expectInvalid(R"({"jsonrpc":"2.0","id":3,"result":{},"method2":1})", 3, "unexpected member");
}

TEST(JsonRpcTest, ParseErrors) {
  for (std::string_view body : {"", "{", "{\"a\":1} x", "nul", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\"}"}) {
    SCOPED_TRACE(std::string(body));
    const auto parsed = parseClientBody(body);
    ASSERT_FALSE(parsed.ok);
    EXPECT_TRUE(parsed.messages.empty());
    EXPECT_EQ(parsed.errorResponse["id"], nullptr);
    EXPECT_EQ(parsed.errorResponse["error"]["code"], kParseError);
    EXPECT_TRUE(parsed.errorResponse["error"]["message"].get<std::string>().starts_with("Parse error: syntax error"));
  }
}

TEST(JsonRpcTest, DuplicateKeysAreAParseErrorNamingTheKey) {
  // The policy would read one "name" and the server the other.
  const auto parsed =
      parseClientBody(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read","name":"delete"}})");
  ASSERT_FALSE(parsed.ok);
  EXPECT_EQ(parsed.errorResponse["error"]["code"], kParseError);
  EXPECT_EQ(parsed.errorResponse["error"]["message"], "Parse error: duplicate key \"name\" at byte 70");
  EXPECT_TRUE(parsed.errorResponse["id"].is_null());
  EXPECT_FALSE(parseClientBody(R"({"jsonrpc":"2.0","id":1,"id":2,"method":"ping"})").ok);
}

TEST(JsonRpcTest, NestingIsBounded) {
  std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"x","params":{"a":)" + std::string(200, '[') +
                     std::string(200, ']') + "}}";
  EXPECT_FALSE(parseClientBody(deep).ok);
  ParseLimits limits;
  limits.maxDepth = 300;
  EXPECT_TRUE(parseClientBody(deep, limits).ok);
}

TEST(JsonRpcTest, Batch) {
  const auto parsed = parseClientBody(R"([
    {"jsonrpc":"2.0","id":1,"method":"tools/list"},
    {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}},
    {"jsonrpc":"2.0","id":"srv-1","result":{}},
    7,
    {"jsonrpc":"2.0","id":2,"method":"ping","bogus":true}
  ])");
  ASSERT_TRUE(parsed.ok);
  EXPECT_TRUE(parsed.batch);
  ASSERT_EQ(parsed.messages.size(), 5u);
  EXPECT_EQ(parsed.messages[0].kind, MessageKind::Request);
  EXPECT_EQ(parsed.messages[1].kind, MessageKind::Notification);
  EXPECT_EQ(parsed.messages[2].kind, MessageKind::Result);
  EXPECT_EQ(parsed.messages[3].kind, MessageKind::Invalid);
  EXPECT_TRUE(parsed.messages[3].invalidResponse["id"].is_null());
  EXPECT_EQ(parsed.messages[4].kind, MessageKind::Invalid);
  EXPECT_EQ(parsed.messages[4].invalidResponse["id"], 2);
  // Each element keeps its JSON for forwarding.
  EXPECT_EQ(parsed.messages[1].json["params"]["progress"], 1);

  const auto one = parseClientBody(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
  ASSERT_TRUE(one.ok);
  EXPECT_TRUE(one.batch);
  EXPECT_EQ(one.messages.size(), 1u);
}

TEST(JsonRpcTest, EmptyAndOversizedBatchesAreInvalidRequests) {
  const auto empty = parseClientBody(" [ ] ");
  ASSERT_FALSE(empty.ok);
  EXPECT_EQ(empty.errorResponse["error"]["code"], kInvalidRequest);
  EXPECT_EQ(empty.errorResponse["error"]["message"], "Invalid Request: empty batch");
  EXPECT_TRUE(empty.errorResponse["id"].is_null());

  std::string body = "[";
  for (int i = 0; i < 4; ++i) body += std::string(i ? "," : "") + R"({"jsonrpc":"2.0","method":"n"})";
  body += "]";
  ParseLimits limits;
  limits.maxBatch = 3;
  const auto big = parseClientBody(body, limits);
  ASSERT_FALSE(big.ok);
  EXPECT_EQ(big.errorResponse["error"]["code"], kInvalidRequest);
  EXPECT_EQ(big.errorResponse["error"]["message"], "Invalid Request: a batch of 4 messages exceeds the limit of 3");
  limits.maxBatch = 4;
  EXPECT_TRUE(parseClientBody(body, limits).ok);
}

TEST(JsonRpcTest, RepeatedRequestIdsInABatchAreInvalid) {
  const auto parsed = parseClientBody(R"([
    {"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}},
    {"jsonrpc":"2.0","id":1.0,"method":"tools/call","params":{"name":"b"}},
    {"jsonrpc":"2.0","id":"1","method":"ping"},
    {"jsonrpc":"2.0","id":1,"result":{}}
  ])");
  ASSERT_TRUE(parsed.ok);
  EXPECT_EQ(parsed.messages[0].kind, MessageKind::Request);
  ASSERT_EQ(parsed.messages[1].kind, MessageKind::Invalid);
  EXPECT_EQ(parsed.messages[1].invalidResponse["error"]["message"],
            "Invalid Request: id 1.0 is used twice in the batch");
  EXPECT_EQ(parsed.messages[1].id(), 1);
  EXPECT_EQ(parsed.messages[2].kind, MessageKind::Request);  // "1" is not 1
  EXPECT_EQ(parsed.messages[3].kind, MessageKind::Result);   // an answer's id is the server's, not the client's
}

TEST(JsonRpcTest, RequestIdKeys) {
  EXPECT_EQ(requestIdKey(json(1)), requestIdKey(json(1.0)));
  EXPECT_EQ(requestIdKey(json(-5)), "n:-5");
  EXPECT_EQ(requestIdKey(json(18446744073709551615ull)), "n:18446744073709551615");
  EXPECT_NE(requestIdKey(json(1)), requestIdKey(json("1")));
  EXPECT_EQ(requestIdKey(json("x")), "s:x");
  EXPECT_EQ(requestIdKey(json(1.5)), "");
  EXPECT_EQ(requestIdKey(json(nullptr)), "");
  EXPECT_TRUE(isIntegral(json(9007199254740991.0)));
  EXPECT_FALSE(isIntegral(json(9007199254740992.0)));
  EXPECT_FALSE(isValidId(json(true)));
}

TEST(JsonRpcTest, MakeErrorAndResult) {
  EXPECT_EQ(makeError(3, -32601, "Method not found"),
            json::parse(R"({"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"Method not found"}})"));
  EXPECT_EQ(makeError("a", 1, "m", json{{"k", 1}}),
            json::parse(R"({"jsonrpc":"2.0","id":"a","error":{"code":1,"message":"m","data":{"k":1}}})"));
  EXPECT_EQ(makeError(nullptr, 1, "m")["id"], nullptr);
  EXPECT_EQ(makeResult(1, json::object()), json::parse(R"({"jsonrpc":"2.0","id":1,"result":{}})"));
}

TEST(JsonRpcTest, SerializeResponseUsesTheSdkMemberOrder) {
  EXPECT_EQ(serializeResponse(makeResult(2, json{{"content", json::array()}})),
            R"({"result":{"content":[]},"jsonrpc":"2.0","id":2})");
  EXPECT_EQ(serializeResponse(makeError(4, -32602, "MCP error -32602: Prompt nope not found")),
            R"({"jsonrpc":"2.0","id":4,"error":{"code":-32602,"message":"MCP error -32602: Prompt nope not found"}})");
  EXPECT_EQ(serializeResponse(makeError(nullptr, 1, "m", json{{"b", 1}, {"a", 2}})),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"m","data":{"a":2,"b":1}}})");
  // Content blocks start with their type, as servers write them.
  EXPECT_EQ(serializeResponse(makeResult(1, json::parse(R"({"isError":true,"content":[{"text":"t","type":"text"},
              {"mimeType":"image/png","data":"AA==","type":"image"},"odd"]})"))),
            R"({"result":{"content":[{"type":"text","text":"t"},{"type":"image","data":"AA==","mimeType":"image/png"},)"
            R"("odd"],"isError":true},"jsonrpc":"2.0","id":1})");
  // Not a plain response: sorted members.
  EXPECT_EQ(serializeResponse(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "x"}}),
            R"({"id":1,"jsonrpc":"2.0","method":"x"})");
  EXPECT_EQ(serializeResponse(json{{"jsonrpc", "2.0"}, {"id", 1}, {"error", {{"code", 1}, {"x", 1}}}}),
            R"({"error":{"code":1,"x":1},"id":1,"jsonrpc":"2.0"})");
}

TEST(JsonRpcTest, SerializeNeverThrowsOnInvalidUtf8) {
  EXPECT_EQ(serialize(json("a\xff")), "\"a\xEF\xBF\xBD\"");
}

TEST(JsonRpcTest, SerializeForUpstream) {
  const auto batch = parseClientBody(R"([{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","id":2,"method":"b"},
                                         {"jsonrpc":"2.0","method":"c"}])");
  ASSERT_TRUE(batch.ok);
  const std::vector<std::size_t> some{0, 2};
  EXPECT_EQ(serializeForUpstream(batch, some),
            R"([{"id":1,"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","method":"c"}])");
  const std::vector<std::size_t> one{1};
  EXPECT_EQ(serializeForUpstream(batch, one), R"([{"id":2,"jsonrpc":"2.0","method":"b"}])");
  const auto single = parseClientBody(R"({"jsonrpc":"2.0","id":1,"method":"a"})");
  const std::vector<std::size_t> first{0};
  EXPECT_EQ(serializeForUpstream(single, first), R"({"id":1,"jsonrpc":"2.0","method":"a"})");
}

}  // namespace
}  // namespace warden::sidecar::mcp
