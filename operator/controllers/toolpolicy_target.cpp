#include "operator/controllers/toolpolicy_target.h"

#include "operator/controllers/json_fields.h"
#include "operator/controllers/reconcile_key.h"

namespace warden::op {

std::optional<std::string> toolPolicyTargetKey(const nlohmann::json& toolPolicy) {
  const std::string& ns = stringField(objectField(toolPolicy, "metadata"), "namespace");
  const std::string& target = stringField(objectField(objectField(toolPolicy, "spec"), "targetRef"), "name");
  if (ns.empty() || target.empty() || target.find('/') != std::string::npos) return std::nullopt;
  return makeKey(ns, target);
}

std::vector<std::string> toolPolicyTargetIndexValues(const nlohmann::json& toolPolicy) {
  auto key = toolPolicyTargetKey(toolPolicy);
  if (!key) return {};
  return {std::move(*key)};
}

}  // namespace warden::op
