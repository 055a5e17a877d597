#include "sidecar/mcp/denial.h"

#include <string>

#include "sidecar/mcp/error_codes.h"
#include "sidecar/mcp/jsonrpc.h"

namespace warden::sidecar::mcp {
namespace {

using nlohmann::json;

std::string withDetail(std::string_view what, std::string_view detail) {
  std::string message(what);
  if (!detail.empty()) {
    message += ": ";
    message += detail;
  }
  return message;
}

// The SDK's McpError prefixes its message with "MCP error <code>: ".
std::string sdkMessage(int code, std::string_view what, std::string_view target) {
  std::string message = "MCP error " + std::to_string(code) + ": ";
  message += what;
  message += ' ';
  message += target;
  message += " not found";
  return message;
}

json concealed(const json& id, std::string_view method, std::string_view target) {
  if (method == "tools/call") {
    // The SDK turns a tool's McpError into a tool result with isError, not a JSON-RPC error.
    json text = {{"type", "text"}, {"text", sdkMessage(kInvalidParams, "Tool", target)}};
    return makeResult(id, json{{"content", json::array({std::move(text)})}, {"isError", true}});
  }
  if (method == "prompts/get") return makeError(id, kInvalidParams, sdkMessage(kInvalidParams, "Prompt", target));
  if (method == "resources/read") {
    return makeError(id, kInvalidParams, sdkMessage(kInvalidParams, "Resource", target));
  }
  return makeError(id, kMethodNotFound, "Method not found");
}

json explained(const json& id, const policy::Decision& decision, const DenialContext& context) {
  int code = kDenied;
  std::string message = "denied by policy: ";
  if (decision.code == policy::ReasonCode::RateLimited) {
    code = kRateLimited;
    message = "rate limited: ";
  } else if (decision.effect == policy::Effect::Review) {
    code = kApprovalRequired;
    message = "approval required: ";
  }
  message += decision.reason();
  json rules = json::array();
  for (const auto* rule : decision.rules) rules.push_back(rule->id);
  json data = {{"decision", decision.effect == policy::Effect::Review ? "review" : "deny"},
               {"code", policy::toString(decision.code)},
               {"rule", rules.empty() ? json(nullptr) : rules.front()},
               {"rules", std::move(rules)},
               {"receipt", context.receiptHash},
               {"policyVersion", context.policyVersion}};
  return json{{"jsonrpc", "2.0"},
              {"id", id},
              {"error", {{"code", code}, {"message", std::move(message)}, {"data", std::move(data)}}}};
}

}  // namespace

nlohmann::json denialResponse(const nlohmann::json& id, const policy::Decision& decision, std::string_view method,
                              std::string_view target, const DenialContext& context) {
  if (context.denialStyle == policy::DenialStyle::Conceal) return concealed(id, method, target);
  return explained(id, decision, context);
}

nlohmann::json parseErrorResponse(std::string_view detail) {
  return makeError(nullptr, kParseError, withDetail("Parse error", detail));
}

nlohmann::json invalidRequestResponse(const nlohmann::json& id, std::string_view detail) {
  return makeError(id, kInvalidRequest, withDetail("Invalid Request", detail));
}

nlohmann::json invalidParamsResponse(const nlohmann::json& id, std::string_view detail) {
  return makeError(id, kInvalidParams, withDetail("Invalid params", detail));
}

nlohmann::json internalErrorResponse(const nlohmann::json& id, std::string_view detail) {
  return makeError(id, kInternalError, withDetail("Internal error", detail));
}

nlohmann::json upstreamFailureResponse(const nlohmann::json& id, std::string_view why) {
  return makeError(id, kInternalError, "upstream MCP server unavailable: " + std::string(why));
}

}  // namespace warden::sidecar::mcp
