#pragma once

// The answers the sidecar gives instead of the MCP server: denials (design D6) and its own protocol errors.

#include <string_view>

#include <nlohmann/json.hpp>

#include "policy/evaluator.h"
#include "policy/model.h"

namespace warden::sidecar::mcp {

struct DenialContext {
  std::string_view receiptHash;    // the hash of the receipt recording this decision
  std::string_view policyVersion;  // the bundle's sha256
  policy::DenialStyle denialStyle = policy::DenialStyle::Explain;
};

// The JSON-RPC response (HTTP 200) to a request the policy did not allow; `target` is the tool name, resource URI or
// prompt name the request named.
// Explain: an error the agent can act on: -32031 "denied by policy: <reason>", -32032 "approval required: <reason>"
//   (Review), -32033 "rate limited: <reason>" (reason code rate_limited); data {decision: "deny"|"review", code,
//   rule: <first deciding rule id or null>, rules, receipt, policyVersion}.
// Conceal: byte for byte what an MCP TypeScript SDK (1.32) server answers for something it does not have:
//   tools/call     result {content: [{type: "text", text: "MCP error -32602: Tool <name> not found"}], isError: true}
//   prompts/get    error {code: -32602, message: "MCP error -32602: Prompt <name> not found"}
//   resources/read error {code: -32602, message: "MCP error -32602: Resource <uri> not found"} (the SDK prints the
//                  URI after WHATWG URL parsing; URIs are echoed as sent, the same for already normalized URIs)
//   anything else  error {code: -32601, message: "Method not found"}
// Conceal hides approvals and rate limits too: saying "approval required" would reveal the tool exists.
// A decision that is not a deny or review (a caller bug) is still answered as a denial: fail closed.
nlohmann::json denialResponse(const nlohmann::json& id, const policy::Decision& decision, std::string_view method,
                              std::string_view target, const DenialContext& context);

// The sidecar's other answers ("<what>: <detail>", or just <what> when detail is empty).
// -32700 "Parse error", id null.
nlohmann::json parseErrorResponse(std::string_view detail);
// -32600 "Invalid Request".
nlohmann::json invalidRequestResponse(const nlohmann::json& id, std::string_view detail);
// -32602 "Invalid params" (e.g. callTargetOf's error).
nlohmann::json invalidParamsResponse(const nlohmann::json& id, std::string_view detail);
// -32603 "Internal error".
nlohmann::json internalErrorResponse(const nlohmann::json& id, std::string_view detail);
// -32603 "upstream MCP server unavailable: <why>".
nlohmann::json upstreamFailureResponse(const nlohmann::json& id, std::string_view why);

}  // namespace warden::sidecar::mcp
