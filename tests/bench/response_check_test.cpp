#include "bench/load/load_generator/response_check.h"

#include <gtest/gtest.h>

#include "bench/load/load_generator/mcp_messages.h"

namespace warden::bench {
namespace {

std::string echoResult(std::uint64_t id, std::string_view text) {
  return nlohmann::json{{"jsonrpc", "2.0"},
                        {"id", id},
                        {"result", {{"content", {{{"type", "text"}, {"text", text}}}}}}}
      .dump();
}

TEST(ResponseCheck, AcceptsTheRightJsonAnswer) {
  EXPECT_FALSE(checkEchoAnswer(200, "application/json", echoResult(7, "Echo: hi"), 7, "Echo: hi"));
}

TEST(ResponseCheck, AcceptsTheRightAnswerAmongSseEventsWithPrimingAndCrLf) {
  const std::string body = "id: 1\r\ndata: \r\n\r\n: comment\n\nevent: message\ndata: " + echoResult(7, "Echo: hi") +
                           "\n\n";
  EXPECT_FALSE(checkEchoAnswer(200, "text/event-stream; charset=utf-8", body, 7, "Echo: hi"));
}

TEST(ResponseCheck, NamesWhatIsWrong) {
  EXPECT_EQ(checkEchoAnswer(403, "application/json", echoResult(7, "Echo: hi"), 7, "Echo: hi")->kind, "http_status");
  EXPECT_EQ(checkEchoAnswer(200, "application/json", "{not json", 7, "Echo: hi")->kind, "unparsable");
  EXPECT_EQ(checkEchoAnswer(200, "application/json", echoResult(8, "Echo: hi"), 7, "Echo: hi")->kind, "wrong_id");
  EXPECT_EQ(checkEchoAnswer(200, "application/json", echoResult(7, "Echo: other"), 7, "Echo: hi")->kind,
            "wrong_content");
  const auto denial = R"({"jsonrpc":"2.0","id":7,"error":{"code":-32031,"message":"denied by policy"}})";
  EXPECT_EQ(checkEchoAnswer(200, "application/json", denial, 7, "Echo: hi")->kind, "jsonrpc_error");
  const auto toolError = R"({"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"Echo: hi"}],"isError":true}})";
  EXPECT_EQ(checkEchoAnswer(200, "application/json", toolError, 7, "Echo: hi")->kind, "tool_error");
  EXPECT_EQ(checkEchoAnswer(200, "text/event-stream", "event: message\ndata: {\"jsonrpc\"\n\n", 7, "Echo: hi")->kind,
            "unparsable");
}

TEST(ResponseCheck, FindsTheAnswerInABatch) {
  const std::string batch = "[" + echoResult(1, "Echo: a") + "," + echoResult(2, "Echo: b") + "]";
  EXPECT_FALSE(checkEchoAnswer(200, "application/json", batch, 2, "Echo: b"));
}

TEST(McpMessages, EchoMessagesHaveTheAskedSizeAndAreUniquePerRequest) {
  const auto a = echoMessage(3, 41, 1024);
  const auto b = echoMessage(3, 42, 1024);
  EXPECT_EQ(a.size(), 1024u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(a.starts_with("bench c3 r41 "));
  const auto body = nlohmann::json::parse(toolsCallBody(99, "echo", a));
  EXPECT_EQ(body["params"]["arguments"]["message"], a);
  EXPECT_EQ(body["id"], 99);
}

}  // namespace
}  // namespace warden::bench
