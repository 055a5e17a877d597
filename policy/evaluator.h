#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/compiled_policy.h"
#include "policy/rate_limiter.h"

namespace warden::policy {

enum class ReasonCode {
  Allowed,          // an Allow rule matched
  SessionMethod,    // initialize, ping, notifications, listings: an authenticated caller suffices
  ReviewRequired,   // a Review rule matched and no Deny did
  DeniedByRule,     // a Deny rule matched
  DefaultDeny,      // no rule matched; the server's default action is Deny
  DefaultAllow,     // no rule matched; the server's default action is Allow
  RateLimited,      // the winning rules' buckets were empty
  InvalidTarget,    // a tool name outside [A-Za-z0-9_.-]{1,128}, or an empty URI / prompt name
  Unauthenticated,  // no principal
  NoPolicy,         // the sidecar has no valid policy bundle: everything is denied (fail closed)
};

// The snake_case code used in receipts and denial data ("rate_limited", ...).
const char* toString(ReasonCode code);

struct Request {
  std::string_view principal;  // the caller's SPIFFE ID
  std::string_view method;     // the JSON-RPC method
  std::string_view target;     // tool name, resource URI or prompt name (gated methods)
  const nlohmann::json* arguments = nullptr;  // params.arguments (tools, prompts) or params (resources)
  std::chrono::system_clock::time_point now;
};

struct Decision {
  Effect effect = Effect::Deny;
  ReasonCode code = ReasonCode::DefaultDeny;
  // The rules that decided: every matching rule of the winning effect (for RateLimited, the rules whose bucket
  // was empty). Pointers into the CompiledPolicy evaluated: valid while the caller holds it.
  std::vector<const CompiledRule*> rules;

  std::vector<std::string> ruleIds() const;
  // A sentence for the caller and the receipt: the deciding rule's `reason` when it has one.
  std::string reason() const;
};

// The decision for anything when no valid policy is loaded.
Decision noPolicyDecision();

// Decides one request with the semantics of design D4: any matching Deny ⇒ deny; else any Review ⇒ review; else
// any Allow ⇒ allow (unless a matching rate-limited rule's bucket is empty ⇒ deny, rate_limited); else the
// server's default action. Never throws.
Decision evaluate(const CompiledPolicy& policy, const Request& request, RateLimiter& limiter);

}  // namespace warden::policy
