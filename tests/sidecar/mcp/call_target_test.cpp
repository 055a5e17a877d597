#include "sidecar/mcp/call_target.h"

#include <gtest/gtest.h>

#include <string>

namespace warden::sidecar::mcp {
namespace {

using policy::MethodClass;

ClientMessage message(std::string_view body) {
  auto parsed = parseClientBody(body);
  EXPECT_TRUE(parsed.ok);
  EXPECT_EQ(parsed.messages.size(), 1u);
  return parsed.messages.empty() ? ClientMessage{} : std::move(parsed.messages.front());
}

void expectError(std::string_view body, std::string_view expected) {
  SCOPED_TRACE(std::string(body));
  const auto msg = message(body);
  std::string error;
  EXPECT_FALSE(callTargetOf(msg, &error));
  EXPECT_EQ(error, expected);
}

TEST(CallTargetTest, ToolsCall) {
  const auto msg = message(
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_file","arguments":{"path":"/a"}}})");
  std::string error;
  const auto target = callTargetOf(msg, &error);
  ASSERT_TRUE(target) << error;
  EXPECT_EQ(target->kind, MethodClass::Tool);
  EXPECT_EQ(target->target, "write_file");
  ASSERT_NE(target->arguments, nullptr);
  EXPECT_EQ((*target->arguments)["path"], "/a");
  // The arguments point into the message, not at a copy.
  EXPECT_EQ(target->arguments, &msg.json["params"]["arguments"]);

  const auto noArgs = callTargetOf(message(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}})"),
                                   nullptr);
  ASSERT_TRUE(noArgs);
  EXPECT_EQ(noArgs->target, "x");
  EXPECT_EQ(noArgs->arguments, nullptr);
}

TEST(CallTargetTest, ToolsCallErrors) {
  expectError(R"({"jsonrpc":"2.0","id":1,"method":"tools/call"})", "tools/call: params.name must be a string");
  expectError(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}})",
              "tools/call: params.name must be a string");
  expectError(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":["x"]}})",
              "tools/call: params.name must be a string");
  expectError(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":null}})",
              "tools/call: params.arguments must be an object");
  expectError(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":[1]}})",
              "tools/call: params.arguments must be an object");
  expectError(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":"a=1"}})",
              "tools/call: params.arguments must be an object");
}

TEST(CallTargetTest, Resources) {
  for (const char* method : {"resources/read", "resources/subscribe"}) {
    SCOPED_TRACE(method);
    const auto msg = message(std::string(R"({"jsonrpc":"2.0","id":1,"method":")") + method +
                             R"(","params":{"uri":"file:///etc/passwd"}})");
    const auto target = callTargetOf(msg, nullptr);
    ASSERT_TRUE(target);
    EXPECT_EQ(target->kind, MethodClass::Resource);
    EXPECT_EQ(target->target, "file:///etc/passwd");
    EXPECT_EQ(target->arguments, msg.params());  // resource conditions address params
  }
  expectError(R"({"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"name":"x"}})",
              "resources/read: params.uri must be a string");
  expectError(R"({"jsonrpc":"2.0","id":1,"method":"resources/subscribe","params":{"uri":1}})",
              "resources/subscribe: params.uri must be a string");
  expectError(R"({"jsonrpc":"2.0","id":1,"method":"resources/read"})", "resources/read: params.uri must be a string");
}

TEST(CallTargetTest, Prompts) {
  const auto msg =
      message(R"({"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"greet","arguments":{"who":"x"}}})");
  const auto target = callTargetOf(msg, nullptr);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->kind, MethodClass::Prompt);
  EXPECT_EQ(target->target, "greet");
  ASSERT_NE(target->arguments, nullptr);
  EXPECT_EQ((*target->arguments)["who"], "x");
  expectError(R"({"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"uri":"x"}})",
              "prompts/get: params.name must be a string");
  expectError(R"({"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"x","arguments":5}})",
              "prompts/get: params.arguments must be an object");
}

TEST(CallTargetTest, SessionAndUnknownMethodsCarryOnlyTheirClass) {
  const auto init = callTargetOf(message(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})"), nullptr);
  ASSERT_TRUE(init);
  EXPECT_EQ(init->kind, MethodClass::Session);
  EXPECT_EQ(init->target, "");
  EXPECT_EQ(init->arguments, nullptr);
  const auto note = callTargetOf(message(R"({"jsonrpc":"2.0","method":"notifications/cancelled"})"), nullptr);
  ASSERT_TRUE(note);
  EXPECT_EQ(note->kind, MethodClass::Session);
  const auto unknown =
      callTargetOf(message(R"({"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"x":1}})"), nullptr);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->kind, MethodClass::Unknown);
  EXPECT_EQ(unknown->arguments, nullptr);
}

TEST(CallTargetTest, NotificationsNamingAGatedMethodAreGated) {
  const auto target =
      callTargetOf(message(R"({"jsonrpc":"2.0","method":"tools/call","params":{"name":"delete_all"}})"), nullptr);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->kind, MethodClass::Tool);
  EXPECT_EQ(target->target, "delete_all");
  expectError(R"({"jsonrpc":"2.0","method":"tools/call"})", "tools/call: params.name must be a string");
}

TEST(CallTargetTest, AnswersAndInvalidMessagesHaveNoTarget) {
  expectError(R"({"jsonrpc":"2.0","id":1,"result":{}})", "the message has no method (result)");
  expectError(R"({"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m"}})", "the message has no method (error)");
  expectError(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":5})", "the message has no method (invalid)");
}

}  // namespace
}  // namespace warden::sidecar::mcp
