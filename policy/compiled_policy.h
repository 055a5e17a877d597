#pragma once

#include <memory>
#include <string>
#include <vector>

#include "policy/compiled_rule.h"
#include "policy/model.h"
#include "policy/rule_index.h"

namespace warden::policy {

// The server-level settings a bundle carries.
struct ServerSettings {
  std::string namespace_;
  std::string name;
  std::string identity;     // the server's SPIFFE ID ("" when derived at injection time)
  std::string trustDomain;  // shorthand principals were expanded in this trust domain
  Effect defaultAction = Effect::Deny;
  DenialStyle denialStyle = DenialStyle::Explain;
  ToolPinning toolPinning;
};

// An evaluator-ready bundle: immutable, shared by every request that started while it was current (hot swaps
// replace the pointer, never the object).
class CompiledPolicy {
 public:
  CompiledPolicy(ServerSettings server, std::vector<std::string> policies, std::vector<CompiledRule> tools,
                 std::vector<CompiledRule> resources, std::vector<CompiledRule> prompts, std::string policyVersion);
  CompiledPolicy(const CompiledPolicy&) = delete;
  CompiledPolicy& operator=(const CompiledPolicy&) = delete;

  const ServerSettings& server() const { return server_; }
  const std::vector<std::string>& policies() const { return policies_; }
  const std::string& policyVersion() const { return policyVersion_; }
  const std::vector<CompiledRule>& rules(RuleKind kind) const { return byKind(kind).rules; }
  const RuleIndex& index(RuleKind kind) const { return byKind(kind).index; }

 private:
  struct Kind {
    std::vector<CompiledRule> rules;
    RuleIndex index;
  };
  const Kind& byKind(RuleKind kind) const;

  ServerSettings server_;
  std::vector<std::string> policies_;
  Kind tools_, resources_, prompts_;
  std::string policyVersion_;
};

using CompiledPolicyPtr = std::shared_ptr<const CompiledPolicy>;

}  // namespace warden::policy
