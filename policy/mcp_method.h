#pragma once

#include <string_view>

namespace warden::policy {

// How design D4 treats an MCP (JSON-RPC) method sent by a client.
enum class MethodClass {
  Session,   // initialize, ping, notifications/*, the */list methods, logging/setLevel, tasks/*: authentication only
  Tool,      // tools/call: a matching rule of spec.rules, target = params.name
  Resource,  // resources/read, resources/subscribe: spec.resources, target = params.uri
  Prompt,    // prompts/get: spec.prompts, target = params.name
  Unknown,   // anything else: the server's default action
};

MethodClass classifyMethod(std::string_view method);

}  // namespace warden::policy
