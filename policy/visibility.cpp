#include "policy/visibility.h"

#include <vector>

#include "policy/tool_name.h"

namespace warden::policy {

bool isVisible(const CompiledPolicy& policy, RuleKind kind, std::string_view principal, std::string_view target) {
  if (principal.empty() || target.empty()) return false;
  if (kind == RuleKind::Tool && !isValidToolName(target)) return false;

  const auto& rules = policy.rules(kind);
  std::vector<std::uint32_t> candidates;
  policy.index(kind).candidates(target, candidates);

  bool grantable = false;
  for (auto i : candidates) {
    const auto& rule = rules[i];
    if (!rule.targetMatches(target) || !rule.principalMatches(principal)) continue;
    if (rule.effect == Effect::Deny) {
      if (rule.unconditional()) return false;
    } else {
      grantable = true;
    }
  }
  return grantable || policy.server().defaultAction == Effect::Allow;
}

}  // namespace warden::policy
