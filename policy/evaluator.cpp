#include "policy/evaluator.h"

#include <array>

#include "policy/mcp_method.h"
#include "policy/tool_name.h"

namespace warden::policy {
namespace {

constexpr std::size_t kEffects = 3;

std::size_t slot(Effect e) { return static_cast<std::size_t>(e); }

Decision fromDefault(const CompiledPolicy& policy) {
  Decision d;
  d.effect = policy.server().defaultAction;
  d.code = d.effect == Effect::Allow ? ReasonCode::DefaultAllow : ReasonCode::DefaultDeny;
  if (d.effect == Effect::Review) d.effect = Effect::Deny;  // not a valid default; fail closed
  return d;
}

Decision denied(ReasonCode code) {
  Decision d;
  d.effect = Effect::Deny;
  d.code = code;
  return d;
}

std::string joinIds(const std::vector<const CompiledRule*>& rules) {
  std::string out;
  for (const auto* r : rules) {
    if (!out.empty()) out += ", ";
    out += r->id;
  }
  return out;
}

}  // namespace

const char* toString(ReasonCode code) {
  switch (code) {
    case ReasonCode::Allowed:
      return "allowed";
    case ReasonCode::SessionMethod:
      return "session_method";
    case ReasonCode::ReviewRequired:
      return "review_required";
    case ReasonCode::DeniedByRule:
      return "denied_by_rule";
    case ReasonCode::DefaultDeny:
      return "default_deny";
    case ReasonCode::DefaultAllow:
      return "default_allow";
    case ReasonCode::RateLimited:
      return "rate_limited";
    case ReasonCode::InvalidTarget:
      return "invalid_target";
    case ReasonCode::Unauthenticated:
      return "unauthenticated";
    case ReasonCode::NoPolicy:
      return "no_policy";
  }
  return "unknown";
}

std::vector<std::string> Decision::ruleIds() const {
  std::vector<std::string> ids;
  ids.reserve(rules.size());
  for (const auto* r : rules) ids.push_back(r->id);
  return ids;
}

std::string Decision::reason() const {
  const CompiledRule* first = rules.empty() ? nullptr : rules.front();
  switch (code) {
    case ReasonCode::Allowed:
      return "allowed by " + joinIds(rules);
    case ReasonCode::SessionMethod:
      return "allowed for any authenticated caller";
    case ReasonCode::ReviewRequired:
      if (first && !first->reason.empty()) return first->reason;
      return "approval required by " + joinIds(rules);
    case ReasonCode::DeniedByRule:
      if (first && !first->reason.empty()) return first->reason;
      return "denied by " + joinIds(rules);
    case ReasonCode::DefaultDeny:
      return "no rule allows this call (default deny)";
    case ReasonCode::DefaultAllow:
      return "no rule matched (default allow)";
    case ReasonCode::RateLimited:
      if (first) {
        return "rate limit of " + std::to_string(first->rateRequests) + " per " + first->ratePer + " exceeded (" +
               joinIds(rules) + ")";
      }
      return "rate limit exceeded";
    case ReasonCode::InvalidTarget:
      return "invalid tool name, resource URI or prompt name";
    case ReasonCode::Unauthenticated:
      return "caller is not authenticated";
    case ReasonCode::NoPolicy:
      return "no valid policy is loaded: every call is denied";
  }
  return "denied";
}

Decision noPolicyDecision() { return denied(ReasonCode::NoPolicy); }

Decision evaluate(const CompiledPolicy& policy, const Request& request, RateLimiter& limiter) {
  if (request.principal.empty()) return denied(ReasonCode::Unauthenticated);

  RuleKind kind = RuleKind::Tool;
  switch (classifyMethod(request.method)) {
    case MethodClass::Session: {
      Decision d;
      d.effect = Effect::Allow;
      d.code = ReasonCode::SessionMethod;
      return d;
    }
    case MethodClass::Unknown:
      return fromDefault(policy);
    case MethodClass::Tool:
      if (!isValidToolName(request.target)) return denied(ReasonCode::InvalidTarget);
      kind = RuleKind::Tool;
      break;
    case MethodClass::Resource:
      kind = RuleKind::Resource;
      break;
    case MethodClass::Prompt:
      kind = RuleKind::Prompt;
      break;
  }
  if (request.target.empty()) return denied(ReasonCode::InvalidTarget);

  const auto& rules = policy.rules(kind);
  std::vector<std::uint32_t> candidates;
  policy.index(kind).candidates(request.target, candidates);

  // Cheap checks for every candidate first; argument conditions (regexes, detectors) only where they can still
  // change the outcome: once a Deny matched, Allow and Review conditions need not run.
  std::array<std::vector<const CompiledRule*>, kEffects> byEffect;
  for (auto i : candidates) {
    const auto& rule = rules[i];
    if (!rule.targetMatches(request.target) || !rule.principalMatches(request.principal)) continue;
    byEffect[slot(rule.effect)].push_back(&rule);
  }

  auto matching = [&](Effect e) {
    std::vector<const CompiledRule*> out;
    for (const auto* rule : byEffect[slot(e)]) {
      if (rule->contextMatches(request.arguments, request.now)) out.push_back(rule);
    }
    return out;
  };

  Decision d;
  if (auto deny = matching(Effect::Deny); !deny.empty()) {
    d.effect = Effect::Deny;
    d.code = ReasonCode::DeniedByRule;
    d.rules = std::move(deny);
    return d;
  }
  if (auto review = matching(Effect::Review); !review.empty()) {
    d.effect = Effect::Review;
    d.code = ReasonCode::ReviewRequired;
    d.rules = std::move(review);
  } else if (auto allow = matching(Effect::Allow); !allow.empty()) {
    d.effect = Effect::Allow;
    d.code = ReasonCode::Allowed;
    d.rules = std::move(allow);
  } else {
    return fromDefault(policy);
  }

  // Every matching rate-limited rule of the winning effect takes a token, all or nothing.
  std::vector<RateLimiter::Key> keys;
  std::vector<const CompiledRule*> limited;
  for (const auto* rule : d.rules) {
    if (rule->rateRequests == 0) continue;
    keys.push_back({rule->id, request.principal, rule->rateRequests, rule->ratePeriod});
    limited.push_back(rule);
  }
  if (!keys.empty() && !limiter.tryAcquire(keys)) {
    d.effect = Effect::Deny;
    d.code = ReasonCode::RateLimited;
    d.rules = std::move(limited);
  }
  return d;
}

}  // namespace warden::policy
