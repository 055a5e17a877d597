#include "policy/mcp_method.h"

#include <gtest/gtest.h>

namespace warden::policy {
namespace {

TEST(McpMethodTest, ClassifiesMethods) {
  EXPECT_EQ(classifyMethod("tools/call"), MethodClass::Tool);
  EXPECT_EQ(classifyMethod("resources/read"), MethodClass::Resource);
  EXPECT_EQ(classifyMethod("resources/subscribe"), MethodClass::Resource);
  EXPECT_EQ(classifyMethod("prompts/get"), MethodClass::Prompt);
  for (const char* m : {"initialize", "ping", "tools/list", "resources/list", "resources/templates/list",
                        "prompts/list", "logging/setLevel", "resources/unsubscribe", "notifications/initialized",
                        "notifications/cancelled", "tasks/get", "tasks/result", "tasks/list", "tasks/cancel"}) {
    EXPECT_EQ(classifyMethod(m), MethodClass::Session) << m;
  }
  for (const char* m : {"", "tools/Call", "TOOLS/CALL", "tools/call ", "sampling/createMessage", "completion/complete",
                        "notifications", "x"}) {
    EXPECT_EQ(classifyMethod(m), MethodClass::Unknown) << m;
  }
}

}  // namespace
}  // namespace warden::policy
