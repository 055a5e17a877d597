#pragma once

// What the policy evaluates for one client message (design D4): the method's class, its target and its arguments.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "policy/mcp_method.h"
#include "sidecar/mcp/jsonrpc.h"

namespace warden::sidecar::mcp {

struct CallTarget {
  policy::MethodClass kind = policy::MethodClass::Unknown;
  std::string target;                          // tool name, resource URI or prompt name; empty for other methods
  const nlohmann::json* arguments = nullptr;  // points into the message: valid while it is unchanged
};

// For a Request or Notification (a notification can name a gated method too, so it is gated the same way):
//   tools/call                          target params.name (string, required); arguments params.arguments (object
//                                       or absent; anything else, null included, is an error)
//   resources/read, resources/subscribe target params.uri (string, required); arguments params (conditions on
//                                       resources address the request's params, e.g. `uri`)
//   prompts/get                         target params.name (string, required); arguments params.arguments (as tools)
//   any other method                    the class only
// nullopt with *error (the message for a -32602 Invalid params answer) when params are missing or ill-typed, and
// for results, errors and invalid messages, which have no method. Names are not judged here: the evaluator denies
// invalid ones with a receipt.
std::optional<CallTarget> callTargetOf(const ClientMessage& message, std::string* error);

}  // namespace warden::sidecar::mcp
