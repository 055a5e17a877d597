#include "policy/mcp_method.h"

#include <array>

namespace warden::policy {

MethodClass classifyMethod(std::string_view method) {
  if (method == "tools/call") return MethodClass::Tool;
  if (method == "resources/read" || method == "resources/subscribe") return MethodClass::Resource;
  if (method == "prompts/get") return MethodClass::Prompt;
  if (method.starts_with("notifications/")) return MethodClass::Session;
  // Listing methods are answered with what the caller may see (filtered), so they need no rule of their own;
  // tasks/* only reach tasks the caller's own, already authorized, calls created.
  static constexpr std::array<std::string_view, 12> kSession{
      "initialize",     "ping",         "tools/list", "resources/list", "resources/templates/list",
      "prompts/list",   "logging/setLevel", "resources/unsubscribe", "tasks/get", "tasks/result",
      "tasks/list",     "tasks/cancel"};
  for (auto m : kSession) {
    if (method == m) return MethodClass::Session;
  }
  return MethodClass::Unknown;
}

}  // namespace warden::policy
