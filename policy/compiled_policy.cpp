#include "policy/compiled_policy.h"

namespace warden::policy {

CompiledPolicy::CompiledPolicy(ServerSettings server, std::vector<std::string> policies,
                               std::vector<CompiledRule> tools, std::vector<CompiledRule> resources,
                               std::vector<CompiledRule> prompts, std::string policyVersion)
    : server_(std::move(server)), policies_(std::move(policies)), policyVersion_(std::move(policyVersion)) {
  // The indexes refer to rule positions, so they are built after the vectors have their final home.
  tools_.rules = std::move(tools);
  tools_.index = RuleIndex(tools_.rules);
  resources_.rules = std::move(resources);
  resources_.index = RuleIndex(resources_.rules);
  prompts_.rules = std::move(prompts);
  prompts_.index = RuleIndex(prompts_.rules);
}

const CompiledPolicy::Kind& CompiledPolicy::byKind(RuleKind kind) const {
  switch (kind) {
    case RuleKind::Resource:
      return resources_;
    case RuleKind::Prompt:
      return prompts_;
    case RuleKind::Tool:
      break;
  }
  return tools_;
}

}  // namespace warden::policy
