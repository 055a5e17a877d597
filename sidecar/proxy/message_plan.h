#pragma once

// What the proxy does with each JSON-RPC message of one POST body: decided before anything reaches the MCP server.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/compiled_policy.h"
#include "policy/evaluator.h"
#include "policy/rate_limiter.h"
#include "sidecar/mcp/jsonrpc.h"
#include "sidecar/receipts/receipt.h"

namespace warden::sidecar {

struct MessagePlan {
  std::size_t index = 0;  // position in the body (batch order)
  bool forward = false;   // goes to the MCP server
  // Why not: the policy's decision (kept for the denial answer), or an invalid message's ready answer.
  std::optional<policy::Decision> decision;
  nlohmann::json invalidResponse;  // set for malformed elements (answered -32600 / -32602 without a decision)
  std::string method;
  std::string target;
  bool needsReceipt = false;  // every decided message (requests and notifications) gets a receipt
  ReceiptInput receipt;
  nlohmann::json id;  // null for notifications
};

struct BodyPlan {
  bool batch = false;
  std::vector<MessagePlan> messages;
  // Forwarded requests whose answers must be filtered for the caller: id (as JSON text) -> listing method.
  std::vector<std::pair<std::string, std::string>> listings;

  bool anyForwarded() const;
  // The body to send upstream: the forwarded elements, as a batch if the client sent one.
  std::string forwardBody(const mcp::ParsedBody& body) const;
};

struct PlanContext {
  policy::CompiledPolicyPtr policy;  // null: no valid bundle, deny everything
  std::string principal;
  std::string session;
  policy::RateLimiter* limiter = nullptr;
  std::chrono::system_clock::time_point now;
};

// Decides every message. Responses from the client (answers to the server's own requests) are forwarded without a
// decision: they only reach the session that asked. Never throws.
BodyPlan planBody(const mcp::ParsedBody& body, const PlanContext& context);

// The identity of the server a policy protects, for receipts ("<namespace>/<name>"; "" without a policy).
std::string serverLabel(const policy::CompiledPolicy* policy);

}  // namespace warden::sidecar
