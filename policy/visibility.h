#pragma once

#include <string_view>

#include "policy/compiled_policy.h"

namespace warden::policy {

// Whether a listing (tools/list, resources/list, prompts/list) shows `target` to `principal` (design D4): only what
// some Allow or Review rule could grant that caller stays visible. "Could": the rule's targets and principals
// match; argument conditions, schedules and rate limits are left to the call itself. A target that an
// unconditional Deny rule (no conditions, no schedule) covers for the caller is hidden even under a default Allow.
// Invalid tool names are never visible.
bool isVisible(const CompiledPolicy& policy, RuleKind kind, std::string_view principal, std::string_view target);

}  // namespace warden::policy
